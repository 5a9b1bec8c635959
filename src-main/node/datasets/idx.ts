import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DATASET_MAX_CLASSES } from '../../contracts/dataset';
import { DatasetFileError, MAX_DATASET_FILE_BYTES, readDatasetFile, type ImageDataset } from './types';

/**
 * IDX magic numbers (LeCun's MNIST format, also Fashion-MNIST): 0x0000, the element type, the
 * number of dimensions. Images are unsigned bytes (type 0x08); labels unsigned bytes as MNIST's,
 * or big-endian 16- or 32-bit integers (types 0x0B, 0x0C) for more than 256 classes.
 */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const LABELS_MAGIC_I16 = 0x00000b01;
const LABELS_MAGIC_I32 = 0x00000c01;
/** Bytes per element of an IDX type (the third byte of the magic). */
const ITEM_BYTES: Record<number, number> = { 0x08: 1, 0x0b: 2, 0x0c: 4 };

interface IdxTensor {
  /** The magic number found (one of those asked for). */
  magic: number;
  dims: number[];
  /** The raw elements (big-endian where wider than a byte). */
  data: Uint8Array;
  /** Byte offset of `data` in the (decompressed) file, for error messages. */
  dataAt: number;
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

/**
 * The first bytes of a gzip stream, decompressed (enough for an IDX header): the size the
 * header announces then caps the full decompression, so a small "bomb" that inflates to
 * gigabytes is refused once it passes what its own header says, not after filling memory.
 */
function gunzipHead(compressed: Uint8Array, want: number): Uint8Array {
  for (const probe of [1024, 64 * 1024]) {
    const part = compressed.subarray(0, probe);
    const out = zlib.gunzipSync(part, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1100 * probe });
    if (out.length >= want || part.length === compressed.length) return out;
  }
  return new Uint8Array(0);
}

/**
 * Reads an IDX file, raw or gzip-compressed (detected by the gzip magic 1f 8b, not the name), of
 * one of the `magics` (which all have the same number of dimensions).
 */
function readIdx(file: string, magics: readonly number[], what: string): IdxTensor {
  const ndim = magics[0] & 0xff;
  const dataAt = 4 + 4 * ndim;
  const wanted = magics.map(hex).join(' or ');
  const notIdx = `not an IDX file of ${what}: it does not start with the magic number ${wanted}`;
  const known = (m: number) => magics.includes(m);
  // Neither gzip nor the IDX magic in the first bytes: refused before the rest is read.
  let bytes = readDatasetFile(file, (size, head) => {
    const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (!gz && (size < 4 || !known(new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, false)))) {
      throw new DatasetFileError(file, 0, size < 4 ? `too short for an IDX header (expected at least ${dataAt} bytes)` : notIdx);
    }
  });
  let where = '';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    where = ' of the decompressed data';
    let head: Uint8Array;
    try {
      head = gunzipHead(bytes, dataAt);
    } catch {
      throw new DatasetFileError(file, null, 'not a valid gzip file (its compressed data cannot be read)');
    }
    let limit = MAX_DATASET_FILE_BYTES;
    if (head.length >= dataAt && known(new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, false))) {
      const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const item = ITEM_BYTES[(v.getUint32(0, false) >>> 8) & 0xff];
      const expected = item * Array.from({ length: ndim }, (_, i) => v.getUint32(4 + 4 * i, false)).reduce((p, d) => p * d, 1);
      if (dataAt + expected > MAX_DATASET_FILE_BYTES) {
        throw new DatasetFileError(file, 4, `the header's dimensions need more than the ${MAX_DATASET_FILE_BYTES / 1024 / 1024} MiB limit for a dataset file${where}`);
      }
      limit = dataAt + expected + 1; // one byte more, to tell "trailing bytes" from "exact"
    }
    try {
      const b = zlib.gunzipSync(bytes, { maxOutputLength: limit });
      bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        if (limit === MAX_DATASET_FILE_BYTES) throw new DatasetFileError(file, null, `decompresses to more than the ${MAX_DATASET_FILE_BYTES / 1024 / 1024} MiB limit for a dataset file`);
        throw new DatasetFileError(file, limit - 1, "decompresses to more data than its header's dimensions need (trailing bytes)");
      }
      throw new DatasetFileError(file, null, 'not a valid gzip file (truncated or corrupt compressed data)');
    }
  }
  const fail = (at: number, detail: string): never => {
    throw new DatasetFileError(file, at, `${detail}${where}`);
  };
  if (bytes.length < 4) fail(0, `too short for an IDX header (expected at least ${dataAt} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (!known(magic)) fail(0, notIdx);
  if (bytes.length < dataAt) fail(bytes.length, `truncated header: ${ndim} dimensions need a ${dataAt}-byte header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const item = ITEM_BYTES[(magic >>> 8) & 0xff];
  const expected = item * dims.reduce((p, d) => p * d, 1);
  const have = bytes.length - dataAt;
  if (have !== expected) {
    // The dimensions are repeated (they passed the magic check, and a good check reports them too), the size found is not.
    fail(Math.min(bytes.length, dataAt + expected), `dimensions ${dims.join('×')} need ${expected} data bytes after the ${dataAt}-byte header (${have < expected ? 'truncated' : 'trailing bytes'})`);
  }
  return { magic, dims, data: bytes.subarray(dataAt), dataAt };
}

