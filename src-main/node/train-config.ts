import type { DatasetCheck, DatasetSpec } from '../contracts/dataset';
import { TrainConfigSchema, type TrainConfig, type TrainPresetId, type TrainSettings, type TrainSpace } from '../contracts/train';
import { NetworkSpecError } from '../core/network/network';
import { TRAIN_PRESETS } from '../common/train-presets';
import { trainNetwork } from './train-folder';
import { UsageError } from './usage-error';

export interface TrainConfigInput {
  space: TrainSpace;
  arch: string;
  dataset: DatasetSpec;
  testDataset?: DatasetSpec;
  preset?: TrainPresetId;
  /** Overrides of the preset's settings (unset fields keep the preset's value). */
  settings?: Partial<TrainSettings>;
  seed?: number;
  backend?: TrainConfig['backend'];
}

/** How many images each part holds (the split of train-session.ts: half trains; without a test dataset the other half is cut into validation and test). */
export function trainSplitSizes(images: number, withTestDataset: boolean): { train: number; val: number; test: number } {
  const train = images >> 1;
  const heldOut = images - train;
  if (withTestDataset) return { train, val: heldOut, test: 0 };
  const val = heldOut >> 1;
  return { train, val, test: heldOut - val };
}

/**
 * config.json of a training run, for the CLI and the API alike: the preset's settings with the
 * overrides, every input checked before any folder exists — the schema's bounds (the field
 * named, e.g. "settings.epochs"), the architecture against the builder, the dataset's shape,
 * the test dataset against it, and the batch against the training images. `check`/`testCheck`:
 * the datasets as read (serve reads them in a worker thread).
 */
export function buildTrainConfig(o: TrainConfigInput, check: DatasetCheck, testCheck?: DatasetCheck): TrainConfig {
  const preset = o.preset ?? 'default';
  const defined = Object.fromEntries(Object.entries(o.settings ?? {}).filter(([, v]) => v !== undefined));
  const raw = {
    version: 1, kind: 'train', space: o.space, arch: o.arch, dataset: o.dataset,
    ...(o.testDataset ? { testDataset: o.testDataset } : {}),
    preset, settings: { ...TRAIN_PRESETS[preset].settings[o.space], ...defined }, seed: o.seed ?? 0, backend: o.backend ?? 'auto', createdAt: new Date().toISOString(),
  };
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`training settings: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const config = r.data;
  let desc;
  try {
    desc = trainNetwork(config, check);
  } catch (e) {
    if (e instanceof NetworkSpecError) throw new UsageError(`arch: ${e.message.replace(/^--arch: /, '')}`); // the builders name the CLI flag
    throw e;
  }
  // The standard DARTS auxiliary head needs an 8×8 map (32×32 input). Asked for explicitly on
  // smaller images it is refused; a preset's weight is dropped there (recorded as 0 in config.json).
  if (config.space === 'darts' && config.settings.auxWeight > 0 && !desc.auxOutput) {
    if (defined.auxWeight !== undefined) throw new UsageError(`settings.auxWeight ${config.settings.auxWeight}: the auxiliary head needs 32×32 images (got ${check.height}×${check.width}); set it to 0`);
    config.settings.auxWeight = 0;
  }
  if (testCheck) {
    const [a, b] = [check, testCheck];
    if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels || a.classes !== b.classes) {
      throw new UsageError(`testDataset: ${b.name} holds ${b.height}×${b.width}×${b.channels} images of ${b.classes} classes, the training data ${a.height}×${a.width}×${a.channels} of ${a.classes}`);
    }
  }
  const sizes = trainSplitSizes(check.images, !!testCheck);
  const trainN = Math.min(sizes.train, config.settings.trainImages ?? Infinity);
  if (config.settings.batchSize > trainN) throw new UsageError(`settings.batchSize ${config.settings.batchSize} is larger than the ${trainN} training images`);
  if (sizes.val < 1 || (!testCheck && sizes.test < 1)) throw new UsageError(`dataset: ${check.images} images are too few to split into training, validation and test images`);
  return config;
}
