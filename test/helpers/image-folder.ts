import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { tempDir } from './fixture-tables';

export function png(w: number, h: number, rgba: (x: number, y: number) => [number, number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(rgba(x, y), (y * w + x) * 4);
  return PNG.sync.write(p);
}
export function jpg(w: number, h: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ data, width: w, height: h }, 95).data;
}

/**
 * Three classes (a-cat green, b-dog red, c-eel blue), sorted by folder name: `copies` sets of two
 * PNGs of different shapes and a JPEG, plus files an image-folder reader must skip.
 */
export function makeImageFolder(copies = 1): string {
  const root = path.join(tempDir('imgfolder'), 'data');
  const colours: Record<string, [number, number, number]> = { 'b-dog': [200, 40, 10], 'a-cat': [10, 200, 40], 'c-eel': [40, 10, 200] };
  for (const [cls, c] of Object.entries(colours)) {
    const dir = path.join(root, cls);
    fs.mkdirSync(dir, { recursive: true });
    for (let k = 0; k < copies; k++) {
      const n = (i: number) => String(k * 3 + i);
      fs.writeFileSync(path.join(dir, `${n(1)}.png`), png(40, 30, () => [...c, 255]));
      fs.writeFileSync(path.join(dir, `${n(2)}.png`), png(18, 36, () => [...c, 7])); // alpha is dropped, not blended
      fs.writeFileSync(path.join(dir, `${n(3)}.jpg`), jpg(24, 24, c));
    }
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'not an image');
  }
  fs.mkdirSync(path.join(root, '.hidden-class'));
  return root;
}

