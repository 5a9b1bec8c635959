import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetSpecSchema } from '../../src-main/contracts/dataset';
import { AllowedPaths, datasetFiles } from '../../src-main/node/allowed-paths';
import { checkDataset, loadDataset, splitHalves } from '../../src-main/node/datasets';
import { decodeImage, IMAGENET_NORMALIZATION, loadImageFolder, resizeAndCrop } from '../../src-main/node/datasets/image-folder';
import { normalizationOf } from '../../src-main/core/supernet/image-data';
import { tempDir } from '../helpers/fixture-tables';
import { makeImageFolder as makeFolder } from '../helpers/image-folder';

/** The synthetic pattern the PIL reference was computed on (byte (x, y, c)). */
function pattern(W: number, H: number) {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = (x * 29 + y * 53 + c * 71 + ((x * y) % 17)) % 256;
  return { width: W, height: H, data };
}

/**
 * PIL 12.3.0's result for the same pattern: Image.resize(shorter side → ceil(size / 0.875),
 * BILINEAR) then the centre crop as torchvision's CenterCrop (OFA's evaluation transform),
 * computed once with real PIL (base64 of the size × size × 3 bytes).
 */
const PIL_REFERENCE: [number, number, number, string][] = [
  [37, 23, 16, 'iM+Rr4VP1nJktzuCR2CnQYjDZq12f8ZVpZ4zxIdZe0aCZmCnOH/GXaSOf7J2p2k1xWFT1j96bVyjYHnAUpngfMN5or80vVlLgE5xXFKZO3rBUZifdLtXmt9Cu2FJrSxzclGYWHq9VZvJebSWmMVQulNSy0tymUiPOm+2UJfLcLLAl8VAt4BFxUpnRU6QRnGvT5Ovc7GpnKQ1u21OuTJvsEqPOm61S4y5brW8jKNRtZhLwipou0aJYWivRIrHbLN9jNNNsYs/uSFnk0OKVmSrPoXCZayRhaBrr449yTxdmD2Edl+mPoXMXqWkg7uTqIY2yYJXdkd9ZV2kOH/GWaCOf8Z0ocU2wktQli92eFOaPHi/V56weL94muBLwXtPuC51Uk2UOna9UZjfc7qtldxAvnVM3l5stEaNQ2qxSpHPbrVYl95Us5lB1WllYE6LWW20TJPEcbTFlbtGuodZwj9lR06PQmivWIzFabBokb8+rrVFt0FndlKKOmGnSIu1Z66VkKRZs5dBxiZrsEOKZmqxRo3NZaysirGBsKs+ykJckUCHHWSrQIfOYqm5hsIrq6Y5zUNbkjmAeV2kPYTLYKengLyPoX03yGFWrTV8lFWcPni/W6K/fsWanJRVxYVTwi92clGYQHe+Vp22esFwmeBOun5ItyprbUuSWnW8TpXUcbh1laNkuGdG1T5lf0qRbW61SZDRbrRXk9FNtJ1Cz1tiW0uFS2KnRIvJbrWJkMZbskxIz0dmjD+GWF+mSYjHZayuhrBsprA+qDVgykqDdl2kQIKnYaiVgrcqpcI+qVdXnzh9LVuiQXysWJ+5fr8+pMBDz05dljuCH2SrQIfOY6q8isk5raQ7xm9Uty92OFWcNXyyXKOUf8Zcoq4wuZ5UlzN6kFKZRXivWJ9teL+KnJZcuYRTdTd3h0qRX261TpXVdr17nLUqu4dJik9uc0mQKnG4SI/Wb7ZnmK4ntVtD1UBjdUaNKmyzQIfOZq2Xjsx2tmtN1VdjoT6FOWSrP4bNaK/B'],
  [20, 41, 12, 'sHBXtExnjE2UO3W1WqG8gal3qJJduVFhrEyKRXC3TZS4dquZi0uPQ220U5alfrOFpX8/xEdgkUKEXmatVJXDdbySmYhMxGNXUpm0ebdin8BPq2pXjTp/WWWoTo6zcLV+mb9arJRNpztzW1qhmqY3w4ZTuUJ6Q16iRoTLZq2gjrY6tpRLyExtXleWPXeuXqSLvEhvcVOaXX61YaO5jLVtsndblVttVlCXcHu7X6aEh7ZWqZQ6Rne6YKOgiaR3sYlTuUFsm1GRS3OeVZyLf7KUrZtGklVknUqDgbRkqmZMwUxnd0WMX3GvUpe6fq9XpoE1uFdamD+GOGuuRYy9oXBdjEWHQWivU5OedJt5n4lJsz9bnkR/U2OqUoqqbrWYkrlFSWelRYykcbFjmro+wE5UfTV8W12kQ4rCa65zlMxUsIdKmWRvbLFelaRAvndMtU92kVqfRoGbY6quja19tZdJvkxtUFeWRXWhsmlEvTxxflSbT3y+XqWuib06sXlCzU5njU2UaHe6V53Ifb1TcUyTVXm0WqGvhcNirb1Vr3VklUmMU2+0V5eue6aDo5hXtEVa'],
  [64, 48, 8, 'g3yHhHyCg3+EgIB/eIKAe4OKeoSCgnaDgYCJhH+CfoOCg4R+gIF8fYd9f4N/gIKBgoR+gH98f3qAgYKBg3t7f4Z0gX5/gn1/gHl9fICBgn2BfISIe3yFgoB9fX+AhIF7hX+CgIB+g4B7gYJ8fXuDfoOEhH2Bhn5/f32Bf3d/gn5/hnmAgHyCe36DgX2Bh36GfYSDe3yChHyEhnuBeYKAeoF/eoJ8fH57goJ9fn2Dh32CgX+AfoOAgoOAgHuAfnp7'],
];

