import type { ImageData } from '../../core/supernet/image-data';
import * as fs from 'node:fs';
import { openRegularFile, readAll, readHead, UnsafeFileError, type OpenedFile } from '../safe-file';

/**
 * A labelled image set as every dataset reader returns it (docs/ARCHITECTURE.md, "Estimators"):
 * `images` holds N×H×W×C bytes, row-major, channels last (HWC); `labels` one 16-bit label per image,
 * each < `classes`. It is an `ImageData` (what the supernet trainer consumes) with a name.
 */
export interface ImageDataset extends ImageData {
  name: string;
}

/**
 * A dataset file the user gave us is wrong; the message names the file, the byte offset and
 * what was expected, never the bytes found there (the path may come from an API client).
 */
export class DatasetFileError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number | null,
    detail: string,
  ) {
    super(`${file}${offset === null ? '' : ` (byte ${offset})`}: ${detail}`);
    this.name = 'DatasetFileError';
  }
}

/**
 * The largest dataset file read (and the most a gzip file may decompress to). The biggest
 * supported file, a 32×32 downsampled-ImageNet training batch, is about 400 MB.
 */
export const MAX_DATASET_FILE_BYTES = 1024 * 1024 * 1024;

/**
 * Reads a whole dataset file: a regular file (not a FIFO, device, folder, /proc or /sys file)
 * of at most MAX_DATASET_FILE_BYTES; any failure is a DatasetFileError naming the file.
 * `precheck` sees the size and the first 64 KiB before the rest is read, so a file that is
 * plainly not the expected format is refused without reading (up to) a gigabyte first.
 */
export function readDatasetFile(file: string, precheck?: (size: number, head: Uint8Array) => void, maxBytes = MAX_DATASET_FILE_BYTES): Uint8Array {
  let opened: OpenedFile;
  try {
    opened = openRegularFile(file, maxBytes, 'a dataset file');
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new DatasetFileError(file, null, e.detail);
    throw e;
  }
  try {
    if (precheck) {
      const head = readHead(opened.fd, 64 * 1024);
      precheck(opened.size, new Uint8Array(head.buffer, head.byteOffset, head.byteLength));
    }
    const b = readAll(opened, maxBytes);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new DatasetFileError(file, null, e.detail);
    throw e;
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** Joins datasets of the same shape (e.g. CIFAR-10's five training batches) in the given order. */
export function concatDatasets(name: string, parts: readonly ImageDataset[]): ImageDataset {
  if (parts.length === 0) throw new Error(`${name}: no files given`);
  const { height, width, channels, classes } = parts[0];
  const n = parts.reduce((s, p) => s + p.n, 0);
  if (parts.length === 1) return { ...parts[0], name };
  const images = new Uint8Array(n * height * width * channels);
  const labels = new Uint16Array(n);
  let k = 0;
  for (const p of parts) {
    if (p.height !== height || p.width !== width || p.channels !== channels || p.classes !== classes) {
      throw new Error(`${name}: ${p.name} is ${p.height}×${p.width}×${p.channels} with ${p.classes} classes, but ${parts[0].name} is ${height}×${width}×${channels} with ${classes}`);
    }
    images.set(p.images, k * height * width * channels);
    labels.set(p.labels, k);
    k += p.n;
  }
  return { name, images, labels, n, height, width, channels, classes };
}

/** Rearranges one image from planes (C×H×W, as CIFAR and downsampled ImageNet store it) to HWC. */
export function chwToHwc(src: Uint8Array, srcAt: number, dst: Uint8Array, dstAt: number, c: number, hw: number): void {
  for (let ch = 0; ch < c; ch++) {
    const plane = srcAt + ch * hw;
    for (let p = 0; p < hw; p++) dst[dstAt + p * c + ch] = src[plane + p];
  }
}
