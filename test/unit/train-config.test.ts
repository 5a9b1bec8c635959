import { describe, expect, it } from 'vitest';
import type { DatasetCheck } from '../../src-main/contracts/dataset';
import { TRAIN_PRESET_IDS, TrainSettingsSchema } from '../../src-main/contracts/train';
import { DARTS_V2, formatGenotype } from '../../src-main/common/spaces/darts';
import { TRAIN_PRESETS } from '../../src-main/common/train-presets';
import { buildTrainConfig, trainSplitSizes } from '../../src-main/node/train-config';

const CIFAR: DatasetCheck = { name: 'cifar10', images: 50_000, height: 32, width: 32, channels: 3, classes: 10 };
const MNIST: DatasetCheck = { name: 'mnist-embedded', images: 10_000, height: 28, width: 28, channels: 1, classes: 10 };
const V2 = formatGenotype(DARTS_V2);
const NB = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';

describe('training config (presets + overrides, checked before any folder)', () => {
  it('every preset is valid for both spaces; "final" holds the paper\'s final-training values (REFERENCE.md)', () => {
    for (const id of TRAIN_PRESET_IDS) for (const space of ['nb201', 'darts'] as const) expect(TrainSettingsSchema.safeParse(TRAIN_PRESETS[id].settings[space]).success).toBe(true);
    expect(TRAIN_PRESETS.final.settings.darts).toMatchObject({ epochs: 1000, batchSize: 96, lrMax: 0.025, lrMin: 0, auxWeight: 0.4, dropPath: 0.2, cutout: 16, channels: 36, layers: 20 });
    const c = buildTrainConfig({ space: 'darts', arch: V2, dataset: { kind: 'cifar10', files: ['/x'] }, preset: 'final', settings: { epochs: 2 } }, CIFAR);
    expect(c.settings).toMatchObject({ epochs: 2, batchSize: 96, auxWeight: 0.4 });
    expect(c.preset).toBe('final');
  });

  it("drops a preset's auxiliary weight where the head cannot exist (28×28), but refuses one asked for", () => {
    const c = buildTrainConfig({ space: 'darts', arch: V2, dataset: { kind: 'mnist-embedded' } }, MNIST);
    expect(c.settings.auxWeight).toBe(0);
    expect(() => buildTrainConfig({ space: 'darts', arch: V2, dataset: { kind: 'mnist-embedded' }, settings: { auxWeight: 0.4 } }, MNIST)).toThrow(/^settings\.auxWeight 0\.4: the auxiliary head needs 32×32 images/);
  });

  it('names the field of a bad setting, a bad architecture, an odd DARTS C, and a test set of another shape', () => {
    const base = { space: 'nb201' as const, arch: NB, dataset: { kind: 'mnist-embedded' as const } };
    expect(() => buildTrainConfig({ ...base, settings: { epochs: 0 } }, MNIST)).toThrow(/settings\.epochs/);
    expect(() => buildTrainConfig({ ...base, arch: '|x~0|' }, MNIST)).toThrow(/^arch: /);
    expect(() => buildTrainConfig({ ...base, space: 'darts', arch: V2, settings: { channels: 15 } }, MNIST)).toThrow(/^arch: .*(even|halve)/i);
    expect(() => buildTrainConfig({ ...base, testDataset: { kind: 'cifar10', files: ['/t'] } }, MNIST, CIFAR)).toThrow(/^testDataset: /);
    expect(() => buildTrainConfig({ ...base, settings: { batchSize: 1024, trainImages: 100 } }, MNIST)).toThrow(/settings\.batchSize 1024 is larger than the 100 training images/);
  });

  it('splits half for training; without a test dataset the held-out half into validation and test', () => {
    expect(trainSplitSizes(10_000, false)).toEqual({ train: 5000, val: 2500, test: 2500 });
    expect(trainSplitSizes(101, false)).toEqual({ train: 50, val: 25, test: 26 });
    expect(trainSplitSizes(50_000, true)).toEqual({ train: 25_000, val: 25_000, test: 0 });
  });
});
