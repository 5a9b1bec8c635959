import { z } from 'zod';
import { DatasetSpecSchema } from './dataset';
import { BACKEND_IDS } from './ids';
import { SeedSchema } from './run';

/**
 * config.json of a training run: one discrete architecture trained from scratch (issue #10).
 * Its `kind: 'train'` tells it from a search run's config (which has no kind). Bounds are
 * declared once here for the CLI flags and the folder.
 */
export const TRAIN_SPACES = ['nb201', 'darts', 'ofa'] as const;
export type TrainSpace = (typeof TRAIN_SPACES)[number];

/** Training presets (their values: common/train-presets.ts). */
export const TRAIN_PRESET_IDS = ['default', 'final', 'cpu'] as const;
export type TrainPresetId = (typeof TRAIN_PRESET_IDS)[number];

export const TrainSettingsSchema = z
  .object({
    /** NB201: first-stage C; DARTS: initial C (even); OFA: width multiplier in % (10..400, the OFA supernet's C). */
    channels: z.number().int().min(1).max(1024),
    /** NB201: cells per stage N; DARTS: cells; OFA: stride-2 steps kept (1..5, the supernet's N). */
    layers: z.number().int().min(1).max(64),
    epochs: z.number().int().min(1).max(1000),
    batchSize: z.number().int().min(2).max(1024),
    /** Cosine learning rate per epoch from lrMax to lrMin (DARTS: 0.025 → 0). */
    lrMax: z.number().gt(0).max(10),
    lrMin: z.number().min(0).max(10),
    momentum: z.number().min(0).lt(1),
    weightDecay: z.number().min(0).max(1),
    /** Cutout square side in pixels (0: off). */
    cutout: z.number().int().min(0).max(64),
    /** DARTS: weight of the auxiliary head's loss (0: no head). */
    auxWeight: z.number().min(0).max(10),
    /** DARTS: drop-path probability at the last epoch (linear from 0, as DARTS's train.py). */
    dropPath: z.number().min(0).lt(1),
    /** Training images used per epoch (of the training half; default all). */
    trainImages: z.number().int().min(2).max(10_000_000).optional(),
    /** Validation images measured after each epoch (of the held-out half; default all). */
    valImages: z.number().int().min(1).max(10_000_000).optional(),
    /** Test images measured once at the end (of the test set; default all). */
    testImages: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();
export type TrainSettings = z.infer<typeof TrainSettingsSchema>;

export const TrainConfigSchema = z
  .object({
    version: z.literal(1),
    kind: z.literal('train'),
    space: z.enum(TRAIN_SPACES),
    arch: z.string().min(1).max(8000),
    dataset: DatasetSpecSchema,
    /**
     * The dataset's test split (e.g. CIFAR's test_batch.bin, MNIST's t10k IDX pair), measured once
     * at the end. Absent (the embedded MNIST has no split of its own): the held-out half is cut in
     * two, the first half validates after each epoch and the second is the test set.
     */
    testDataset: DatasetSpecSchema.optional(),
    /** The training preset the settings started from (common/train-presets.ts); absent in older folders. */
    preset: z.enum(TRAIN_PRESET_IDS).optional(),
    settings: TrainSettingsSchema,
    seed: SeedSchema,
    backend: z.enum(['auto', ...BACKEND_IDS]),
    createdAt: z.string(),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const TrainEpochSchema = z.object({
  epoch: z.number().int().min(1),
  lr: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  valLoss: z.number(),
  valAccuracy: z.number(),
  seconds: z.number(),
  imagesPerSecond: z.number(),
});
export type TrainEpoch = z.infer<typeof TrainEpochSchema>;

export const TrainResultSchema = z.object({
  version: z.literal(1),
  kind: z.literal('train'),
  status: z.literal('completed'),
  arch: z.string(),
  params: z.number().int(),
  macs: z.number().int(),
  epochs: z.array(TrainEpochSchema),
  /** Accuracy (%) on the held-out half after the last epoch, BN with running statistics. */
  valAccuracy: z.number(),
  /** Accuracy (%) and mean loss on the test set after the last epoch; absent in folders from before it was measured. */
  testAccuracy: z.number().optional(),
  testLoss: z.number().optional(),
  /** Which images the test set is: the test dataset's, or the second half of the held-out half. */
  testSet: z.string().optional(),
  testImages: z.number().int().optional(),
  backend: z.string(),
  seconds: z.number(),
});
export type TrainResult = z.infer<typeof TrainResultSchema>;

