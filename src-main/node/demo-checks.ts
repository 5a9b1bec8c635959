import * as fs from 'node:fs';
import type { DatasetSpec } from '../contracts/dataset';
import { UsageError } from './usage-error';

/** The files a dataset spec names (none for the embedded digits). */
export function datasetFiles(spec: DatasetSpec): string[] {
  switch (spec.kind) {
    case 'mnist-embedded':
      return [];
    case 'idx':
      return [spec.images, spec.labels];
    default:
      return [...spec.files];
  }
}

/**
 * A cheap check a supernet search's API call makes before it answers with a run id: every file
 * the dataset names exists and is a regular file. (The worker reads them in full, later; without
 * this a missing path returned an id whose run never appeared.)
 */
export function checkDatasetFilesExist(spec: DatasetSpec): void {
  for (const f of datasetFiles(spec)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new UsageError(`${f}: no such file (dataset ${spec.kind})`);
    }
    if (!st.isFile()) throw new UsageError(`${f}: not a regular file (dataset ${spec.kind})`);
  }
}

/**
 * Refuses a dataset too small for its split, before training and before any folder is written:
 * one half trains (at least one batch), the other is queried in evaluation batches of a fixed
 * size (at least one), else training would fail only after a full epoch.
 */
export function checkDatasetSplitFits(name: string, images: number, o: { trainImages: number; batchSize: number; evalBatchSize: number }): void {
  const trainHalf = Math.floor(images / 2);
  const valHalf = images - trainHalf;
  const need = 2 * Math.max(o.evalBatchSize, o.batchSize);
  if (valHalf < o.evalBatchSize) {
    throw new UsageError(`${name} has ${images} images: its validation half (${valHalf}) is smaller than one evaluation batch (${o.evalBatchSize}); use a dataset of at least ${need} images`);
  }
  const train = Math.min(o.trainImages, trainHalf);
  if (train < o.batchSize) {
    throw new UsageError(`${name}: ${train} training images (of a training half of ${trainHalf}) are fewer than one training batch (${o.batchSize}); use more images or a smaller --batch`);
  }
}
