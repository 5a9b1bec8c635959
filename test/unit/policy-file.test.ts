import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { L2nasAgent } from '../../src-main/core/agent/l2nas-agent';
import { resolveAgentConfig } from '../../src-main/common/presets';
import { reward } from '../../src-main/common/rewards';
import { Rng } from '../../src-main/common/rng';
import { dartsSpace } from '../../src-main/common/spaces/darts';
import { nb201Space, type Nb201Arch } from '../../src-main/common/spaces/nb201';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import type { RunConfig } from '../../src-main/contracts/run';
import { encodeCheckpoint } from '../../src-main/node/checkpoint-codec';
import { checkPolicyFits, decodePolicy, encodePolicy, policyOf, PolicyFileError, readPolicyFile, withPolicy } from '../../src-main/node/policy-file';
import { runConfigFromOptions, settleTableReward } from '../../src-main/node/run-config';
import { createRunFolder, readCheckpoint } from '../../src-main/node/run-folder';
import { runFolder } from '../../src-main/node/search-session';
import { loadBenchmarkTables } from '../../src-main/node/benchmark-csv';
import { getSpace } from '../../src-main/common/spaces';
import { policyOfRun, RUN_POLICY_FILES } from '../../src-main/node/policy-file';
import { writeSyntheticNb201 } from '../helpers/fixture-tables';
import { tempDir } from '../helpers/fixture-tables';
import { useBackend } from '../helpers/tf-backend';

const toyAccuracy = (a: Nb201Arch) => 60 + 5 * a.filter((op) => op === 3).length + a.filter((op) => op === 2).length;
const PRESET = 'transfer-finetune-short';
const config = (o: Partial<{ preset: string; method: string; set: string[] }> = {}): RunConfig => ({
  ...runConfigFromOptions({ space: 'nb201', method: o.method ?? 'l2nas', preset: o.preset ?? PRESET, benchmark: ['t.csv'], metric: 'acc', report: [], seed: 0, set: o.set ?? [], backend: 'auto', accEnv: 98 }),
});

/** An agent trained `steps` queries on the toy landscape. */
function trained(seed: number, steps: number): L2nasAgent<Nb201Arch> {
  const agent = new L2nasAgent(nb201Space, resolveAgentConfig(PRESET), new Rng(seed));
  for (let t = 0; t < steps; t++) {
    const p = agent.propose(t);
    agent.observe(p, toyAccuracy(p.arch), reward(toyAccuracy(p.arch), { kind: 'eq7', accEnv: 90 }));
  }
  return agent;
}

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = tempDir('policy');
});

