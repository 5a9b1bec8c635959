import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioEvent, TrainRunDetail } from '../../src-main/contracts/studio-api';
import { TrainResultSchema } from '../../src-main/contracts/train';
import { RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { writeIdxPair } from '../helpers/idx';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'out', 'node', 'workers', 'training-worker.js');
const ARCH = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';
/** A tiny NB201 network on a few embedded MNIST digits: about a second per epoch on 2 cores. */
const TINY = { channels: 2, layers: 1, epochs: 2, batchSize: 16, trainImages: 64, valImages: 32, testImages: 48 };
const request = (settings: Record<string, unknown> = TINY, extra: Record<string, unknown> = {}) => ({ method: 'startTraining', request: { space: 'nb201', arch: ARCH, dataset: { kind: 'mnist-embedded' }, preset: 'cpu', settings, seed: 3, ...extra } });

let runs: string;
let manager: RunManager;
beforeAll(() => {
  if (!fs.existsSync(ENTRY)) throw new Error('run `npm run build` first (npm test does)');
  runs = tempDir('train-api');
  manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: ENTRY, stopGraceMs: 60_000, log: () => {} });
});
afterAll(() => manager.dispose());

/** An IDX image/label pair of n side×side images, labels 0..9 in turn. */
/** n pseudo-random side × side images, labels i mod 10 (the pixel pattern the original fixture used: byte k of the file is 37·k mod 256). */
function writeIdx(dir: string, name: string, n: number, side: number): [string, string] {
  return writeIdxPair(dir, name, n, side, (i, p) => ((16 + i * side * side + p) * 37) % 256, (i) => i % 10);
}

