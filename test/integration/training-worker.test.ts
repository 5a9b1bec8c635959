import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FromTrainingWorkerSchema, type FromTrainingWorker, type ToTrainingWorker } from '../../src-main/contracts/worker-protocol';
import { readRunEvents, readRunResult, readRunStatus } from '../../src-main/node/run-folder';
import { RunManager } from '../../src-main/node/run-manager';
import { readSupernetCheckpoint } from '../../src-main/node/supernet-checkpoint';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';

const OUT = path.resolve(__dirname, '..', '..', 'out', 'node', 'workers');

describe('training worker (supernet on the embedded MNIST, in its own process)', () => {
  it('rejects malformed messages and keeps running', async () => {
    const w = forkNodeWorker(path.join(OUT, 'training-worker.js'));
    const replies: { type: string; message?: string }[] = [];
    w.onMessage((m) => replies.push(m as (typeof replies)[number]));
    for (const m of [null, { type: 'demo' }, { type: 'demo', out: '/x', seed: 0, epochs: 0, steps: 1, randomArchitectures: 1, C: 1, N: 1, trainImages: 64 }, { type: 'train', rm: true }]) w.send(m);
    await new Promise((r) => setTimeout(r, 1500));
    expect(replies.filter((r) => r.type === 'error')).toHaveLength(4);
    expect(replies.some((r) => r.type === 'ready')).toBe(true);
    w.kill();
  });

  it('runs a (tiny) demo through the run manager: progress lines, a run folder, a completed status', async () => {
    const runs = tempDir('demo');
    const manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: path.join(OUT, 'training-worker.js'), log: () => {} });
    const lines: string[] = [];
    manager.onEvent((e) => e.kind === 'progress' && lines.push(e.line));
    // A small configuration so the test takes seconds, through the same worker code.
    const { id } = manager.startDemo({ seed: 1, epochs: 1, trainImages: 256, steps: 12, randomArchitectures: 4, C: 2 });
    expect(await manager.whenSettled(id)).toBe('completed');
    expect(lines.some((l) => /epoch 1: loss/.test(l))).toBe(true);
    const dir = path.join(runs, id);
    expect(readRunEvents(dir)).toHaveLength(readRunResult(dir)!.steps);
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(true);
    expect(manager.list().find((r) => r.id === id)?.status).toBe('completed');
    manager.dispose();
  }, 600_000);

  it('resumes a demo whose worker was killed mid-training and ends exactly as an uninterrupted run', async () => {
    const settings = { seed: 3, epochs: 5, steps: 6, randomArchitectures: 3, C: 2, N: 1, trainImages: 256, lrMax: 0.1, cutout: 0, batchSize: 16 };
    /** One worker process on `out`; killed (SIGKILL) as soon as it reports training in epoch `killIn`. */
    const run = (out: string, killIn?: number) =>
      new Promise<{ msgs: FromTrainingWorker[]; code: number | null; signal: string | null }>((resolve) => {
        const w = forkNodeWorker(path.join(OUT, 'training-worker.js'));
        const msgs: FromTrainingWorker[] = [];
        w.onMessage((raw) => {
          const p = FromTrainingWorkerSchema.safeParse(raw);
          expect(p.success, JSON.stringify(raw)).toBe(true);
          const m = p.data!;
          msgs.push(m);
          if (killIn !== undefined && m.type === 'train-progress' && m.epoch >= killIn) w.kill();
        });
        w.onExit((code, signal) => resolve({ msgs, code, signal }));
        w.send({ type: 'demo', out, ...settings } satisfies ToTrainingWorker);
      });
    const dirs = tempDir('resume');
    const [whole, cut] = [path.join(dirs, 'whole'), path.join(dirs, 'cut')];

    const a = await run(whole);
    expect(a.code).toBe(0);
    expect(a.msgs.filter((m) => m.type === 'epoch').map((m) => m.type === 'epoch' && m.epoch)).toEqual([1, 2, 3, 4, 5]);
    const tp = a.msgs.filter((m) => m.type === 'train-progress');
    expect(tp.length).toBeGreaterThanOrEqual(5); // every epoch's last batch at least
    expect(tp.at(-1)).toMatchObject({ epoch: 5, epochs: 5, batch: 16, of: 16, etaSeconds: 0 });

    const killed = await run(cut, 3);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.msgs.some((m) => m.type === 'demo-done')).toBe(false);
    const saved = readSupernetCheckpoint(cut)!;
    expect(saved.state.epoch).toBeGreaterThanOrEqual(2);
    expect(saved.state.epoch).toBeLessThan(5);
    expect(readRunStatus(cut)?.status).toBe('running'); // as a crash leaves it

    const b = await run(cut);
    expect(b.code).toBe(0);
    const resumed = b.msgs.find((m) => m.type === 'resumed');
    expect(resumed).toEqual({ type: 'resumed', epoch: saved.state.epoch });
    const done = b.msgs.find((m) => m.type === 'demo-done');
    expect(done?.type === 'demo-done' && done.resumedFromEpoch).toBe(saved.state.epoch);

    const [ra, rb] = [readRunResult(whole)!, readRunResult(cut)!];
    expect(rb.best).toEqual(ra.best);
    expect(rb.steps).toBe(ra.steps);
    expect(readRunEvents(cut).map((e) => [e.arch, e.value])).toEqual(readRunEvents(whole).map((e) => [e.arch, e.value]));
    const [ca, cb] = [readSupernetCheckpoint(whole)!, readSupernetCheckpoint(cut)!];
    expect(cb.state.epoch).toBe(5);
    expect(cb.state.accEnv).toBe(ca.state.accEnv);
    expect(cb.state.rng).toEqual(ca.state.rng);
    for (const k of Object.keys(ca.state.params)) expect(Buffer.from(cb.state.params[k].values.buffer).equals(Buffer.from(ca.state.params[k].values.buffer)), k).toBe(true);
    for (const k of Object.keys(ca.state.momentum)) expect(Buffer.from(cb.state.momentum[k].values.buffer).equals(Buffer.from(ca.state.momentum[k].values.buffer)), k).toBe(true);
    expect(cb.reports.map((r) => r.accEnv)).toEqual(ca.reports.map((r) => r.accEnv));
  }, 600_000);

  it('a DARTS supernet search from the API: structured progress, pause at an epoch, resume to the end, and the result in the run detail', async () => {
    const runs = tempDir('darts-supernet');
    const manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: path.join(OUT, 'training-worker.js'), log: () => {} });
    const kinds = new Set<string>();
    let epochs = 0;
    manager.onEvent((e) => {
      kinds.add(e.kind);
      if (e.kind === 'epoch') epochs++;
    });
    const { id } = manager.startDemo({
      seed: 2, randomArchitectures: 2,
      options: { space: 'darts', dataset: { kind: 'mnist-embedded' }, method: 'random', epochs: 3, steps: 4, C: 2, N: 3, batchSize: 16, trainImages: 64 },
    });
    expect(id).toMatch(/supernet-darts/);
    while (epochs < 1) await new Promise((r) => setTimeout(r, 100));
    const paused = await manager.pause(id);
    expect(paused.status).toBe('paused');
    const dir = path.join(runs, id);
    const saved = readSupernetCheckpoint(dir)!.state.epoch;
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(manager.get(id).training.map((t) => t.epoch)).toEqual([...Array(saved).keys()].map((i) => i + 1));
    expect(manager.resume(id).status).toBe('running');
    expect(await manager.whenSettled(id)).toBe('completed');
    const detail = manager.get(id);
    expect(detail.config).toMatchObject({ space: 'darts', method: 'random', estimator: { kind: 'supernet', dataset: { kind: 'mnist-embedded' }, C: 2, N: 3, epochs: 3 } });
    expect(detail.training.map((t) => t.epoch)).toEqual([1, 2, 3]);
    expect(detail.result?.best.arch).toMatch(/^Genotype\(normal=/);
    expect(readRunEvents(dir)).toHaveLength(4);
    expect([...kinds]).toEqual(expect.arrayContaining(['status', 'progress', 'train-progress', 'epoch']));
    manager.dispose();
  }, 600_000);
});
