import { IMAGE_FOLDER_SIZE, type DatasetSpec } from '../../src-main/contracts/dataset';
import type { StartTrainingRequest } from '../../src-main/contracts/studio-api';
import { TRAIN_PRESET_IDS, TrainSettingsSchema, type TrainPresetId, type TrainSettings, type TrainSpace } from '../../src-main/contracts/train';
import { TRAIN_PRESETS } from '../../src-main/common/train-presets';
import { CLASS_LIMITED_DATASETS, datasetFiles, datasetSpecOf, type DatasetChoice } from './search-form';

/**
 * "Train this architecture" (issue #10): the form's state as typed, its validation (each field
 * against the same zod bounds the server applies, contracts/train.ts) and the request it makes.
 * Kept pure so component tests check it without a page.
 */
export interface TrainFormState {
  dataset: DatasetChoice;
  /** Dataset files, one path per line (as the search form). */
  files: string;
  /** The dataset's test split, one path per line (optional). */
  testFiles: string;
  classes: string;
  /** Image folder: side of the centre crop (px) and images kept per class (as the search form). */
  imageSize: string;
  perClass: string;
  /** 'auto' or one of BACKEND_IDS. */
  backend: string;
  preset: TrainPresetId;
  /** Empty: the preset's value. */
  epochs: string;
  channels: string;
  layers: string;
  batchSize: string;
  trainImages: string;
  seed: string;
}

export type TrainFieldKey = 'epochs' | 'channels' | 'layers' | 'batchSize' | 'trainImages';
export const TRAIN_FIELDS: readonly { key: TrainFieldKey; label: string; unit: string }[] = [
  { key: 'epochs', label: 'Epochs', unit: 'passes over the training images' },
  { key: 'channels', label: 'Channels C', unit: 'NB201: first stage; DARTS: initial (even)' },
  { key: 'layers', label: 'Cells', unit: 'NB201: per stage N; DARTS: in all' },
  { key: 'batchSize', label: 'Batch size', unit: 'images' },
  { key: 'trainImages', label: 'Training images', unit: 'of the training half (empty: all)' },
];

export const TRAIN_PRESET_CHOICES = TRAIN_PRESET_IDS.map((id) => ({ id, description: TRAIN_PRESETS[id].description }));

export function initialTrainForm(): TrainFormState {
  return { dataset: 'mnist-embedded', files: '', testFiles: '', classes: '', imageSize: '', perClass: '', backend: 'auto', preset: 'cpu', epochs: '', channels: '', layers: '', batchSize: '', trainImages: '', seed: '0' };
}

/** The preset's value of a field for the space (what an empty field means). */
export function presetValue(f: TrainFormState, space: TrainSpace, key: TrainFieldKey): number | undefined {
  return TRAIN_PRESETS[f.preset].settings[space][key];
}

const WHOLE = /^\d+$/;

/** Each field's error (keys: field names), and the request when there is none. */
export function validateTrainForm(f: TrainFormState, space: TrainSpace, arch: string): { errors: Partial<Record<string, string>>; request: StartTrainingRequest | null } {
  const errors: Partial<Record<string, string>> = {};
  const settings: Partial<TrainSettings> = {};
  for (const { key, label } of TRAIN_FIELDS) {
    const text = f[key].trim();
    if (!text) continue;
    const schema = TrainSettingsSchema.shape[key];
    const r = WHOLE.test(text) ? schema.safeParse(Number(text)) : null;
    if (!r?.success) {
      const b = bounds(key);
      errors[key] = `${label} must be a whole number from ${b.min} to ${b.max.toLocaleString('en')}`;
    } else settings[key] = Number(text);
  }
  if (space === 'darts') {
    const c = settings.channels ?? presetValue(f, space, 'channels');
    if (c !== undefined && c % 2 !== 0) errors.channels = 'DARTS halves C at its reductions: give an even number';
  }
  if (!WHOLE.test(f.seed.trim()) || Number(f.seed) > 2 ** 32 - 1) errors.seed = 'The seed is a whole number from 0 to 4294967295';
  if (CLASS_LIMITED_DATASETS.includes(f.dataset) && f.classes.trim() && !(WHOLE.test(f.classes.trim()) && Number(f.classes) >= 2 && Number(f.classes) <= 256)) errors.classes = 'Classes is a whole number from 2 to 256';
  if (f.dataset === 'image-folder') {
    const size = Number(f.imageSize.trim());
    if (f.imageSize.trim() && !(WHOLE.test(f.imageSize.trim()) && size >= IMAGE_FOLDER_SIZE.min && size <= IMAGE_FOLDER_SIZE.max)) errors.imageSize = `Image size is a whole number from ${IMAGE_FOLDER_SIZE.min} to ${IMAGE_FOLDER_SIZE.max}`;
    if (f.perClass.trim() && !(WHOLE.test(f.perClass.trim()) && Number(f.perClass) >= 1)) errors.perClass = 'Images per class is a whole number from 1';
  }
  const dataset = datasetSpecOf(f);
  if (typeof dataset === 'string') errors.files = dataset;
  let testDataset: DatasetSpec | undefined;
  if (f.testFiles.trim()) {
    if (f.dataset === 'mnist-embedded') errors.testFiles = 'The embedded MNIST has no test files: its test images are the second half of the held-out half';
    else {
      const t = datasetSpecOf({ ...f, files: f.testFiles });
      if (typeof t === 'string') errors.testFiles = t;
      else testDataset = t;
    }
  }
  if (!arch.trim()) errors.arch = 'No architecture to train';
  const ok = Object.keys(errors).length === 0 && typeof dataset !== 'string';
  return {
    errors,
    request: ok ? { space, arch, dataset, ...(testDataset ? { testDataset } : {}), preset: f.preset, settings, seed: Number(f.seed), ...(f.backend !== 'auto' ? { backend: f.backend as StartTrainingRequest['backend'] } : {}) } : null,
  };
}

function bounds(key: TrainFieldKey): { min: number; max: number } {
  const s = TrainSettingsSchema.shape[key];
  const inner = 'unwrap' in s ? s.unwrap() : s;
  return { min: inner.minValue ?? 0, max: inner.maxValue ?? Infinity };
}

/** Which field a server refusal is about (the message names it: "settings.batchSize …", "arch: …", a dataset file), or null. */
export function fieldOfServerError(message: string, f: TrainFormState): string | null {
  const m = /settings\.(\w+)/.exec(message);
  if (m && TRAIN_FIELDS.some((x) => x.key === m[1])) return m[1];
  if (/^arch: /.test(message)) return 'arch';
  if (/testDataset/.test(message) || datasetFiles({ files: f.testFiles }).some((p) => message.includes(p))) return 'testFiles';
  if (/^dataset/.test(message) || datasetFiles(f).some((p) => message.includes(p))) return 'files';
  return null;
}
