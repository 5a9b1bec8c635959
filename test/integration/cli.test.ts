import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, RunEventSchema, RunResultSchema } from '../../src-main/contracts/run';
import { killAfterEvents } from '../helpers/kill-run';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_12EP_CSV, NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function events(dir: string) {
  return fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => RunEventSchema.parse(JSON.parse(l)));
}

let dir: string;
beforeAll(() => {
  requireSharedData();
  if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
  dir = tempDir('cli');
});

describe('l2nas CLI', () => {
  it('search writes config.json, one event per step and result.json with every requested column', () => {
    const out = path.join(dir, 'run-a');
    const r = l2nas('search', '--space', 'nb201', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar100', '--report', 'cifar10', '--report', 'imagenet16-120', '--steps', '60', '--seed', '0', '--preset', 'nb201', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('best (step');
    const config = RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')));
    expect(config.agent.topK).toBe(64);
    const ev = events(out);
    expect(ev.map((e) => e.step)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const result = RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')));
    expect(Object.keys(result.best.metrics).sort()).toEqual(['cifar10', 'cifar100', 'imagenet16-120']);
    expect(result.best.value).toBe(Math.max(...ev.map((e) => e.value)));
    expect(ev[result.best.step].arch).toBe(result.best.arch);
    expect(result.backend).toBe('wasm');
    expect(result.steps).toBe(60);
  });

  it('the same seed gives the same run', () => {
    const a = path.join(dir, 'same-1'), b = path.join(dir, 'same-2');
    for (const out of [a, b]) {
      expect(l2nas('search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar10', '--steps', '40', '--seed', '3', '--preset', 'nb201-tuned', '--out', out, '-q').code).toBe(0);
    }
    const strip = (d: string) => events(d).map(({ seconds: _s, ...e }) => e);
    expect(strip(b)).toEqual(strip(a));
  });

  it('search killed with SIGKILL half-way, then resume, equals an uninterrupted run step by step', async () => {
    const args = (out: string) => ['search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar100', '--steps', '150', '--seed', '4', '--preset', 'nb201-tuned', '--checkpoint-every', '25', '--out', out, '-q'];
    const ref = path.join(dir, 'ref'), cut = path.join(dir, 'cut');
    expect(l2nas(...args(ref)).code).toBe(0);
    await killAfterEvents(BIN, ROOT, args(cut), cut, 70);
    expect(fs.existsSync(path.join(cut, 'result.json'))).toBe(false);
    const r = l2nas('resume', cut, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const strip = (d: string) => events(d).map(({ seconds: _s, ...e }) => e);
    expect(strip(cut)).toEqual(strip(ref));
    const best = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'result.json'), 'utf8')).best;
    expect(best(cut)).toEqual(best(ref));
  });

  it('bad input: exit code 2 and a message naming file and line; nothing half-written', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'index,arch,acc\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,fifty\n');
    const r = l2nas('search', '--benchmark', bad, '--metric', 'acc', '--steps', '5', '--out', path.join(dir, 'bad-run'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.csv:2: column 3 ("acc") is not a number');
    expect(r.err).not.toContain('fifty'); // the field is not quoted back (issue #16)
    expect(fs.existsSync(path.join(dir, 'bad-run'))).toBe(false);
    const col = l2nas('search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar11', '--out', path.join(dir, 'col-run'));
    expect(col.code).toBe(2);
    expect(col.err).toMatch(/metric column "cifar11" is not in .*test-accuracy-200ep\.csv/);
    expect(fs.existsSync(path.join(dir, 'col-run'))).toBe(false);
    const u = l2nas('search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar10', '--set', 'tau=7', '--out', path.join(dir, 'x'));
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/invalid agent setting "tau"/);
    expect(l2nas('search', '--metric', 'cifar10', '--out', path.join(dir, 'y')).code).toBe(2);
    expect(l2nas('search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar10', '--steps', '5', '--out', path.join(dir, 'run-a')).err).toMatch(/already holds files/);
  });

  it('bench runs methods × seeds on joined tables and writes Table-1 rows', () => {
    const json = path.join(dir, 'bench.json');
    const plots = path.join(dir, 'plots');
    const r = l2nas('bench', 'nb201', '--benchmark', NB201_12EP_CSV, '--benchmark', NB201_TEST_CSV, '--metrics', 'cifar10-valid-12ep', '--report', 'cifar10', '--seeds', '2', '--steps', '20,40', '--methods', 'l2nas,random,rea,reinforce', '--json', json, '--plot', plots, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('cifar10-valid-12ep→cifar10@40');
    const rows = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['method', 'preset', 'metric', 'report', 'steps', 'seeds', 'mean', 'std', 'medianQueriesToOptimum', 'secondsPer1000Steps']));
      expect(row.seeds).toBe(2);
      expect(row.mean).toBeGreaterThan(40);
      expect(row.mean).toBeLessThanOrEqual(94.3733);
    }
    const svg = fs.readdirSync(plots);
    expect(svg).toEqual(['best-so-far-cifar10-valid-12ep-to-cifar10.svg']);
  });

  it('doctor names the backend and why; --help exits 0; unknown command exits 2', () => {
    const d = l2nas('doctor', '--json');
    expect(d.code).toBe(0);
    const info = JSON.parse(d.out);
    expect(info.chosen).toBe('wasm');
    expect(info.backends.find((b: { backend: string }) => b.backend === 'tensorflow').reason).toMatch(/tfjs-node/);
    expect(l2nas('--help').code).toBe(0);
    expect(l2nas('frobnicate').code).toBe(2);
  });
});