/**
 * Loads an MNIST-style pair of IDX files (`*-images-idx3-ubyte[.gz]`, `*-labels-idx1-ubyte[.gz]`):
 * big-endian dimensions, one byte per pixel, already in HWC order with C = 1. A label file of
 * bytes (MNIST's, type 0x08) has `classes` classes (10); one of 16- or 32-bit integers (types
 * 0x0B, 0x0C: more than 256 classes) has as many as its largest label + 1, at most
 * DATASET_MAX_CLASSES.
 */
export function loadIdxPair(imagesFile: string, labelsFile: string, name = path.basename(imagesFile), classes = 10): ImageDataset {
  const img = readIdx(imagesFile, [IMAGES_MAGIC], 'images, 3 dimensions');
  const lab = readIdx(labelsFile, [LABELS_MAGIC, LABELS_MAGIC_I16, LABELS_MAGIC_I32], 'labels, 1 dimension');
  const [n, height, width] = img.dims;
  if (n === 0 || height === 0 || width === 0) throw new DatasetFileError(imagesFile, 4, `empty image set (dimensions ${img.dims.join('×')})`);
  if (lab.dims[0] !== n) {
    throw new DatasetFileError(labelsFile, 4, `${lab.dims[0]} labels, but ${imagesFile} has ${n} images`);
  }
  const item = ITEM_BYTES[(lab.magic >>> 8) & 0xff];
  const labels = new Uint16Array(n);
  if (item === 1) {
    for (let i = 0; i < n; i++) {
      if (lab.data[i] >= classes) throw new DatasetFileError(labelsFile, lab.dataAt + i, `the label of image ${i} is out of range 0..${classes - 1}`);
      labels[i] = lab.data[i];
    }
    return { name, images: img.data, labels, n, height, width, channels: 1, classes };
  }
  const v = new DataView(lab.data.buffer, lab.data.byteOffset, lab.data.byteLength);
  let most = 0;
  for (let i = 0; i < n; i++) {
    const y = item === 2 ? v.getInt16(2 * i, false) : v.getInt32(4 * i, false);
    if (y < 0 || y >= DATASET_MAX_CLASSES) {
      throw new DatasetFileError(labelsFile, lab.dataAt + item * i, `the label of image ${i} is out of range 0..${DATASET_MAX_CLASSES - 1} (at most ${DATASET_MAX_CLASSES} classes)`);
    }
    labels[i] = y;
    if (y > most) most = y;
  }
  if (most < 1) throw new DatasetFileError(labelsFile, lab.dataAt, `every label is ${most}; a classifier needs at least 2 classes`);
  return { name, images: img.data, labels, n, height, width, channels: 1, classes: most + 1 };
}
