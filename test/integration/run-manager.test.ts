import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src-main/contracts/run';
import type { StartSearchRequest } from '../../src-main/contracts/studio-api';
import { MAX_WORKER_MESSAGE_CHARS } from '../../src-main/contracts/worker-protocol';
import { readRunEvents, readRunResult, RUN_FILES } from '../../src-main/node/run-folder';
import { RunManager } from '../../src-main/node/run-manager';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'out', 'node', 'workers', 'search-worker.js');

const request = (steps: number, seed = 0): StartSearchRequest => ({
  space: 'nb201', method: 'l2nas', preset: 'nb201-tuned', benchmark: [NB201_TEST_CSV],
  metric: 'cifar100', report: ['cifar10'], steps, seed, checkpointEvery: 10,
});
const strip = (ev: RunEvent[]) => ev.map(({ seconds: _s, ...e }) => e);

let runs: string;
let manager: RunManager;
beforeAll(() => {
  requireSharedData();
  if (!fs.existsSync(ENTRY)) throw new Error('run `npm run build` first (npm test does)');
  runs = tempDir('runs');
  manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, workerEntry: ENTRY, log: () => {} });
});
afterAll(() => manager.dispose());

describe('search worker protocol', () => {
  it('rejects malformed, wrong-typed, unknown and oversized messages with clear errors, and keeps running', async () => {
    const w = forkNodeWorker(ENTRY);
    const replies: { type: string; message?: string; fatal?: boolean }[] = [];
    w.onMessage((m) => replies.push(m as (typeof replies)[number]));
    const bad: unknown[] = [
      null, 42, 'start', { type: 'nope' }, { type: 'start' },
      { type: 'start', runDir: 7, resume: false, checkpointEvery: 10 },
      { type: 'start', runDir: '/x', resume: 'yes', checkpointEvery: 10 },
      { type: 'start', runDir: '/x', resume: false, checkpointEvery: -1 },
      { type: 'start', runDir: '/x', resume: false, checkpointEvery: 10, extra: 1 },
      { type: 'pause', runDir: 'x'.repeat(MAX_WORKER_MESSAGE_CHARS + 10) },
      { type: 'pause' },
    ];
    for (const m of bad) w.send(m);
    await new Promise((r) => setTimeout(r, 1500));
    const errors = replies.filter((r) => r.type === 'error');
    expect(errors).toHaveLength(bad.length);
    expect(errors.every((e) => e.fatal === false)).toBe(true);
    expect(errors[3].message).toMatch(/invalid message at type/);
    expect(errors[5].message).toMatch(/runDir/);
    expect(errors[9].message).toMatch(/exceeds/);
    expect(errors[10].message).toMatch(/before "start"/);
    // Still alive and still answering after every bad message: it exits only when told to work.
    let exited = false;
    w.onExit(() => (exited = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(exited).toBe(false);
    const before = replies.length;
    w.send({ type: 'doctor' });
    const t0 = Date.now();
    while (!replies.slice(before).some((r) => r.type === 'doctor') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    expect(replies.slice(before).map((r) => r.type)).toContain('doctor');
    expect(exited).toBe(false);
    w.kill();
  });
});

describe('run manager', () => {
  it('runs a search in a worker, streams events, writes the run folder', async () => {
    const seen: number[] = [];
    const off = manager.onEvent((e) => e.kind === 'event' && seen.push(e.event.step));
    const { id } = manager.start(request(40));
    expect(await manager.whenSettled(id)).toBe('completed');
    off();
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const d = manager.getSearch(id, 'test');
    expect(d.summary.status).toBe('completed');
    expect(d.result?.best.metrics).toHaveProperty('cifar10');
    expect(manager.list().map((r) => r.id)).toContain(id);
  });

  it('rejects bad requests before creating anything', () => {
    const before = fs.readdirSync(runs).length;
    expect(() => manager.start({ ...request(10), metric: 'nope' })).toThrow(/metric column "nope"/);
    expect(() => manager.start({ ...request(10), overrides: { tau: 5 } })).toThrow(/tau/);
    expect(fs.readdirSync(runs).length).toBe(before);
  });

  it('a worker killed with SIGKILL leaves a failed run with its steps intact; resume matches an uninterrupted run', async () => {
    const ref = manager.start(request(120, 5));
    await manager.whenSettled(ref.id);
    const { id } = manager.start(request(120, 5));
    const dir = path.join(runs, id);
    await new Promise<void>((resolve) => {
      const off = manager.onEvent((e) => {
        if (e.kind === 'event' && e.runId === id && e.event.step === 45) {
          off();
          const pid = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.status), 'utf8')).pid;
          process.kill(pid, 'SIGKILL');
          resolve();
        }
      });
    });
    expect(await manager.whenSettled(id)).toBe('failed');
    const partial = readRunEvents(dir);
    expect(partial.length).toBeGreaterThanOrEqual(46);
    expect(manager.get(id).summary.error).toMatch(/SIGKILL/);
    manager.resume(id);
    expect(await manager.whenSettled(id)).toBe('completed');
    expect(strip(readRunEvents(dir))).toEqual(strip(readRunEvents(path.join(runs, ref.id))));
    expect(readRunResult(dir)?.best).toEqual(readRunResult(path.join(runs, ref.id))?.best);
  });

  it('pause checkpoints and stops; resume continues to the same result; a truncated last event line is survived', async () => {
    const ref = manager.start(request(80, 7));
    await manager.whenSettled(ref.id);
    const { id } = manager.start(request(80, 7));
    const dir = path.join(runs, id);
    await new Promise<void>((resolve) => {
      const off = manager.onEvent((e) => {
        if (e.kind === 'event' && e.runId === id && e.event.step === 20) {
          off();
          resolve();
        }
      });
    });
    const paused = await manager.pause(id);
    expect(paused.status).toBe('paused');
    // Simulate a write cut off mid-line (power loss, kill during write).
    fs.appendFileSync(path.join(dir, RUN_FILES.events), '{"step":999,"arch":"|nor_co');
    expect(readRunEvents(dir).length).toBe(paused.stepsDone);
    manager.resume(id);
    expect(await manager.whenSettled(id)).toBe('completed');
    expect(strip(readRunEvents(dir))).toEqual(strip(readRunEvents(path.join(runs, ref.id))));
    await expect(manager.pause(id)).rejects.toThrow(/not running/);
    expect(manager.delete(id)).toEqual({ deleted: true });
    expect(fs.existsSync(dir)).toBe(false);
  });
});
