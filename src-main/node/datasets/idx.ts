import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DatasetFileError, readDatasetFile, type ImageDataset } from './types';

/** IDX magic numbers (LeCun's MNIST format, also Fashion-MNIST): 0x0000 08 (ubyte) ndim. */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

interface IdxTensor {
  dims: number[];
  data: Uint8Array;
  /** Byte offset of `data` in the (decompressed) file, for error messages. */
  dataAt: number;
}

/** Reads an IDX file, raw or gzip-compressed (detected by the gzip magic 1f 8b, not the name). */
function readIdx(file: string, magic: number, what: string): IdxTensor {
  let bytes = readDatasetFile(file);
  let where = '';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const b = gunzipSync(bytes);
      bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new DatasetFileError(file, null, `not a valid gzip file (${(e as Error).message})`);
    }
    where = ' of the decompressed data';
  }
  const fail = (at: number, detail: string): never => {
    throw new DatasetFileError(file, at, `${detail}${where}`);
  };
  if (bytes.length < 4) fail(0, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) {
    fail(0, `bad magic 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')} (IDX ${what})`);
  }
  const ndim = magic & 0xff;
  const dataAt = 4 + 4 * ndim;
  if (bytes.length < dataAt) fail(bytes.length, `truncated header: ${ndim} dimensions need ${dataAt} bytes, the file has ${bytes.length}`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((p, d) => p * d, 1);
  const have = bytes.length - dataAt;
  if (have !== expected) {
    fail(Math.min(bytes.length, dataAt + expected), `dimensions ${dims.join('×')} need ${expected} data bytes after the ${dataAt}-byte header, the file has ${have} (${have < expected ? 'truncated' : 'trailing bytes'})`);
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
      throw new DatasetFileError(labelsFile, lab.dataAt + i, `label ${lab.data[i]} of image ${i} is out of range 0..${classes - 1}`);
    }
  }
  return { name, images: img.data, labels: lab.data, n, height, width, channels: 1, classes };
}
