import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunEvents, readRunResult } from '../../src-main/node/run-folder';
import { RunManager } from '../../src-main/node/run-manager';
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
});
