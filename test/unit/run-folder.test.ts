import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src-main/contracts/run';
import { makeNewRunFolder, readRunEvents, readRunEventsReport, RUN_FILES, truncateRunEvents } from '../../src-main/node/run-folder';
import { UsageError } from '../../src-main/node/usage-error';
import { tempDir } from '../helpers/fixture-tables';

const event = (step: number): RunEvent => ({
  step, arch: `a${step}`, key: `k${step}`, value: 50 + step, reward: 0.1, best: 50 + step, phase: 'explore', epsilon: 1, criticLoss: null, actorLoss: null, seconds: step / 10,
});
const line = (step: number) => JSON.stringify(event(step)) + '\n';

/** A run folder whose events.jsonl holds exactly `text`. */
function folderWith(text: string): { dir: string; file: string } {
  const dir = tempDir('run-folder');
  const file = path.join(dir, RUN_FILES.events);
  fs.writeFileSync(file, text);
  return { dir, file };
}
const lines = (n: number) => Array.from({ length: n }, (_, i) => line(i)).join('');
/** The first `chars` characters of line `step`, as a write cut off by a kill leaves it. */
const cut = (step: number, chars = 25) => line(step).slice(0, chars);

describe('truncateRunEvents (resume from a checkpoint at step N)', () => {
  const N = 10;

  it('keeps exactly the N events before the checkpoint, dropping later and cut-off lines', () => {
    const { dir, file } = folderWith(lines(N + 3) + cut(N + 3));
    truncateRunEvents(dir, N);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(N));
  });

  it('also with exactly N whole lines plus a cut-off line N+1', () => {
    const { dir, file } = folderWith(lines(N) + cut(N));
    truncateRunEvents(dir, N);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(N));
  });

  it('refuses when line N is cut off (N-1 complete steps), and leaves the file untouched', () => {
    const text = lines(N - 1) + cut(N - 1);
    const { dir, file } = folderWith(text);
    expect(() => truncateRunEvents(dir, N)).toThrow(UsageError);
    expect(() => truncateRunEvents(dir, N)).toThrow(`${file}: has ${N - 1} complete steps, but the checkpoint is at step ${N}`);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses exactly N-1 whole lines (no empty line N is invented)', () => {
    const { dir, file } = folderWith(lines(N - 1));
    expect(() => truncateRunEvents(dir, N)).toThrow(`has ${N - 1} complete steps`);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines(N - 1));
  });

  it('counts complete steps right for an earlier cut', () => {
    const { dir } = folderWith(lines(N - 3) + cut(N - 3));
    expect(() => truncateRunEvents(dir, N)).toThrow(`has ${N - 3} complete steps`);
  });

  it('refuses to resume over a damaged line before the checkpoint, naming file:line', () => {
    const damaged = lines(4) + '{"step": 4, "arch": tru\n' + Array.from({ length: 8 }, (_, i) => line(i + 5)).join('');
    const { dir, file } = folderWith(damaged);
    expect(() => truncateRunEvents(dir, N)).toThrow(`${file}:5: not a valid event line`);
    const swapped = lines(3) + line(4) + line(3) + Array.from({ length: 8 }, (_, i) => line(i + 5)).join('');
    expect(() => truncateRunEvents(folderWith(swapped).dir, N)).toThrow(':4: expected step 3, found step 4');
  });

  it('a checkpoint at step 0 empties the file', () => {
    const { dir, file } = folderWith(cut(0));
    truncateRunEvents(dir, 0);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  });
});

describe('readRunEvents: one bad line never makes a run unreadable', () => {
  it('returns the good events and reports each bad line as file:line', () => {
    const text = lines(3) + 'garbage\n' + line(4) + '\n' + JSON.stringify({ ...event(6), value: 'x' }) + '\n' + line(7);
    const { dir, file } = folderWith(text);
    const r = readRunEventsReport(dir);
    expect(r.events.map((e) => e.step)).toEqual([0, 1, 2, 4, 7]);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not a valid event line`));
    expect(r.problems[1]).toContain(':6: not a valid event line');
    expect(r.problems[2]).toContain(':7: not a valid event line (value:');
    expect(readRunEvents(dir, 2).map((e) => e.step)).toEqual([2, 4, 7]);
  });

  it('ignores a cut-off last line without a warning, and lists at most 10 bad lines then a count', () => {
    expect(readRunEventsReport(folderWith(lines(5) + cut(5)).dir)).toEqual({ events: Array.from({ length: 5 }, (_, i) => event(i)), problems: [] });
    const many = readRunEventsReport(folderWith('x\n'.repeat(25)).dir);
    expect(many.events).toEqual([]);
    expect(many.problems).toHaveLength(11);
    expect(many.problems[10]).toMatch(/: 15 more bad lines$/);
  });
});

describe('makeNewRunFolder: --out checked like an input', () => {
  const refused = (dir: string) => {
    try {
      makeNewRunFolder(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      const m = (e as Error).message;
      expect(m).not.toMatch(/ENOTDIR|EEXIST|EPERM|EACCES|ENOENT/);
      return m;
    }
    throw new Error(`${dir} was accepted`);
  };

  it('makes a new folder, nested too, and accepts an existing empty one', () => {
    const root = tempDir('out');
    makeNewRunFolder(path.join(root, 'a', 'b'));
    expect(fs.statSync(path.join(root, 'a', 'b')).isDirectory()).toBe(true);
    makeNewRunFolder(path.join(root, 'a', 'b'));
  });

  it('refuses a non-empty folder, a file, a path under a file and system folders, in plain words', () => {
    const root = tempDir('out');
    fs.writeFileSync(path.join(root, 'f'), 'x');
    expect(refused(root)).toMatch(/already holds files/);
    expect(refused(path.join(root, 'f'))).toMatch(/exists and is not a folder/);
    expect(refused(path.join(root, 'f', 'run'))).toMatch(/is a file, so no folder can be made inside it/);
    expect(refused('/proc/self/l2nas-run')).toMatch(/system folder/);
    expect(refused('/sys/l2nas-run')).toMatch(/system folder/);
    expect(refused('/dev/l2nas/run')).toMatch(/system folder/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a folder it may not write, in plain words', () => {
    const root = tempDir('out');
    const ro = path.join(root, 'ro');
    fs.mkdirSync(ro, { mode: 0o555 });
    expect(refused(path.join(ro, 'run'))).toMatch(/cannot create the run folder in .*permission denied/);
  });
});
