import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, RunEventSchema } from '../../src-main/contracts/run';
import { encodePolicy, readPolicyFile } from '../../src-main/node/policy-file';
import { killAfterEvents } from '../helpers/kill-run';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

/** The acceptance flow of issue #12 through the built CLI, on a generated table (two columns). */
const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const l2nas = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const events = (d: string) => fs.readFileSync(path.join(d, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => RunEventSchema.parse(JSON.parse(l)));
const configOf = (d: string) => RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')));

let dir: string;
let csv: string;
let pre: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
  dir = tempDir('transfer');
  csv = writeSyntheticNb201(path.join(dir, 't.csv'), ['src', 'dst']);
  pre = path.join(dir, 'pre');
  const r = l2nas('search', '--benchmark', csv, '--metric', 'src', '--steps', '60', '--preset', 'transfer-pretrain-short', '--set', 'warmupSteps=20', '--out', pre, '-q');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
});

describe('fine-tuning runs (issue #12 items 2-3)', () => {
  it('an L²NAS run ends with final.policy; --policy <run-dir> records the policy and the Eq. 7 reward in config.json', () => {
    expect(fs.existsSync(path.join(pre, 'final.policy'))).toBe(true);
    expect(configOf(pre).reward).toEqual({ kind: 'eq7', accEnvFrom: 'table-max', column: 'src', accEnv: 98.1172 });
    const ft = path.join(dir, 'ft');
    const r = l2nas('search', '--benchmark', csv, '--metric', 'dst', '--steps', '20', '--preset', 'transfer-finetune-short', '--policy', pre, '--out', ft, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const c = configOf(ft);
    const { sha256 } = readPolicyFile(path.join(pre, 'final.policy'));
    expect(c.policy).toEqual({ from: pre, sha256, space: 'nb201', preset: 'transfer-pretrain-short', steps: 60 });
    expect(c.reward).toEqual({ kind: 'eq7', accEnvFrom: 'table-max', column: 'dst', accEnv: 97.1172 });
    expect(readPolicyFile(path.join(ft, 'start.policy')).sha256).toBe(sha256);
    // `policy save` writes a file that starts a run like the folder does.
    const saved = path.join(dir, 'p.policy');
    expect(l2nas('policy', 'save', pre, '--out', saved, '-q').code).toBe(0);
    expect(readPolicyFile(saved).policy.actor).toEqual(readPolicyFile(path.join(pre, 'final.policy')).policy.actor);
    const ft2 = path.join(dir, 'ft2');
    expect(l2nas('search', '--benchmark', csv, '--metric', 'dst', '--steps', '20', '--preset', 'transfer-finetune-short', '--policy', saved, '--out', ft2, '-q').code).toBe(0);
    const strip = (d: string) => events(d).map(({ seconds: _s, ...e }) => e);
    expect(strip(ft2)).toEqual(strip(ft));
    // Without the policy, the same settings start elsewhere: the policy made the difference.
    const scratch = path.join(dir, 'scratch');
    expect(l2nas('search', '--benchmark', csv, '--metric', 'dst', '--steps', '20', '--preset', 'transfer-finetune-short', '--out', scratch, '-q').code).toBe(0);
    expect(strip(scratch)).not.toEqual(strip(ft));
  });

  it('a fine-tuning run killed half-way and resumed equals an uninterrupted one step by step', async () => {
    const args = (out: string) => ['search', '--benchmark', csv, '--metric', 'dst', '--steps', '120', '--seed', '2', '--preset', 'transfer-finetune-short', '--policy', pre, '--checkpoint-every', '20', '--out', out, '-q'];
    const ref = path.join(dir, 'ref'), cut = path.join(dir, 'cut');
    expect(l2nas(...args(ref)).code).toBe(0);
    await killAfterEvents(BIN, ROOT, args(cut), cut, 50);
    expect(fs.existsSync(path.join(cut, 'result.json'))).toBe(false);
    const r = l2nas('resume', cut, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const strip = (d: string) => events(d).map(({ seconds: _s, ...e }) => e);
    expect(strip(cut)).toEqual(strip(ref));
    expect(fs.readFileSync(path.join(cut, 'final.policy')).length).toBeGreaterThan(0);
    // The run's copy of its policy is checked against config.json's SHA-256 on every start.
    const sp = path.join(cut, 'start.policy');
    const bytes = fs.readFileSync(sp);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(sp, bytes);
    fs.rmSync(path.join(cut, 'result.json'));
    const bad = l2nas('resume', cut, '-q');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('start.policy: not a usable policy file: checksum mismatch');
  });

  it('--policy of another space or action shape exits 2 naming the file and the mismatch; no run folder is made', () => {
    const p = readPolicyFile(path.join(pre, 'final.policy')).policy;
    const other = path.join(dir, 'darts.policy');
    fs.writeFileSync(other, encodePolicy({ ...p, space: 'darts', actionShape: [{ name: 'alpha_normal', rows: 14, cols: 7 }, { name: 'alpha_reduce', rows: 14, cols: 7 }] }));
    const out = path.join(dir, 'refused');
    const r = l2nas('search', '--benchmark', csv, '--metric', 'dst', '--steps', '5', '--preset', 'transfer-finetune-short', '--policy', other, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${other}: the policy is of the darts space (action alpha_normal 14×7 + alpha_reduce 14×7), this run searches the nb201 space (action alpha 6×5)`);
    expect(fs.existsSync(out)).toBe(false);
    const shape = path.join(dir, 'shape.policy');
    fs.writeFileSync(shape, encodePolicy({ ...p, actionShape: [{ name: 'alpha', rows: 5, cols: 6 }] }));
    const s = l2nas('search', '--benchmark', csv, '--metric', 'dst', '--steps', '5', '--preset', 'transfer-finetune-short', '--policy', shape, '--out', out);
    expect(s.code).toBe(2);
    expect(s.err).toContain(`${shape}: the policy's action shape is alpha 5×6, this run's (nb201) is alpha 6×5`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('fine-tuning a supernet search (issue #12 item 3)', () => {
  it('search --estimator supernet --policy: Eq. 7 with the supernet\'s Acc(Env), the policy recorded', () => {
    const tiny = ['--estimator', 'supernet', '--space', 'nb201', '--epochs', '1', '--steps', '4', '--train-images', '128', '--channels', '4', '--cells', '1', '--batch', '32', '--random', '1', '-q'];
    const sp = path.join(dir, 'sn-pre'), sf = path.join(dir, 'sn-ft');
    expect(l2nas('search', ...tiny, '--preset', 'transfer-pretrain-short', '--set', 'warmupSteps=2', '--out', sp).code).toBe(0);
    const r = l2nas('search', ...tiny, '--seed', '1', '--preset', 'transfer-finetune-short', '--policy', sp, '--out', sf);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const c = configOf(sf);
    expect(c.reward).toEqual({ kind: 'eq7', accEnvFrom: 'supernet' });
    expect(c.policy).toMatchObject({ from: sp, preset: 'transfer-pretrain-short', steps: 4 });
    const result = JSON.parse(fs.readFileSync(path.join(sf, 'result.json'), 'utf8'));
    expect(result.reward.kind).toBe('eq7');
    expect(result.reward.accEnv).toBe(result.best.metrics.accEnv);
    const first = events(sf)[0];
    expect(first.reward).toBeCloseTo(100 ** (first.value / result.reward.accEnv) / 100 - 1, 10);
  });
});
