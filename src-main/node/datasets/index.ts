import type { DatasetCheck, DatasetSpec } from '../../contracts/dataset';
import { Rng } from '../../common/rng';
import { loadCifar10, loadCifar100 } from './cifar';
import { loadIdxPair } from './idx';
import { loadImageFolder } from './image-folder';
import { loadImagenetDownsampled } from './imagenet-downsampled';
import { loadMnistPackage } from './mnist-package';
import type { ImageDataset } from './types';

export { DatasetFileError, type ImageDataset } from './types';

export type { DatasetSpec };

/** The `checkDataset` call: loads the files exactly as training would and describes them. */
export function checkDataset(spec: DatasetSpec): DatasetCheck {
  const d = loadDataset(spec);
  return { name: d.name, images: d.n, height: d.height, width: d.width, channels: d.channels, classes: d.classes };
}

export function loadDataset(spec: DatasetSpec): ImageDataset {
  switch (spec.kind) {
    case 'mnist-embedded':
      return loadMnistPackage();
    case 'idx':
      return loadIdxPair(spec.images, spec.labels, spec.name ?? 'idx');
    case 'cifar10':
      return loadCifar10(spec.files);
    case 'cifar100':
      return loadCifar100(spec.files);
    case 'imagenet-downsampled':
      return loadImagenetDownsampled(spec.files, spec.size, spec.classes);
    case 'image-folder':
      return loadImageFolder(spec.root, { size: spec.size, classes: spec.classes, perClass: spec.perClass });
    default:
      throw new Error(`unknown dataset kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  }
}

/**
 * "Train on half the training set, query on the other half" (paper §2.1; docs/ARCHITECTURE.md, "Estimators"): a seeded
 * Fisher–Yates permutation, its first ⌊N/2⌋ images for training, the rest for validation.
 * The same seed always gives the same halves; they are disjoint and together cover every image.
 */
export function splitHalves(ds: ImageDataset, seed: number | Rng = 0): { train: ImageDataset; val: ImageDataset } {
  const rng = typeof seed === 'number' ? new Rng(seed) : seed;
  const perm = new Uint32Array(ds.n);
  for (let i = 0; i < ds.n; i++) perm[i] = i;
  for (let i = ds.n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const size = ds.height * ds.width * ds.channels;
  const take = (idx: Uint32Array, part: string): ImageDataset => {
    const images = new Uint8Array(idx.length * size);
    const labels = new Uint16Array(idx.length);
    idx.forEach((src, i) => {
      images.set(ds.images.subarray(src * size, (src + 1) * size), i * size);
      labels[i] = ds.labels[src];
    });
    return { ...ds, name: `${ds.name} (${part})`, images, labels, n: idx.length };
  };
  const half = ds.n >> 1;
  return { train: take(perm.subarray(0, half), 'train half'), val: take(perm.subarray(half), 'validation half') };
}
