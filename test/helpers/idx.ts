import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes an IDX image/label pair (MNIST's format: magic 0x803 / 0x801, big-endian sizes) of `n`
 * side × side grey images into `dir` as `<name>-images.idx` and `<name>-labels.idx`; returns the
 * two paths. `pixel(i, p)` gives byte p of image i, `label(i)` its label.
 */
export function writeIdxPair(dir: string, name: string, n: number, side: number, pixel: (i: number, p: number) => number, label: (i: number) => number): [string, string] {
  const per = side * side;
  const images = Buffer.alloc(16 + n * per);
  images.writeUInt32BE(0x803, 0);
  [n, side, side].forEach((v, i) => images.writeUInt32BE(v, 4 + 4 * i));
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    labels[8 + i] = label(i);
    for (let p = 0; p < per; p++) images[16 + i * per + p] = pixel(i, p);
  }
  const files: [string, string] = [path.join(dir, `${name}-images.idx`), path.join(dir, `${name}-labels.idx`)];
  fs.writeFileSync(files[0], images);
  fs.writeFileSync(files[1], labels);
  return files;
}
