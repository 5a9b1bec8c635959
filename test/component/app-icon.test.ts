import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/** assets/ (#15 item 8): the rasters made from icon.svg by assets/make-icons.cjs, as Forge and the window load them. */
const ASSETS = path.resolve(__dirname, '..', '..', 'assets');
const pngSize = (b: Buffer) => [b.readUInt32BE(16), b.readUInt32BE(20)];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('app icon', () => {
  it('has a PNG of each size, named by its real dimensions', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      const b = fs.readFileSync(path.join(ASSETS, 'png', `${size}x${size}.png`));
      expect([...b.subarray(0, 8)]).toEqual(PNG);
      expect(pngSize(b)).toEqual([size, size]);
    }
  });

  it('has a Windows .ico whose entries are PNGs of the sizes its directory states', () => {
    const b = fs.readFileSync(path.join(ASSETS, 'icon.ico'));
    expect([b.readUInt16LE(0), b.readUInt16LE(2)]).toEqual([0, 1]);
    const n = b.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = 6 + 16 * i;
      const stated = b.readUInt8(e) || 256;
      const png = b.subarray(b.readUInt32LE(e + 12), b.readUInt32LE(e + 12) + b.readUInt32LE(e + 8));
      expect([...png.subarray(0, 8)]).toEqual(PNG);
      expect(pngSize(png)).toEqual([stated, stated]);
      sizes.push(stated);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS .icns whose length and entries add up', () => {
    const b = fs.readFileSync(path.join(ASSETS, 'icon.icns'));
    expect(b.toString('ascii', 0, 4)).toBe('icns');
    expect(b.readUInt32BE(4)).toBe(b.length);
    const found: string[] = [];
    for (let at = 8; at < b.length; at += b.readUInt32BE(at + 4)) {
      const png = b.subarray(at + 8, at + b.readUInt32BE(at + 4));
      found.push(`${b.toString('ascii', at, at + 4)}:${pngSize(png)[0]}`);
    }
    expect(found).toEqual(['ic07:128', 'ic08:256', 'ic09:512']);
  });

  it('is wired into Forge and the window', () => {
    const forge = fs.readFileSync(path.join(ASSETS, '..', 'forge.config.ts'), 'utf8');
    expect(forge).toMatch(/icon: 'assets\/icon'/);
    expect(forge).toMatch(/icon: 'assets\/png\/512x512\.png'/);
    const main = fs.readFileSync(path.join(ASSETS, '..', 'src-main', 'main', 'index.ts'), 'utf8');
    expect(main).toMatch(/icon: path\.join\(app\.getAppPath\(\), 'assets', 'png', '512x512\.png'\)/);
  });
});
