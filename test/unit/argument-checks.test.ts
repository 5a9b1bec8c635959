import { DATASET_MAX_CLASSES, IMAGENET_CLASSES } from '../../src-main/contracts/dataset';
import { describe, expect, it } from 'vitest';
import { PRESETS, resolveAgentConfig, isPresetName } from '../../src-main/common/presets';
import { RunConfigSchema, SEED_MAX } from '../../src-main/contracts/run';
import { StudioCallSchema } from '../../src-main/contracts/studio-api';
import { AGENT_MAX, AgentConfigSchema } from '../../src-main/contracts/agent-config';
import { checkDatasetSplitFits } from '../../src-main/node/run-config';
import { runConfigFromOptions, UsageError } from '../../src-main/node/run-config';

const options = (o: Partial<{ preset: string; metric: string; report: string[]; seed: number; steps: number }> = {}) => ({
  space: 'nb201', method: 'l2nas', preset: o.preset ?? 'nb201', benchmark: ['t.csv'], metric: o.metric ?? 'cifar10', report: o.report ?? [], steps: o.steps, seed: o.seed ?? 0, set: [], backend: 'auto',
});

describe('seeds: one 32-bit range for CLI, API and config.json', () => {
  it('accepts 0 … 2³²−1 and refuses 2³² (which the generator would take as seed 0)', () => {
    expect(SEED_MAX).toBe(4294967295);
    expect(runConfigFromOptions(options({ seed: SEED_MAX })).seed).toBe(SEED_MAX);
    expect(() => runConfigFromOptions(options({ seed: 2 ** 32 }))).toThrow(/invalid seed/);
    const start = (seed: number) => StudioCallSchema.safeParse({ method: 'startSearch', request: { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: ['t.csv'], metric: 'a', report: [], seed } }).success;
    expect(start(SEED_MAX)).toBe(true);
    expect(start(2 ** 32)).toBe(false);
    expect(StudioCallSchema.safeParse({ method: 'startSupernetSearch', seed: 2 ** 32 }).success).toBe(false);
    expect(StudioCallSchema.safeParse({ method: 'startSupernetSearch', seed: SEED_MAX }).success).toBe(true);
  });

  it('config.json with steps above the API cap is refused like the request', () => {
    const c = runConfigFromOptions(options());
    expect(RunConfigSchema.safeParse({ ...c, steps: 1e9 }).success).toBe(false);
    expect(() => runConfigFromOptions(options({ steps: 1e9 }))).toThrow(/invalid steps/);
  });
});

describe('agent settings: one set of bounds for CLI, API, config.json and the form', () => {
  it('refuses a replay batch of 1e9 (and every other unbounded setting past its bound) everywhere, naming it', () => {
    for (const [key, max] of Object.entries(AGENT_MAX)) {
      const config = { ...resolveAgentConfig('nb201-tuned'), [key]: max * 10 };
      const r = AgentConfigSchema.safeParse(config);
      expect(r.success, key).toBe(false);
      expect(r.error!.issues[0]).toMatchObject({ path: [key], message: `at most ${max.toLocaleString('en-US')}` });
      expect(AgentConfigSchema.safeParse({ ...resolveAgentConfig('nb201-tuned'), [key]: max }).success, key).toBe(true);
    }
    // Every preset sits inside the bounds.
    for (const name of Object.keys(PRESETS)) expect(AgentConfigSchema.safeParse(resolveAgentConfig(name)).success, name).toBe(true);
    const c = runConfigFromOptions(options());
    expect(RunConfigSchema.safeParse({ ...c, agent: { ...c.agent, batchSize: 1e9 } }).success).toBe(false);
    expect(() => runConfigFromOptions({ ...options(), set: ['batchSize=1000000000'] })).toThrow(/batchSize/);
    const start = StudioCallSchema.safeParse({ method: 'startSupernetSearch', options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'mnist-embedded' }, agent: { preset: 'nb201-tuned', config: { ...resolveAgentConfig('nb201-tuned'), batchSize: 1e9 } } } });
    expect(start.success).toBe(false);
  });
});

describe('presets and metrics', () => {
  it('Object.prototype names are no presets: a plain "unknown preset"', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(isPresetName(name)).toBe(false);
      expect(() => resolveAgentConfig(name)).toThrow(`unknown preset "${name}"`);
      expect(() => runConfigFromOptions(options({ preset: name }))).toThrow(new UsageError(`unknown preset "${name}" (choose one of ${Object.keys(PRESETS).join(', ')})`));
    }
  });

  it('refuses the row-number and arch columns as metric or report', () => {
    expect(() => runConfigFromOptions(options({ metric: 'index' }))).toThrow(/"index" is the table's row-number column, not an accuracy/);
    expect(() => runConfigFromOptions(options({ report: ['index'] }))).toThrow(UsageError);
    expect(() => runConfigFromOptions(options({ metric: 'arch' }))).toThrow(/architecture column/);
  });
});

describe('supernet dataset checks', () => {
  const fit = { trainImages: 5000, batchSize: 16, evalBatchSize: 64 };
  it('refuses a dataset whose validation half is smaller than one evaluation batch', () => {
    expect(() => checkDatasetSplitFits('tiny.idx', 100, fit)).toThrow('tiny.idx has 100 images: its validation half (50) is smaller than one evaluation batch (64); use a dataset of at least 128 images');
    checkDatasetSplitFits('ok', 128, fit);
    expect(() => checkDatasetSplitFits('ok', 128, { ...fit, batchSize: 128 })).toThrow(/fewer than one training batch \(128\)/);
  });

});

describe('dataset classes: one limit for API, CLI and reader', () => {
  it('the contract refuses more classes than 16-bit labels can hold (65,536), and more than ImageNet\'s 1000 of downsampled ImageNet', () => {
    const folder = (classes: number) => ({ method: 'checkDataset', dataset: { kind: 'image-folder', root: 'imgs', size: 32, classes } });
    expect(StudioCallSchema.safeParse(folder(DATASET_MAX_CLASSES)).success).toBe(true);
    expect(StudioCallSchema.safeParse(folder(DATASET_MAX_CLASSES + 1)).success).toBe(false);
    expect(DATASET_MAX_CLASSES).toBe(65_536);
    const inet = (classes: number) => ({ method: 'checkDataset', dataset: { kind: 'imagenet-downsampled', files: ['a.bin'], size: 16, classes } });
    expect(StudioCallSchema.safeParse(inet(IMAGENET_CLASSES)).success).toBe(true);
    expect(StudioCallSchema.safeParse(inet(IMAGENET_CLASSES + 1)).success).toBe(false);
  });
});