describe('policy files (issue #12 item 2)', () => {
  it('a loaded policy gives exactly the saved policy\'s actions on the same states, and carries the Adam states', () => {
    const a = trained(3, 40);
    const bytes = encodePolicy(policyOf(config(), a.policy(), 40));
    const file = path.join(dir, 'a.policy');
    fs.writeFileSync(file, bytes);
    const { policy, sha256 } = readPolicyFile(file);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(policy).toMatchObject({ space: 'nb201', preset: PRESET, steps: 40, actionShape: [{ name: 'alpha', rows: 6, cols: 5 }], network: { hidden: 128, hiddenLayers: 3 } });
    const b = new L2nasAgent(nb201Space, resolveAgentConfig(PRESET), new Rng(99)); // other seed: other initial weights
    const rng = new Rng(7);
    const states = Array.from({ length: 5 }, () => rng.fillUniform(new Float32Array(nb201Space.dim)));
    expect(states.map((s) => Array.from(b.act(s)))).not.toEqual(states.map((s) => Array.from(a.act(s))));
    b.loadPolicy(policy);
    for (const s of states) expect(b.act(s)).toEqual(a.act(s));
    const [pa, pb] = [a.policy(), b.policy()];
    expect(pb.actorAdam).toEqual(pa.actorAdam);
    expect(pb.criticAdam).toEqual(pa.criticAdam);
    expect(pb.critic).toEqual(pa.critic);
    expect(pa.actorAdam.t).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });

  it('refuses a truncated, bit-flipped, future-version or non-policy file, naming the file and why', () => {
    const a = trained(1, 12);
    const good = encodePolicy(policyOf(config(), a.policy(), 12));
    a.dispose();
    const where = 'x.policy';
    expect(() => decodePolicy(good.subarray(0, 500), where)).toThrow(/x\.policy: not a usable policy file: .*(damaged or truncated|truncated)/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0x10;
    expect(() => decodePolicy(flipped, where)).toThrow(/x\.policy: not a usable policy file: checksum mismatch/);
    expect(() => decodePolicy(Buffer.from('index,arch,acc\n'), where)).toThrow(/x\.policy: not a usable policy file: not a L²NAS file at all/);
    const future = encodeCheckpoint({ ...(decodePolicy(good, where) as object), version: 2 });
    expect(() => decodePolicy(future, where)).toThrow(/x\.policy: policy format version 2 is newer than this l2nas reads \(1\)/);
    const checkpoint = encodeCheckpoint({ version: 1, loop: { step: 3 }, rng: [1, 2, 3, 4], strategy: {} });
    expect(() => decodePolicy(checkpoint, where)).toThrow(/x\.policy: not a policy file \(it is a search checkpoint/);
    const bad = encodeCheckpoint({ ...(decodePolicy(good, where) as object), actor: [1, 2] });
    expect(() => decodePolicy(bad, where)).toThrow(/x\.policy: not a valid policy file \(actor:/);
  });

  it('loads only into a run of the same space, action shape and network; the error names the file and both sides', () => {
    const darts = new L2nasAgent(dartsSpace as SearchSpace<unknown>, resolveAgentConfig(PRESET), new Rng(0));
    const dartsConfig = { ...config(), space: 'darts' as const };
    const dp = decodePolicy(encodePolicy(policyOf(dartsConfig, darts.policy(), 0)), 'd.policy');
    darts.dispose();
    expect(() => checkPolicyFits(dp, config(), 'd.policy')).toThrow(new PolicyFileError('d.policy: the policy is of the darts space (action alpha_normal 14×7 + alpha_reduce 14×7), this run searches the nb201 space (action alpha 6×5)'));
    const a = trained(2, 0);
    const np = decodePolicy(encodePolicy(policyOf(config(), a.policy(), 0)), 'n.policy');
    a.dispose();
    const reshaped = { ...np, actionShape: [{ name: 'alpha', rows: 5, cols: 6 }] };
    expect(() => checkPolicyFits(reshaped, config(), 'n.policy')).toThrow(/n\.policy: the policy's action shape is alpha 5×6, this run's \(nb201\) is alpha 6×5/);
    expect(() => checkPolicyFits(np, config({ preset: 'transfer-finetune' }), 'n.policy')).toThrow(/n\.policy: the policy's networks have 3 hidden layers of 128 units, this run's \(preset transfer-finetune\) 3 of 256/);
    expect(() => checkPolicyFits(np, config({ method: 'rea' }), 'n.policy')).toThrow(/L²NAS runs only/);
    expect(() => checkPolicyFits(np, config({ preset: 'transfer-finetune', set: ['hidden=128'] }), 'n.policy')).not.toThrow();
  });

  it('withPolicy records where the policy came from and its checksum; a missing file is named', () => {
    const a = trained(4, 10);
    const file = path.join(dir, 'w.policy');
    fs.writeFileSync(file, encodePolicy(policyOf(config(), a.policy(), 10)));
    a.dispose();
    const { config: c, bytes } = withPolicy(config(), file);
    expect(c.policy).toEqual({ from: file, sha256: readPolicyFile(file).sha256, space: 'nb201', preset: PRESET, steps: 10 });
    expect(bytes.equals(fs.readFileSync(file))).toBe(true);
    expect(() => withPolicy(config(), path.join(dir, 'none.policy'))).toThrow(/none\.policy: cannot read the policy \(ENOENT\)/);
  });

  it('policy of a paused run: its last checkpoint\'s networks; of an ended run: final.policy', async () => {
    const csv = writeSyntheticNb201(path.join(dir, 't.csv'));
    const table = loadBenchmarkTables([csv], getSpace('nb201'));
    const c = settleTableReward(runConfigFromOptions({ space: 'nb201', method: 'l2nas', preset: PRESET, benchmark: [csv], metric: 'acc', report: [], steps: 30, seed: 5, set: [], backend: 'auto' }), table);
    const run = path.join(dir, 'paused-run');
    createRunFolder(run, c);
    let n = 0;
    const paused = await runFolder(run, { resume: false, checkpointEvery: 1000, table, onEvent: () => n++, shouldStop: () => (n >= 15 ? 'pause' : null) });
    expect(paused).toEqual({ outcome: 'paused', step: 15 });
    expect(fs.existsSync(path.join(run, RUN_POLICY_FILES.final))).toBe(false);
    const fromCheckpoint = policyOfRun(run);
    expect(fromCheckpoint.file).toBe(path.join(run, 'checkpoint.bin'));
    expect(fromCheckpoint.policy.steps).toBe(15);
    expect(fromCheckpoint.policy.actor).toEqual((readCheckpoint(run) as { strategy: { actor: Float32Array } }).strategy.actor);
    expect((await runFolder(run, { resume: true, checkpointEvery: 1000, table })).outcome).toBe('completed');
    const ended = policyOfRun(run);
    expect(ended.file).toBe(path.join(run, RUN_POLICY_FILES.final));
    expect(ended.policy.steps).toBe(30);
    expect(ended.policy.reward).toMatchObject({ kind: 'eq7', accEnvFrom: 'table-max', column: 'acc' });
    expect(ended.policy.accEnv).toBeCloseTo(98.1172, 4);
  });
});

