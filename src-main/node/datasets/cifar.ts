import * as path from 'node:path';
import { chwToHwc, concatDatasets, DatasetFileError, readDatasetFile, type ImageDataset } from './types';

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;

/**
 * Reads one CIFAR binary batch: fixed-size records of `labelBytes` label bytes then 3072 pixel
 * bytes (the red plane, green plane, blue plane, each 32×32 row-major), converted to HWC.
 * `labels` describes the label bytes in order (each is range-checked); `use` picks the class.
 */
function readCifarBatch(file: string, labelDefs: readonly { kind: string; classes: number }[], use: number, name: string): ImageDataset {
  const labelBytes = labelDefs.length;
  const classes = labelDefs[use].classes;
  const record = labelBytes + IMAGE_BYTES;
  // The size alone says whether the file can be a batch: checked before it is read.
  const bytes = readDatasetFile(file, (size) => {
    if (size === 0) throw new DatasetFileError(file, 0, `empty file (expected records of ${record} bytes)`);
    if (size % record !== 0) {
      const at = size - (size % record);
      throw new DatasetFileError(file, at, `truncated record ${at / record}: the file is not a whole number of ${record}-byte ${name} records`);
    }
  });
  const n = bytes.length / record;
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * record;
    labelDefs.forEach(({ kind, classes: limit }, b) => {
      if (bytes[at + b] >= limit) {
        throw new DatasetFileError(file, at + b, `the ${kind} of record ${i} is out of range 0..${limit - 1} (not a ${name} binary batch?)`);
      }
    });
    labels[i] = bytes[at + use];
    chwToHwc(bytes, at + labelBytes, images, i * IMAGE_BYTES, 3, PIXELS);
  }
  return { name: path.basename(file), images, labels, n, height: SIDE, width: SIDE, channels: 3, classes };
}

/** CIFAR-10 binary version (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`): 1 label byte + 3072. */
export function loadCifar10(files: readonly string[], name = 'cifar10'): ImageDataset {
  return concatDatasets(name, files.map((f) => readCifarBatch(f, [{ kind: 'label', classes: 10 }], 0, 'CIFAR-10')));
}

/** CIFAR-100 binary version (`train.bin`, `test.bin`): coarse label byte, fine label byte, 3072; fine labels (100 classes). */
export function loadCifar100(files: readonly string[], name = 'cifar100'): ImageDataset {
  return concatDatasets(name, files.map((f) => readCifarBatch(f, [{ kind: 'coarse label', classes: 20 }, { kind: 'fine label', classes: 100 }], 1, 'CIFAR-100')));
}
