import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeReward, resolveReward, reward } from '../../src-main/common/rewards';
import { presetReward, PRESETS } from '../../src-main/common/presets';
import { PRESET_NAMES } from '../../src-main/contracts/agent-config';
import { RunConfigSchema } from '../../src-main/contracts/run';
import { loadBenchmarkTables } from '../../src-main/node/benchmark-csv';
import { runConfigFromOptions, settleTableReward, supernetRunConfig, UsageError } from '../../src-main/node/run-config';
import { runInMemory } from '../../src-main/node/search-session';
import { getSpace } from '../../src-main/common/spaces';
import type { BenchmarkTable } from '../../src-main/core/estimators/estimator';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';
import { useBackend } from '../helpers/tf-backend';

const base = { space: 'nb201', method: 'l2nas', benchmark: ['t.csv'], metric: 'acc', report: [], seed: 0, set: [], backend: 'auto' };
let table: BenchmarkTable;
let csv: string;

beforeAll(async () => {
  await useBackend('wasm');
  csv = writeSyntheticNb201(path.join(tempDir('reward'), 't.csv'), ['acc', 'other']);
  table = loadBenchmarkTables([csv], getSpace('nb201'));
});

describe('rewards follow the preset and the estimator (issue #12 item 1)', () => {
  it('the paper names Eq. 3 for NAS-Bench-201 and DARTS, Eq. 7 for OFA and transfer (τ = 0.95 there)', () => {
    expect(presetReward('nb201')).toBe('eq3');
    expect(presetReward('nb201-tuned')).toBe('eq3');
    expect(presetReward('darts')).toBe('eq3');
    for (const p of ['ofa', 'transfer-pretrain', 'transfer-finetune', 'transfer-pretrain-short', 'transfer-finetune-short'] as const) {
      expect(presetReward(p)).toBe('eq7');
      expect(PRESETS[p].tau).toBe(0.95);
    }
    expect(PRESET_NAMES.every((p) => ['eq3', 'eq7'].includes(presetReward(p)))).toBe(true);
  });

  it('transfer presets are the paper §4.4 settings; the short variants share one network shape', () => {
    const pre = PRESETS['transfer-pretrain'], ft = PRESETS['transfer-finetune'];
    expect([pre.steps, pre.warmupSteps, pre.xi]).toEqual([10000, 3000, 1e-4]);
    expect([ft.steps, ft.warmupSteps, ft.topK]).toEqual([1000, 500, 100]);
    const ps = PRESETS['transfer-pretrain-short'], fs = PRESETS['transfer-finetune-short'];
    expect([ps.hidden, ps.hiddenLayers]).toEqual([fs.hidden, fs.hiddenLayers]);
    expect([pre.hidden, pre.hiddenLayers]).toEqual([ft.hidden, ft.hiddenLayers]);
  });

  it('a table search with an Eq. 7 preset takes Acc(Env) from the search column maximum, recorded in the config', () => {
    const c = runConfigFromOptions({ ...base, preset: 'transfer-finetune-short' });
    expect(c.reward).toEqual({ kind: 'eq7', accEnvFrom: 'table-max', column: 'acc' });
    const settled = settleTableReward(c, table);
    // The synthetic optimum, all nor_conv_3x3 (index 11718): 50 + 8·6 + 11718/1e5 (fixture-tables.ts).
    expect(settled.reward).toEqual({ kind: 'eq7', accEnvFrom: 'table-max', column: 'acc', accEnv: 98.1172 });
    expect(RunConfigSchema.parse(settled).reward).toEqual(settled.reward);
    const other = settleTableReward(runConfigFromOptions({ ...base, preset: 'transfer-finetune-short', accEnvColumn: 'other' }), table);
    expect(other.reward).toMatchObject({ column: 'other', accEnv: 97.1172 });
    expect(() => settleTableReward(runConfigFromOptions({ ...base, preset: 'transfer-finetune-short', accEnvColumn: 'nope' }), table)).toThrow(/Acc\(Env\) column "nope"/);
  });

  it('a given Acc(Env) wins and implies Eq. 7; Eq. 3 with one is refused; Eq. 3 presets stay Eq. 3', () => {
    expect(runConfigFromOptions({ ...base, preset: 'nb201', accEnv: 73.5 }).reward).toEqual({ kind: 'eq7', accEnv: 73.5, accEnvFrom: 'user' });
    expect(runConfigFromOptions({ ...base, preset: 'nb201' }).reward).toEqual({ kind: 'eq3' });
    expect(runConfigFromOptions({ ...base, preset: 'transfer-pretrain-short', reward: 'eq3' }).reward).toEqual({ kind: 'eq3' });
    expect(() => runConfigFromOptions({ ...base, preset: 'nb201', reward: 'eq3', accEnv: 50 })).toThrow(UsageError);
    expect(() => runConfigFromOptions({ ...base, preset: 'nb201', reward: 'eq9' })).toThrow(/unknown reward "eq9"/);
  });

  it('a supernet search with an Eq. 7 preset defers Acc(Env) to the supernet', () => {
    const agent = { preset: 'transfer-finetune-short' as const, config: { ...PRESETS['transfer-finetune-short'] } };
    const { steps: _s, description: _d, ...cfg } = agent.config;
    const c = supernetRunConfig({ space: 'nb201', dataset: { kind: 'mnist-embedded' }, method: 'l2nas', seed: 0, agent: { preset: agent.preset, config: cfg } });
    expect(c.reward).toEqual({ kind: 'eq7', accEnvFrom: 'supernet' });
    expect(resolveReward(c.reward, 91.5)).toEqual({ kind: 'eq7', accEnv: 91.5 });
    expect(() => resolveReward(c.reward, undefined)).toThrow(/Acc\(Env\)/);
    expect(describeReward(c.reward, 91.5)).toContain("supernet's best validation accuracy");
  });

  it('old run folders still read: Eq. 7 with a bare value; Eq. 7 without any value is refused', () => {
    const c = settleTableReward(runConfigFromOptions({ ...base, preset: 'nb201' }), table);
    expect(RunConfigSchema.parse({ ...c, reward: { kind: 'eq7', accEnv: 82.316 } }).reward).toEqual({ kind: 'eq7', accEnv: 82.316 });
    expect(RunConfigSchema.safeParse({ ...c, reward: { kind: 'eq7' } }).success).toBe(false);
    expect(RunConfigSchema.safeParse({ ...c, reward: { kind: 'eq7', accEnvFrom: 'supernet', accEnv: 3 } }).success).toBe(false);
  });

  it('an in-memory run computes Eq. 7 rewards with the column maximum and records it in the result', async () => {
    const c = runConfigFromOptions({ ...base, benchmark: [csv], preset: 'transfer-finetune-short', steps: 20 });
    const rewards: number[] = [];
    const values: number[] = [];
    const r = await runInMemory(c, { table, onEvent: (e) => (rewards.push(e.reward), values.push(e.value)) });
    expect(r.reward).toEqual({ kind: 'eq7', accEnv: 98.1172 });
    values.forEach((v, i) => expect(rewards[i]).toBeCloseTo(reward(v, { kind: 'eq7', accEnv: 98.1172 }), 10));
  });
});
