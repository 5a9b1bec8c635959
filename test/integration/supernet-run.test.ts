import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunEventSchema } from '../../src-main/contracts/run';
import { readCheckpoint, readRunEvents, readRunResult, readRunStatus } from '../../src-main/node/run-folder';
import { RunManager } from '../../src-main/node/run-manager';
import { readSupernetCheckpoint } from '../../src-main/node/supernet-checkpoint';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { writeIdxPair } from '../helpers/idx';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const OUT = path.join(ROOT, 'out', 'node', 'workers');

/**
 * Runs `l2nas …` to its end, or SIGKILLs it as soon as a stdout line matches `killAt`.
 * Resolves with the exit code (null when killed), the signal and the output.
 */
function l2nas(args: string[], killAt?: RegExp, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAt && !sent && killAt.test(out)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

/** Every event field but the wall-clock seconds (those differ between any two runs). */
const queries = (dir: string) => readRunEvents(dir).map(({ seconds: _s, ...e }) => e);

describe('supernet searches are ordinary runs (train, then the same search loop)', () => {
  // A small NB201 supernet on the embedded MNIST: seconds per phase on 2 cores.
  const demo = (out: string) => ['demo', '--epochs', '2', '--train-images', '256', '--channels', '4', '--steps', '24', '--random', '3', '--checkpoint-every', '5', '--seed', '1', '--out', out];

  it('SIGKILL in the training phase and again in the search phase, or Ctrl-C mid-search, then `l2nas resume`: the run ends as an uninterrupted one', async () => {
    const dirs = tempDir('supernet-kill');
    const [whole, cut] = [path.join(dirs, 'whole'), path.join(dirs, 'cut')];
    const a = await l2nas(demo(whole));
    expect(a.code, a.out).toBe(0);
    expect(a.out).toMatch(/beats|does NOT beat/);

    // Killed after the first epoch's checkpoint (while epoch 2 trains).
    const k1 = await l2nas(demo(cut), /epoch 1: loss/);
    expect(k1.signal).toBe('SIGKILL');
    expect(readSupernetCheckpoint(cut)?.state.epoch).toBe(1);
    expect(readRunEvents(cut)).toHaveLength(0);

    // Resumed: training continues after epoch 1, and is killed again in the search phase,
    // after the search checkpoint of step 10 (lines every 10% of the steps without a terminal).
    const k2 = await l2nas(['resume', cut, '--checkpoint-every', '5'], /search step 1[2-9]\/24/);
    expect(k2.signal).toBe('SIGKILL');
    expect(k2.out).toMatch(/resuming supernet training after epoch 1\/2/);
    const cp = readCheckpoint(cut) as { loop: { step: number } } | null;
    expect(cp?.loop.step).toBeGreaterThanOrEqual(10);
    const kept = readRunEvents(cut).length;
    expect(kept).toBeGreaterThanOrEqual(cp!.loop.step);
    expect(readRunStatus(cut)?.status).toBe('running'); // as a crash leaves it

    const b = await l2nas(['resume', cut, '--checkpoint-every', '5']);
    expect(b.code, b.out).toBe(0);
    expect(b.out).not.toMatch(/resuming supernet training/); // training had finished: its checkpoint is loaded
    expect(queries(cut)).toEqual(queries(whole));
    for (const line of fs.readFileSync(path.join(cut, 'events.jsonl'), 'utf8').trim().split('\n')) RunEventSchema.parse(JSON.parse(line));
    const [ra, rb] = [readRunResult(whole)!, readRunResult(cut)!];
    expect(rb.best).toEqual(ra.best);
    expect(rb.best.metrics).toEqual(expect.objectContaining({ accEnv: expect.any(Number), randomMedian: expect.any(Number), randomBest: expect.any(Number) }));
    const [ca, cb] = [readSupernetCheckpoint(whole)!, readSupernetCheckpoint(cut)!];
    expect(cb.state.rng).toEqual(ca.state.rng);
    for (const k of Object.keys(ca.state.params)) expect(Buffer.from(cb.state.params[k].values.buffer).equals(Buffer.from(ca.state.params[k].values.buffer)), k).toBe(true);

    // Ctrl-C mid-search pauses (a search checkpoint at the current step), and resume ends the same.
    const paused = path.join(dirs, 'paused');
    const p = await l2nas(demo(paused), /search step 1[0-9]\/24/, 'SIGINT');
    expect(p.code, p.out).toBe(0);
    const at = /paused at step (\d+)/.exec(p.out);
    expect(at, p.out).not.toBeNull();
    expect((readCheckpoint(paused) as { loop: { step: number } }).loop.step).toBe(Number(at![1]));
    expect(readRunEvents(paused)).toHaveLength(Number(at![1]));
    expect(readRunStatus(paused)?.status).toBe('paused');
    const r = await l2nas(['resume', paused, '--checkpoint-every', '5']);
    expect(r.code, r.out).toBe(0);
    expect(queries(paused)).toEqual(queries(whole));
    expect(readRunResult(paused)!.best).toEqual(ra.best);
  }, 600_000);

  it('OFA with progressive shrinking: config.json records it; killed after epoch 1 (mid-phase: the elastic-kernel phase spans steps 7–11 of 24), `l2nas resume` ends bit-identical to an uninterrupted run', async () => {
    const dirs = tempDir('supernet-ps');
    const ps = (out: string) => ['demo', '--space', 'ofa', '--sampling', 'progressive-shrinking', '--epochs', '3', '--train-images', '128', '--batch', '16', '--steps', '4', '--random', '2', '--calibration-images', '64', '--seed', '3', '--out', out];
    const [whole, cut] = [path.join(dirs, 'whole'), path.join(dirs, 'cut')];
    const a = await l2nas(ps(whole));
    expect(a.code, a.out).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(whole, 'config.json'), 'utf8')).estimator).toMatchObject({ sampling: 'progressive-shrinking', epochs: 3 });
    const k = await l2nas(ps(cut), /epoch 1: loss/);
    expect(k.signal).toBe('SIGKILL');
    expect(readSupernetCheckpoint(cut)?.state.epoch).toBe(1);
    const b = await l2nas(['resume', cut]);
    expect(b.code, b.out).toBe(0);
    expect(b.out).toMatch(/resuming supernet training after epoch 1\/3/);
    expect(queries(cut)).toEqual(queries(whole));
    const [ca, cb] = [readSupernetCheckpoint(whole)!, readSupernetCheckpoint(cut)!];
    expect(cb.reports.map((r) => r.loss)).toEqual(ca.reports.map((r) => r.loss));
    expect(cb.state.rng).toEqual(ca.state.rng);
    for (const key of Object.keys(ca.state.params)) expect(Buffer.from(cb.state.params[key].values.buffer).equals(Buffer.from(ca.state.params[key].values.buffer)), key).toBe(true);
    // Uniform sampling from the same seed trains other paths: other weights.
    const u = path.join(dirs, 'uniform');
    const c = await l2nas(ps(u).map((v) => (v === 'progressive-shrinking' ? 'uniform' : v)));
    expect(c.code, c.out).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(u, 'config.json'), 'utf8')).estimator).not.toHaveProperty('sampling');
    expect(readSupernetCheckpoint(u)!.reports.map((r) => r.loss)).not.toEqual(ca.reports.map((r) => r.loss));
  }, 600_000);

  it('refuses a dataset whose validation half is smaller than one evaluation batch before writing a folder', async () => {
    const dir = tempDir('supernet-tiny');
    // 100 images of 8×8 in IDX: a validation half of 50, under the 64 images one query evaluates.
    const [img, lab] = writeIdxPair(dir, 'tiny', 100, 8, () => 0, (i) => i % 10);
    const out = path.join(dir, 'run');
    const r = await l2nas(['search', '--estimator', 'supernet', '--dataset', 'idx', '--data', img, '--data', lab, '--out', out]);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/has 100 images: its validation half \(50\) is smaller than one evaluation batch \(64\)/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('rejects malformed worker messages and keeps running', async () => {
    const w = forkNodeWorker(path.join(OUT, 'training-worker.js'), 'L²NAS training worker');
    const replies: { type: string; message?: string }[] = [];
    w.onMessage((m) => replies.push(m as (typeof replies)[number]));
    for (const m of [null, { type: 'demo' }, { type: 'start', runDir: '', resume: false, checkpointEvery: 1 }, { type: 'train', rm: true }, { type: 'pause' }]) w.send(m);
    await new Promise((r) => setTimeout(r, 1500));
    expect(replies.filter((r) => r.type === 'error')).toHaveLength(5);
    expect(replies.some((r) => r.type === 'ready')).toBe(true);
    w.kill();
  });

  it('a DARTS supernet search from the API: folder written before the worker starts, pause while training, pause mid-search, resume to the end', async () => {
    const runs = tempDir('darts-supernet');
    // A long grace: on a loaded machine one DARTS query can outlast the default 2 s, and this
    // test checks the worker's own pause (checkpoint at the step it stopped), not the kill.
    const manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: path.join(OUT, 'training-worker.js'), checkpointEvery: 2, stopGraceMs: 120_000, log: () => {} });
    const kinds = new Set<string>();
    let epochs = 0;
    let queried = 0;
    manager.onEvent((e) => {
      kinds.add(e.kind);
      if (e.kind === 'epoch') epochs++;
      if (e.kind === 'event') queried++;
    });
    const { id } = manager.startSupernetSearch({
      seed: 2,
      settings: { randomArchitectures: 2 },
      options: { space: 'darts', dataset: { kind: 'mnist-embedded' }, method: 'random', epochs: 2, steps: 8, C: 2, N: 3, batchSize: 16, trainImages: 64 },
    });
    expect(id).toMatch(/supernet-darts/);
    const dir = path.join(runs, id);
    // The folder exists as soon as the call returns: no polling for a starting run.
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(true);
    expect(manager.get(id).summary.status).toBe('running');

    while (epochs < 1) await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    expect((await manager.pause(id)).status).toBe('paused');
    expect(performance.now() - t0).toBeLessThan(30_000); // answered between batches, not after the epoch
    const saved = readSupernetCheckpoint(dir)!.state.epoch;
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(manager.getSearch(id, 'test').training.map((t) => t.epoch)).toEqual([...Array(saved).keys()].map((i) => i + 1));

    expect(manager.resume(id).status).toBe('running');
    while (queried < 3) await new Promise((r) => setTimeout(r, 50));
    expect((await manager.pause(id)).status).toBe('paused');
    const cp = readCheckpoint(dir) as { loop: { step: number } } | null;
    expect(cp?.loop.step).toBeGreaterThanOrEqual(3); // a pause writes the search checkpoint, like a table run's
    expect(readRunEvents(dir)).toHaveLength(cp!.loop.step);

    expect(manager.resume(id).status).toBe('running');
    expect(await manager.whenSettled(id)).toBe('completed');
    const detail = manager.getSearch(id, 'test');
    expect(detail.config).toMatchObject({ space: 'darts', method: 'random', estimator: { kind: 'supernet', dataset: { kind: 'mnist-embedded' }, C: 2, N: 3, epochs: 2 } });
    expect(detail.training.map((t) => t.epoch)).toEqual([1, 2]);
    expect(detail.result?.best.arch).toMatch(/^Genotype\(normal=/);
    expect(readRunEvents(dir).map((e) => e.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...kinds]).toEqual(expect.arrayContaining(['status', 'progress', 'train-progress', 'epoch', 'event']));
    manager.dispose();
  }, 600_000);
});