describe('image folders (torchvision ImageFolder layout, OFA evaluation transform)', () => {
  it('resizes and centre-crops as PIL and torchvision do (within 1 of PIL\'s fixed-point arithmetic)', () => {
    for (const [W, H, size, b64] of PIL_REFERENCE) {
      const want = Buffer.from(b64, 'base64');
      const got = new Uint8Array(size * size * 3);
      resizeAndCrop(pattern(W, H), size, got, 0);
      let max = 0, off = 0;
      got.forEach((v, i) => {
        const d = Math.abs(v - want[i]);
        max = Math.max(max, d);
        if (d) off++;
      });
      expect(max, `${W}×${H} → ${size}`).toBeLessThanOrEqual(1);
      expect(off / got.length, `${W}×${H} → ${size}`).toBeLessThan(0.05);
    }
  });

  it('reads classes sorted by name, images sorted by name, RGB at the crop size, with ImageNet normalisation; hidden files skipped', () => {
    const root = makeFolder();
    const d = loadImageFolder(root, { size: 8 });
    expect({ n: d.n, h: d.height, w: d.width, c: d.channels, classes: d.classes }).toEqual({ n: 9, h: 8, w: 8, c: 3, classes: 3 });
    expect(Array.from(d.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // a-cat is label 0 and green; every PNG pixel keeps its colour exactly, the JPEG within its loss.
    const px = (i: number, p: number) => Array.from(d.images.subarray((i * 64 + p) * 3, (i * 64 + p) * 3 + 3));
    expect(px(0, 0)).toEqual([10, 200, 40]);
    expect(px(1, 63)).toEqual([10, 200, 40]);
    for (const [a, b] of px(2, 27).map((v, k) => [v, [10, 200, 40][k]])) expect(Math.abs(a - b)).toBeLessThanOrEqual(4);
    expect(px(3, 5)).toEqual([200, 40, 10]);
    expect(normalizationOf(d)).toEqual({ mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] });
    // The halves keep the prescribed normalisation (a network trained on them is fed like OFA's).
    expect(normalizationOf(splitHalves(d, 1).train)).toEqual(normalizationOf(d));
    expect(loadImageFolder(root, { size: 8, classes: 2, perClass: 1 })).toMatchObject({ n: 2, classes: 2 });
    const spec = DatasetSpecSchema.parse({ kind: 'image-folder', root, size: 8 });
    expect(checkDataset(spec)).toMatchObject({ images: 9, height: 8, width: 8, channels: 3, classes: 3 });
    expect(loadDataset(spec).n).toBe(9);
  });

  it('refuses what is not an image folder, naming the file or folder; never follows a link out of it', () => {
    const root = makeFolder();
    const bad = (f: () => unknown, re: RegExp) => expect(f).toThrow(re);
    fs.writeFileSync(path.join(root, 'a-cat', 'notes.txt'), 'hello');
    bad(() => loadImageFolder(root, { size: 8 }), new RegExp(`${path.join(root, 'a-cat', 'notes.txt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(byte 0\\): is not a JPEG or PNG image`));
    fs.rmSync(path.join(root, 'a-cat', 'notes.txt'));
    const good = fs.readFileSync(path.join(root, 'a-cat', '1.png'));
    fs.writeFileSync(path.join(root, 'a-cat', '1.png'), good.subarray(0, 60));
    bad(() => loadImageFolder(root, { size: 8 }), /1\.png: is not a readable PNG file/);
    // A PNG header that claims 100 000 × 100 000 pixels: refused before pngjs allocates them.
    const huge = Buffer.from(good);
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(100_000, 20);
    fs.writeFileSync(path.join(root, 'a-cat', '1.png'), huge);
    bad(() => loadImageFolder(root, { size: 8 }), /1\.png \(byte 16\): is a PNG of 100000×100000 pixels; at most 100 megapixels/);
    fs.writeFileSync(path.join(root, 'a-cat', '1.png'), good);
    fs.writeFileSync(path.join(root, 'a-cat', '4.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
    bad(() => loadImageFolder(root, { size: 8 }), /4\.jpg: is not a readable JPEG file/);
    fs.rmSync(path.join(root, 'a-cat', '4.jpg'));
    const outside = path.join(path.dirname(root), 'secret.png');
    fs.writeFileSync(outside, good);
    fs.symlinkSync(outside, path.join(root, 'a-cat', '9.png'));
    bad(() => loadImageFolder(root, { size: 8 }), /9\.png: is a symbolic link that leads out of the image folder/);
    fs.rmSync(path.join(root, 'a-cat', '9.png'));
    fs.symlinkSync(path.join(root, 'a-cat', '1.png'), path.join(root, 'a-cat', '9.png')); // inside: followed
    expect(loadImageFolder(root, { size: 8 }).n).toBe(10);
    fs.mkdirSync(path.join(root, 'd-empty'));
    bad(() => loadImageFolder(root, { size: 8 }), /d-empty: holds no image files/);
    const empty = tempDir('imgfolder-empty');
    bad(() => loadImageFolder(empty, { size: 8 }), /has no class sub-folders/);
    fs.mkdirSync(path.join(empty, 'only'));
    fs.writeFileSync(path.join(empty, 'only', 'x.png'), good);
    bad(() => loadImageFolder(empty, { size: 8 }), /a classifier needs at least 2 class sub-folders/);
    bad(() => loadImageFolder(path.join(empty, 'only', 'x.png'), { size: 8 }), /is not a folder/);
    bad(() => loadImageFolder(path.join(empty, 'missing'), { size: 8 }), /missing: cannot read the image folder \(ENOENT\)/);
    expect(() => decodeImage('x', new Uint8Array([1, 2, 3]))).toThrow(/x \(byte 0\): is not a JPEG or PNG image/);
  });

  it('serve bounds the folder like any dataset file (a folder outside --data is refused)', () => {
    const root = makeFolder();
    const spec = DatasetSpecSchema.parse({ kind: 'image-folder', root, size: 16 });
    expect(datasetFiles(spec)).toEqual([root]);
    expect(() => new AllowedPaths([path.dirname(root)]).check(datasetFiles(spec), 'a dataset')).not.toThrow();
    expect(() => new AllowedPaths([tempDir('elsewhere')]).check(datasetFiles(spec), 'a dataset')).toThrow(/outside the folders this server may read/);
    expect(DatasetSpecSchema.safeParse({ kind: 'image-folder', root, size: 4 }).success).toBe(false);
    expect(DatasetSpecSchema.safeParse({ kind: 'image-folder', root, size: 16, classes: 1 }).success).toBe(false);
  });
});
