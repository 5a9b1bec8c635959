import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

describe('l2nas bench with local search', () => {
  it('accepts --methods …,local and writes its rows (synthetic table, optimum all-nor_conv_3x3)', () => {
    const dir = tempDir('bench-local');
    const table = writeSyntheticNb201(path.join(dir, 't.csv'));
    const json = path.join(dir, 'rows.json');
    const r = spawnSync(
      process.execPath,
      [BIN, 'bench', 'nb201', '--benchmark', table, '--metrics', 'acc', '--methods', 'rea,local', '--steps', '50,150', '--seeds', '3', '--json', json, '--backend', 'cpu', '-q'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(fs.readFileSync(json, 'utf8')) as { method: string; steps: number; seeds: number; mean: number; optimumFound: number }[];
    const local = rows.filter((x) => x.method === 'local');
    expect(local.map((x) => x.steps)).toEqual([50, 150]);
    expect(local.every((x) => x.seeds === 3)).toBe(true);
    // Hill climbing on this landscape needs at most 1 + 6·24 queries: every seed finds the optimum by 150.
    expect(local[1].optimumFound).toBe(3);
    expect(local[1].mean).toBeCloseTo(98.1172, 4); // 50 + 8·6 + index(all-3s = 11718)/1e5, printed to 4 decimals
    expect(rows.some((x) => x.method === 'rea')).toBe(true);
  });

  it('a search resumed from its checkpoint continues exactly like an uninterrupted one', () => {
    const dir = tempDir('local-resume');
    const table = writeSyntheticNb201(path.join(dir, 't.csv'));
    const run = (out: string, steps: number) =>
      spawnSync(process.execPath, [BIN, 'search', '--benchmark', table, '--metric', 'acc', '--method', 'local', '--steps', String(steps), '--seed', '4', '--checkpoint-every', '25', '--out', out, '-q'], { cwd: ROOT, encoding: 'utf8' });
    const ref = path.join(dir, 'ref'), cut = path.join(dir, 'cut');
    expect(run(ref, 250).status).toBe(0);
    // Local search is too fast to kill half-way: a run stopped at 100 steps (checkpoint at 100)
    // is turned into an unfinished 250-step run, which resume then continues from the checkpoint.
    expect(run(cut, 100).status).toBe(0);
    const cfgFile = path.join(cut, 'config.json');
    fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), steps: 250 }));
    fs.rmSync(path.join(cut, 'result.json'));
    const r = spawnSync(process.execPath, [BIN, 'resume', cut, '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const strip = (d: string) => fs.readFileSync(path.join(d, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const { seconds: _s, ...e } = JSON.parse(l) as Record<string, unknown>;
      return e;
    });
    const a = strip(ref);
    expect(a).toHaveLength(250);
    expect(a.filter((e) => e.phase === 'random').length).toBeGreaterThan(1); // restarts happened after the checkpoint too
    expect(strip(cut)).toEqual(a);
  });

  it('--local-move best (or --set local.move=best) is recorded in config.json and changes the run; misuse is refused', () => {
    const dir = tempDir('local-move');
    const table = writeSyntheticNb201(path.join(dir, 't.csv'));
    const search = (out: string, ...extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'search', '--benchmark', table, '--metric', 'acc', '--steps', '60', '--seed', '2', '--out', path.join(dir, out), '-q', ...extra], { cwd: ROOT, encoding: 'utf8' });
    const cfg = (out: string) => JSON.parse(fs.readFileSync(path.join(dir, out, 'config.json'), 'utf8')) as { local?: { move: string } };
    const archs = (out: string) => fs.readFileSync(path.join(dir, out, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { arch: string }).arch);
    expect(search('first', '--method', 'local').status).toBe(0);
    expect(search('best', '--method', 'local', '--local-move', 'best').status).toBe(0);
    expect(search('best-set', '--method', 'local', '--set', 'local.move=best').status).toBe(0);
    expect(cfg('first').local).toEqual({ move: 'first' });
    expect(cfg('best').local).toEqual({ move: 'best' });
    expect(archs('best-set')).toEqual(archs('best'));
    expect(archs('best')).not.toEqual(archs('first'));
    const wrongMethod = search('x1', '--method', 'rea', '--local-move', 'best');
    expect(wrongMethod.status).not.toBe(0);
    expect(wrongMethod.stderr).toContain('--local-move belongs to --method local');
    const badRule = search('x2', '--method', 'local', '--set', 'local.move=steepest');
    expect(badRule.status).not.toBe(0);
    expect(badRule.stderr).toContain('"steepest" is not a move rule (choose first or best)');
    expect(fs.existsSync(path.join(dir, 'x1'))).toBe(false);
  });
});
