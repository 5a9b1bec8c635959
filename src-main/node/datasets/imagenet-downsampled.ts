import * as path from 'node:path';
import { chwToHwc, concatDatasets, DatasetFileError, readDatasetFile, type ImageDataset } from './types';
import { DATASET_MAX_CLASSES, IMAGENET_CLASSES } from '../../contracts/dataset';
import { UsageError } from '../usage-error';
import { PyDict, PyGlobal, PyList, PyTuple, pyNameOf, pyText, runPickle, type PickleDialect } from '../pickle';

/*
 * Downsampled ImageNet (Chrabaszcz, Loshchilov & Hutter 2017), the "official batch files"
 * (`train_data_batch_1` … `train_data_batch_10`, `val_data`): each is a Python pickle of
 *   { 'data': numpy uint8 array N×(3·s·s), one image per row as R, G, B planes (CHW),
 *     'labels': list of N ints in 1..1000,
 *     'mean': numpy float64 array (training batches only; not used here) }.
 * Reading arbitrary pickles is out of scope (and unsafe: a pickle may call any Python
 * function). The strict interpreter of node/pickle.ts (shared with the PyTorch checkpoint
 * reader) runs it, understanding only what such a dict needs: containers, ints, strings/bytes,
 * the memo, and exactly three callables — numpy's array reconstructor, numpy.dtype and _codecs.encode
 * (Python 3's protocol-2 encoding of bytes). Anything else is rejected with its byte offset.
 */

class PyDtype {
  byteorder = '|';
  constructor(readonly code: string) {}
}
class PyNdarray {
  shape: number[] = [];
  dtype: PyDtype | null = null;
  fortran = false;
  data: Uint8Array | null = null;
  dataAt = -1;
}

const RECONSTRUCT = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct']);
const ALLOWED_GLOBALS = new Set([...RECONSTRUCT, 'numpy.ndarray', 'numpy.dtype', '_codecs.encode']);
const text = pyText;
const nameOf = pyNameOf;

/** Runs the pickle in `bytes` and returns its top-level object. Exported for tests. */
export function readPickle(file: string, bytes: Uint8Array): unknown {
  // Where each byte string starts, so a wrong-sized array names the offset of its data.
  const dataOffsets = new WeakMap<Uint8Array, number>();
  const fail = (at: number, detail: string): never => {
    throw new DatasetFileError(file, at, detail);
  };
  const dialect: PickleDialect = {
    globals: ALLOWED_GLOBALS,
    allowedHint: '(only numpy arrays, lists and ints)',
    subsetHint: 'used by downsampled-ImageNet batch files',
    keyHint: 'dict key is not a string (not a downsampled-ImageNet batch file?)',
    reduce(fn, args, op) {
      const a = args.items;
      if (RECONSTRUCT.has(fn.qualified)) {
        if (!(a[0] instanceof PyGlobal) || a[0].qualified !== 'numpy.ndarray') op.fail('_reconstruct of something other than numpy.ndarray');
        return new PyNdarray();
      }
      if (fn.qualified === 'numpy.dtype') {
        const code = text(a[0]);
        if (code === null) return op.fail('numpy.dtype without a type code');
        return new PyDtype(code);
      }
      // _codecs.encode(s, 'latin1'): how Python 3 pickles `bytes` in protocol 2.
      const s = text(a[0]);
      const enc = text(a[1]);
      if (s === null || (enc !== 'latin1' && enc !== 'latin-1')) return op.fail(`unsupported _codecs.encode call (encoding ${enc === null ? 'missing' : nameOf(enc)})`);
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 255) op.fail('latin1-encoded bytes contain a character above U+00FF');
        out[i] = c;
      }
      return out;
    },
    build(obj, state, op) {
      if (!(state instanceof PyTuple)) return op.fail('malformed pickle: BUILD state is not a tuple');
      const s = state.items;
      if (obj instanceof PyDtype) {
        const order = text(s[1]);
        if (order === null) return op.fail('numpy.dtype state without a byte order');
        obj.byteorder = order;
        return;
      }
      if (!(obj instanceof PyNdarray)) return op.fail('BUILD on an object this reader does not know');
      // numpy's ndarray.__setstate__: (version, shape, dtype, is_fortran, raw data)
      if (s.length !== 5 || !(s[1] instanceof PyTuple) || !(s[2] instanceof PyDtype)) return op.fail('numpy array state is not (version, shape, dtype, fortran, data)');
      const intArg = (v: unknown): number => (typeof v === 'number' ? v : op.fail('expected an integer argument'));
      obj.shape = s[1].items.map(intArg);
      obj.dtype = s[2];
      obj.fortran = s[3] === true;
      const data = s[4];
      if (!(data instanceof Uint8Array)) return op.fail('numpy array data is not a byte string (object arrays are not supported)');
      obj.data = data;
      obj.dataAt = dataOffsets.get(data) ?? op.at;
    },
  };
  return runPickle(bytes, dialect, fail, dataOffsets);
}
const ITEMSIZE: Record<string, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, f2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8 };

