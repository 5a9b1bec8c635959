import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes an IDX image/label pair (MNIST's format: magic 0x803 / 0x801, big-endian sizes) of `n`
 * side × side grey images into `dir` as `<name>-images.idx` and `<name>-labels.idx`; returns the
 * two paths. `pixel(i, p)` gives byte p of image i, `label(i)` its label; `labelBytes` 2 or 4
 * writes the labels as big-endian 16- or 32-bit integers (IDX types 0x0B, 0x0C: past 255).
 */
export function writeIdxPair(dir: string, name: string, n: number, side: number, pixel: (i: number, p: number) => number, label: (i: number) => number, labelBytes: 1 | 2 | 4 = 1): [string, string] {
  const per = side * side;
  const images = Buffer.alloc(16 + n * per);
  images.writeUInt32BE(0x803, 0);
  [n, side, side].forEach((v, i) => images.writeUInt32BE(v, 4 + 4 * i));
  const labels = Buffer.alloc(8 + n * labelBytes);
  labels.writeUInt32BE(({ 1: 0x801, 2: 0xb01, 4: 0xc01 } as const)[labelBytes], 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    if (labelBytes === 1) labels[8 + i] = label(i);
    else if (labelBytes === 2) labels.writeInt16BE(label(i), 8 + 2 * i);
    else labels.writeInt32BE(label(i), 8 + 4 * i);
    for (let p = 0; p < per; p++) images[16 + i * per + p] = pixel(i, p);
  }
  const files: [string, string] = [path.join(dir, `${name}-images.idx`), path.join(dir, `${name}-labels.idx`)];
  fs.writeFileSync(files[0], images);
  fs.writeFileSync(files[1], labels);
  return files;
}
