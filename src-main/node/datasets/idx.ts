import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DatasetFileError, MAX_DATASET_FILE_BYTES, readDatasetFile, type ImageDataset } from './types';

/** IDX magic numbers (LeCun's MNIST format, also Fashion-MNIST): 0x0000 08 (ubyte) ndim. */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

interface IdxTensor {
  dims: number[];
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

/** Reads an IDX file, raw or gzip-compressed (detected by the gzip magic 1f 8b, not the name). */
function readIdx(file: string, magic: number, what: string): IdxTensor {
  const ndim = magic & 0xff;
  const dataAt = 4 + 4 * ndim;
  // Neither gzip nor the IDX magic in the first bytes: refused before the rest is read.
  let bytes = readDatasetFile(file, (size, head) => {
    const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (!gz && (size < 4 || new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, false) !== magic)) {
      throw new DatasetFileError(file, 0, size < 4 ? `too short for an IDX header (expected at least ${dataAt} bytes)` : `not an IDX file of ${what}: it does not start with the magic number ${hex(magic)}`);
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
    if (head.length >= dataAt && new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, false) === magic) {
      const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const expected = Array.from({ length: ndim }, (_, i) => v.getUint32(4 + 4 * i, false)).reduce((p, d) => p * d, 1);
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
  if (view.getUint32(0, false) !== magic) fail(0, `not an IDX file of ${what}: it does not start with the magic number ${hex(magic)}`);
  if (bytes.length < dataAt) fail(bytes.length, `truncated header: ${ndim} dimensions need a ${dataAt}-byte header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((p, d) => p * d, 1);
  const have = bytes.length - dataAt;
  if (have !== expected) {
    // The dimensions are repeated (they passed the magic check, and a good check reports them too), the size found is not.
    fail(Math.min(bytes.length, dataAt + expected), `dimensions ${dims.join('×')} need ${expected} data bytes after the ${dataAt}-byte header (${have < expected ? 'truncated' : 'trailing bytes'})`);
  }
  return { dims, data: bytes.subarray(dataAt), dataAt };
}

/**
 * Loads an MNIST-style pair of IDX files (`*-images-idx3-ubyte[.gz]`, `*-labels-idx1-ubyte[.gz]`):
 * big-endian dimensions, one byte per pixel, already in HWC order with C = 1.
 */
export function loadIdxPair(imagesFile: string, labelsFile: string, name = path.basename(imagesFile), classes = 10): ImageDataset {
  const img = readIdx(imagesFile, IMAGES_MAGIC, 'images, 3 dimensions');
  const lab = readIdx(labelsFile, LABELS_MAGIC, 'labels, 1 dimension');
  const [n, height, width] = img.dims;
  if (n === 0 || height === 0 || width === 0) throw new DatasetFileError(imagesFile, 4, `empty image set (dimensions ${img.dims.join('×')})`);
  if (lab.dims[0] !== n) {
    throw new DatasetFileError(labelsFile, 4, `${lab.dims[0]} labels, but ${imagesFile} has ${n} images`);
  }
  for (let i = 0; i < n; i++) {
    if (lab.data[i] >= classes) {
      throw new DatasetFileError(labelsFile, lab.dataAt + i, `the label of image ${i} is out of range 0..${classes - 1}`);
    }
  }
  return { name, images: img.data, labels: lab.data, n, height, width, channels: 1, classes };
}