/**
 * Any number of the 1000 classes can be kept (labels are 16-bit); the default is NAS-Bench-201's
 * ImageNet16-120 subset, the first 120 classes.
 */
export const IMAGENET_DEFAULT_CLASSES = 120;
const MAX_CLASSES = Math.min(IMAGENET_CLASSES, DATASET_MAX_CLASSES);

/**
 * Reads one batch file: `size` is the image side (16 or 32). Labels (1-based in the file) become
 * 0-based; only images whose label is among the first `classes` are kept (as in ImageNet16-120).
 */
export function readImagenetBatch(file: string, size: 16 | 32, classes = IMAGENET_DEFAULT_CLASSES): ImageDataset {
  if (!Number.isInteger(classes) || classes < 1 || classes > MAX_CLASSES) throw new UsageError(`downsampled ImageNet: classes must be an integer in 1..${MAX_CLASSES}, got ${classes}`);
  const bytes = readDatasetFile(file, (size, head) => {
    if (size < 2 || head[0] !== 0x80) {
      throw new DatasetFileError(file, 0, 'not a binary Python pickle (expected the byte 0x80 first); expected a downsampled-ImageNet batch file such as train_data_batch_1 or val_data');
    }
  });
  const root = readPickle(file, bytes);
  if (!(root instanceof PyDict)) throw new DatasetFileError(file, 0, 'the pickle is not a dict with "data" and "labels"');
  const data = root.map.get('data');
  const labels = root.map.get('labels');
  if (!(data instanceof PyNdarray) || data.data === null) throw new DatasetFileError(file, root.at.get('data') ?? 0, '"data" is missing or not a numpy array');
  if (!(labels instanceof PyList)) throw new DatasetFileError(file, root.at.get('labels') ?? 0, '"labels" is missing or not a list');
  const dtypeAt = root.at.get('data')!;
  const code = data.dtype!.code.replace(/^[<>|=]/, '');
  if (code !== 'u1') throw new DatasetFileError(file, dtypeAt, `"data" has dtype ${nameOf(data.dtype!.code)}, expected uint8 (u1)`);
  if (data.fortran) throw new DatasetFileError(file, dtypeAt, '"data" is stored in Fortran order, expected C order');
  const row = 3 * size * size;
  const n = data.shape[0];
  if (data.shape.length !== 2 || data.shape[1] !== row) {
    throw new DatasetFileError(file, dtypeAt, `"data" has shape (${data.shape.join(', ')}), expected (N, ${row}) for ${size}×${size} RGB images`);
  }
  const expected = n * row * (ITEMSIZE[code] ?? 1);
  if (data.data.length !== expected) {
    throw new DatasetFileError(file, data.dataAt, `"data" does not hold the ${expected} bytes that shape (${data.shape.join(', ')}) needs`);
  }
  if (labels.items.length !== n) {
    throw new DatasetFileError(file, root.at.get('labels')!, `${labels.items.length} labels for ${n} images`);
  }
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = labels.items[i];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 1 || y > 1000) {
      throw new DatasetFileError(file, labels.at[i], `the label of image ${i} is not an integer in 1..1000`);
    }
    if (y <= classes) keep.push(i);
  }
  const pixels = size * size;
  const images = new Uint8Array(keep.length * row);
  const out = new Uint16Array(keep.length);
  keep.forEach((src, k) => {
    chwToHwc(data.data!, src * row, images, k * row, 3, pixels);
    out[k] = (labels.items[src] as number) - 1;
  });
  return { name: path.basename(file), images, labels: out, n: keep.length, height: size, width: size, channels: 3, classes };
}

/** Loads and joins downsampled-ImageNet batch files, keeping the first `classes` classes (default 120, e.g. "imagenet16-120"). */
export function loadImagenetDownsampled(files: readonly string[], size: 16 | 32, classes = IMAGENET_DEFAULT_CLASSES, name = `imagenet${size}-${classes}`): ImageDataset {
  if (size !== 16 && size !== 32) throw new Error(`downsampled ImageNet: size must be 16 or 32, got ${size}`);
  if (!Number.isInteger(classes) || classes < 1 || classes > MAX_CLASSES) {
    throw new UsageError(`downsampled ImageNet: classes must be an integer in 1..${MAX_CLASSES} (ImageNet has ${IMAGENET_CLASSES}), got ${classes}`);
  }
  return concatDatasets(name, files.map((f) => readImagenetBatch(f, size, classes)));
}