async function call(c: unknown) {
  const r = await dispatchStudioCall(manager, c);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('training runs in the run manager and the API', () => {
  it('startTraining trains in the training worker with batch progress and epoch events; listRuns/getRun show it; its model exports', async () => {
    const events: StudioEvent[] = [];
    const off = manager.onEvent((e) => events.push(e));
    const { id } = (await call(request())) as { id: string };
    expect(await manager.whenSettled(id)).toBe('completed');
    off();
    const mine = events.filter((e) => e.runId === id);
    const progress = mine.flatMap((e) => (e.kind === 'train-progress' ? [e.progress] : []));
    // At most twice a second, and always the last batch of each epoch (64 images / 16 = 4 batches).
    expect(progress.filter((p) => p.batch === p.of).map((p) => p.epoch)).toEqual([1, 2]);
    expect(progress.every((p) => p.of === 4 && p.imagesPerSecond > 0 && Number.isFinite(p.loss) && p.etaSeconds >= 0)).toBe(true);
    expect(progress.at(-1)?.etaSeconds).toBe(0);
    expect(mine.flatMap((e) => (e.kind === 'train-epoch' ? [e.epoch.epoch] : []))).toEqual([1, 2]);
    expect(mine.filter((e) => e.kind === 'status').map((e) => (e as { status: string }).status)).toEqual(['running', 'completed']);

    const listed = ((await call({ method: 'listRuns' })) as { id: string; kind?: string; training?: Record<string, unknown>; stepsDone: number }[]).find((r) => r.id === id);
    expect(listed?.kind).toBe('train');
    expect(listed?.stepsDone).toBe(2);
    expect(listed?.training).toMatchObject({ epoch: 2, epochs: 2, arch: ARCH, dataset: 'embedded MNIST' });
    expect(listed?.training?.testAccuracy).toEqual(expect.any(Number));
    expect(listed?.training?.params).toBeGreaterThan(0);

    const d = (await call({ method: 'getRun', id })) as TrainRunDetail;
    expect(d.kind).toBe('train');
    expect(d.config.preset).toBe('cpu');
    expect(d.config.settings).toMatchObject({ ...TINY, lrMax: 0.1 }); // the preset's lr, the request's overrides
    expect(d.history.map((e) => e.epoch)).toEqual([1, 2]);
    const result = TrainResultSchema.parse(d.result);
    expect(result.testImages).toBe(48);
    expect(result.testSet).toMatch(/second half of the held-out half/);
    expect(d.network?.params).toBe(listed?.training?.params);
    expect(await call({ method: 'getEvents', id })).toEqual([]);

    // Model exports: into exports/, each file served back by name only; tfjs is two files.
    const onnx = (await call({ method: 'exportRun', id, what: 'model-onnx' })) as { path: string; files: string[] };
    expect(onnx.files).toEqual(['model.onnx', 'README.txt']);
    const tfjs = (await call({ method: 'exportRun', id, what: 'model-tfjs' })) as { files: string[] };
    expect(tfjs.files).toEqual(['model.json', 'group1-shard1of1.bin', 'README.txt']);
    const readme = fs.readFileSync(path.join(d.summary.dir, 'exports', 'README.txt'), 'utf8');
    expect(readme).toMatch(/model\.onnx/); // the README describes both exports
    expect(readme).toMatch(/model\.json/);
    const back = (await call({ method: 'readExport', id, name: 'model.onnx' })) as { base64: string };
    expect(Buffer.from(back.base64, 'base64').equals(fs.readFileSync(onnx.path))).toBe(true);
    expect(((await call({ method: 'getRun', id })) as TrainRunDetail).exports).toEqual(['README.txt', 'model.json', 'group1-shard1of1.bin', 'model.onnx']);
    expect(fs.readdirSync(d.summary.dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folder left
    const wrong = await dispatchStudioCall(manager, { method: 'exportRun', id, what: 'history-csv' });
    expect(wrong.ok || wrong.error).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/training run/) });

    expect(await call({ method: 'deleteRun', id })).toEqual({ deleted: true });
    expect(fs.existsSync(d.summary.dir)).toBe(false);
  });

  it('pause, resume and cancel as every run; shutdown() pauses a live training run', async () => {
    const long = { ...TINY, epochs: 200 };
    const { id } = (await call(request(long))) as { id: string };
    await new Promise<void>((resolve) => {
      const off = manager.onEvent((e) => {
        if (e.runId === id && e.kind === 'train-epoch') {
          off();
          resolve();
        }
      });
    });
    expect(((await call({ method: 'pauseRun', id })) as { status: string }).status).toBe('paused');
    const paused = (await call({ method: 'getRun', id })) as TrainRunDetail;
    expect(paused.summary.stepsDone).toBeGreaterThanOrEqual(1);
    expect(((await call({ method: 'resumeRun', id })) as { status: string }).status).toBe('running');
    await manager.shutdown();
    expect(((await call({ method: 'getRun', id })) as TrainRunDetail).summary.status).toBe('paused');
    await call({ method: 'resumeRun', id });
    expect(((await call({ method: 'cancelRun', id })) as { status: string }).status).toBe('cancelled');
    const r = await dispatchStudioCall(manager, { method: 'resumeRun', id });
    expect(r.ok || r.error.code).toBe('conflict');
    // A cancelled run keeps its last checkpoint: its model still exports.
    expect(((await call({ method: 'exportRun', id, what: 'model-arch' })) as { files: string[] }).files).toEqual(['architecture.txt', 'README.txt']);
  });

  it('a test dataset is measured at the end instead of a held-out quarter; one of another shape is refused, named', async () => {
    const dir = tempDir('train-api-idx');
    const [img, lab] = writeIdx(dir, 'train', 200, 8);
    const [timg, tlab] = writeIdx(dir, 'test', 40, 8);
    const [wimg, wlab] = writeIdx(dir, 'wide', 40, 10);
    const dataset = { kind: 'idx', images: img, labels: lab };
    const settings = { channels: 2, layers: 1, epochs: 1, batchSize: 16, trainImages: 32 };
    // …on the backend asked for (#13 item 5: the training form's backend choice).
    const { id } = (await call(request(settings, { dataset, testDataset: { kind: 'idx', images: timg, labels: tlab }, backend: 'cpu' }))) as { id: string };
    expect(await manager.whenSettled(id)).toBe('completed');
    const d = (await call({ method: 'getRun', id })) as TrainRunDetail;
    expect(d.result?.backend).toBe('cpu');
    expect(d.result?.testImages).toBe(40);
    expect(d.result?.testSet).toMatch(/the test dataset/);
    const wrong = await dispatchStudioCall(manager, request(settings, { dataset, testDataset: { kind: 'idx', images: wimg, labels: wlab } }));
    expect(wrong.ok || wrong.error).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/^testDataset: .*10×10×1 images/) });
  });

  it('inspectNetwork counts a whole network with the #10 counter (DARTS_V2: the published 3,349,342 parameters)', async () => {
    const v2 = 'Genotype(normal=[(\'sep_conv_3x3\', 0), (\'sep_conv_3x3\', 1), (\'sep_conv_3x3\', 0), (\'sep_conv_3x3\', 1), (\'sep_conv_3x3\', 1), (\'skip_connect\', 0), (\'skip_connect\', 0), (\'dil_conv_3x3\', 2)], normal_concat=[2, 3, 4, 5], reduce=[(\'max_pool_3x3\', 0), (\'max_pool_3x3\', 1), (\'skip_connect\', 2), (\'max_pool_3x3\', 1), (\'max_pool_3x3\', 0), (\'skip_connect\', 2), (\'skip_connect\', 2), (\'max_pool_3x3\', 1)], reduce_concat=[2, 3, 4, 5])';
    expect(await call({ method: 'inspectNetwork', space: 'darts', arch: v2 })).toMatchObject({ params: 3_349_342, channels: 36, layers: 20, classes: 10, input: 32 });
    // OFA: the subnet in OFA's ImageNet network (w1.0, 224 px, 1000 classes), as OFA's own counter gives it (docs/NETWORKS.md).
    const largest = JSON.stringify({ ks: Array(20).fill(7), e: Array(20).fill(6), d: Array(5).fill(4) });
    expect(await call({ method: 'inspectNetwork', space: 'ofa', arch: largest })).toMatchObject({ params: 7_664_760, macs: 566_170_656, channels: 100, classes: 1000, input: 224 });
    const at160 = JSON.stringify({ ks: Array(20).fill(7), e: Array(20).fill(6), d: Array(5).fill(4), r: 160 });
    expect(await call({ method: 'inspectNetwork', space: 'ofa', arch: at160 })).toMatchObject({ input: 160 });
    const bad = await dispatchStudioCall(manager, { method: 'inspectNetwork', space: 'nb201', arch: '|nor_conv_3x3~0|' });
    expect(bad.ok || bad.error).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/^arch: /) });
  });

  it('bad input is invalid-request naming the field, and writes no run folder', async () => {
    const before = fs.readdirSync(runs).length;
    const cases: [unknown, RegExp][] = [
      [request({ epochs: 0 }), /request\.settings\.epochs/],
      [request({ batchSize: 'x' }), /request\.settings\.batchSize/],
      [request({ nope: 1 }), /request\.settings/],
      [request(TINY, { preset: 'fast' }), /request\.preset/],
      [request(TINY, { space: 'nasnet' }), /request\.space/],
      [request(TINY, { backend: 'cuda' }), /request\.backend/],
      [request(TINY, { space: 'ofa' }), /^arch: OFA config: not JSON/],
      [request(TINY, { arch: '|nor_conv_3x3~0|' }), /^arch: /],
      [request({ ...TINY, batchSize: 128 }), /settings\.batchSize 128 is larger than the 64 training images/],
      [request(TINY, { dataset: { kind: 'idx', images: '/nonexistent/i', labels: '/nonexistent/l' } }), /nonexistent/],
    ];
    for (const [c, message] of cases) {
      const r = await dispatchStudioCall(manager, c);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-request');
        expect(r.error.message).toMatch(message);
      }
    }
    expect(fs.readdirSync(runs).length).toBe(before);
  });
});
