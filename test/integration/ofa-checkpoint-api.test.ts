import * as fs from 'node:fs';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../src-main/contracts/run';
import type { SupernetCheckpointCheck } from '../../src-main/contracts/studio-api';
import { Rng } from '../../src-main/common/rng';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { ofaStateDict } from '../../src-main/core/supernet/ofa-torch';
import { AllowedPaths } from '../../src-main/node/allowed-paths';
import { MAX_WORKER_JOBS, RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { sha256OfTorchCheckpoint } from '../../src-main/node/torch-checkpoint';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { useBackend } from '../helpers/tf-backend';
import { torchCheckpointBytes } from '../helpers/torch-zip';
import { invalidRequest } from '../helpers/studio-calls';

/**
 * Loading an OFA checkpoint from the app (issue #11 item 2, the API side of the CLI's
 * --supernet-checkpoint): `checkSupernetCheckpoint` reads the file as the search will, and
 * `startSupernetSearch` with `supernetCheckpoint` searches it as loaded (no training), with its
 * SHA-256 in config.json. A path outside serve's allowed folders, a file that is no OFA
 * checkpoint, one of another width and a supernet that loads none are refused as invalid-request
 * naming the field, before any run folder exists. The fixture is a w0.25 supernet for the
 * embedded MNIST (1 channel, 10 classes) in torch.save's format (test/helpers/torch-zip.ts).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'out', 'node', 'workers', 'training-worker.js');

let dir: string;
let runs: string;
let ckpt: string;
let manager: RunManager;
let allowed: AllowedPaths;

beforeAll(async () => {
  if (!fs.existsSync(ENTRY)) throw new Error('run `npm run build` first (npm test does)');
  await useBackend('cpu');
  dir = tempDir('ofa-ckpt-api');
  runs = path.join(dir, 'runs');
  fs.mkdirSync(runs);
  ckpt = path.join(dir, 'ofa_mbv3_w0.25.pth');
  const net = new OfaSupernet({ inChannels: 1, classes: 10, widthMult: 0.25, downsamples: 3 }, new Rng(3));
  const x = tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  net.recalibrate([x], { ks: new Array(20).fill(7), e: new Array(20).fill(6), d: new Array(5).fill(4) });
  fs.writeFileSync(ckpt, torchCheckpointBytes(ofaStateDict(net), { wrap: true }));
  x.dispose();
  net.dispose();
  manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: ENTRY, log: () => {} });
  allowed = new AllowedPaths([dir]); // as `l2nas serve --data <dir>`
});
afterAll(() => manager?.dispose());

const call = (c: unknown) => dispatchStudioCall(manager, c, { allowed });
const search = (o: Record<string, unknown> = {}) => call({ method: 'startSupernetSearch', seed: 1, options: { space: 'ofa', dataset: { kind: 'mnist-embedded' }, method: 'random', C: 25, N: 3, steps: 3, randomArchitectures: 1, trainImages: 64, supernetCheckpoint: ckpt, ...o } });
const refusal = invalidRequest;

describe('an OFA checkpoint from the API', () => {
  it('checks the file, then searches it as loaded with its SHA-256 in config.json', async () => {
    const r = await call({ method: 'checkSupernetCheckpoint', file: ckpt });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const info = (r as { value: SupernetCheckpointCheck }).value;
    expect(info).toMatchObject({ file: ckpt, bytes: fs.statSync(ckpt).size, sha256: sha256OfTorchCheckpoint(ckpt), classes: 10, inChannels: 1 });
    expect(info.widths).toContain(25);
    expect(info.tensors).toBeGreaterThan(100);

    const started = await search();
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const id = (started as { value: { id: string } }).value.id;
    expect(await manager.whenSettled(id)).toBe('completed');
    const config = RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(runs, id, 'config.json'), 'utf8')));
    expect(config.estimator).toMatchObject({ kind: 'supernet', C: 25, N: 3, epochs: 0, evalBatchNorm: 'recalibrate', pretrained: { file: ckpt, sha256: info.sha256 } });
    expect(fs.existsSync(path.join(runs, id, 'supernet-checkpoint.bin'))).toBe(false); // nothing trained
    expect(fs.readFileSync(path.join(runs, id, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);

    // Its best subnet exports with the checkpoint's weights (nothing was trained, so they come from the file) and the run's resolution.
    const arch = await call({ method: 'exportRun', id, what: 'arch' });
    expect(arch.ok, JSON.stringify(arch)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(runs, id, 'exports', 'best-arch.json'), 'utf8')).r).toBe(28);
    const onnx = await call({ method: 'exportRun', id, what: 'model-onnx' });
    expect(onnx.ok, JSON.stringify(onnx)).toBe(true);
    expect((onnx as { value: { files: string[] } }).value.files).toEqual(['model.onnx', 'README.txt']);
    expect(fs.readFileSync(path.join(runs, id, 'exports', 'README.txt'), 'utf8')).toContain(`supernet loaded from ${ckpt}, sha256 ${info.sha256.slice(0, 12)}…, not trained further`);
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(runs, id, 'exports', 'model.onnx')));
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(28 * 28).fill(0.1), [1, 1, 28, 28]) });
    expect(out.logits.dims).toEqual([1, 10]);
  }, 240_000);

  it('refuses, naming supernetCheckpoint, a file outside the allowed folders, a bad file, another width and a supernet that loads none; no folder is written', async () => {
    const before = fs.readdirSync(runs).length;
    const elsewhere = path.join(tempDir('ofa-ckpt-outside'), 'ofa.pth');
    fs.copyFileSync(ckpt, elsewhere);
    for (const p of [call({ method: 'checkSupernetCheckpoint', file: elsewhere }), search({ supernetCheckpoint: elsewhere })]) {
      expect(await refusal(p)).toMatch(/^supernetCheckpoint: .*ofa\.pth: the supernet checkpoint is outside the folders this server may read/);
    }
    const bad = path.join(dir, 'not-a-checkpoint.pth');
    fs.writeFileSync(bad, Buffer.from('this is no zip and no pickle\n'));
    for (const p of [call({ method: 'checkSupernetCheckpoint', file: bad }), search({ supernetCheckpoint: bad })]) {
      expect(await refusal(p)).toMatch(/^supernetCheckpoint: .*not-a-checkpoint\.pth: /);
    }
    const missing = path.join(dir, 'nope.pth');
    expect(await refusal(call({ method: 'checkSupernetCheckpoint', file: missing }))).toMatch(/^supernetCheckpoint: .*nope\.pth: cannot read the file/);
    expect(await refusal(search({ C: 50 }))).toMatch(/^supernetCheckpoint: .*its widths are those of C = 25; this supernet has C = 50/);
    expect(await refusal(search({ space: 'nb201', C: undefined, N: undefined }))).toMatch(/^supernetCheckpoint: the nb201 supernet cannot load PyTorch checkpoints \(only: ofa\)/);
    expect(fs.readdirSync(runs).length).toBe(before);

    // A flood of checks starts at most MAX_WORKER_JOBS worker processes; the rest are refused at once.
    const flood = await Promise.all(Array.from({ length: MAX_WORKER_JOBS + 2 }, () => call({ method: 'checkSupernetCheckpoint', file: ckpt })));
    expect(flood.filter((r) => r.ok)).toHaveLength(MAX_WORKER_JOBS);
    expect(flood.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(['conflict', 'conflict']);
  }, 120_000);
});
