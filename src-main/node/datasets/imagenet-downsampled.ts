import { Buffer } from 'node:buffer';
import * as path from 'node:path';
import { chwToHwc, concatDatasets, DatasetFileError, readDatasetFile, type ImageDataset } from './types';
import { DATASET_MAX_CLASSES } from '../../contracts/dataset';
import { UsageError } from '../usage-error';

/*
 * Downsampled ImageNet (Chrabaszcz, Loshchilov & Hutter 2017), the "official batch files"
 * (`train_data_batch_1` … `train_data_batch_10`, `val_data`): each is a Python pickle of
 *   { 'data': numpy uint8 array N×(3·s·s), one image per row as R, G, B planes (CHW),
 *     'labels': list of N ints in 1..1000,
 *     'mean': numpy float64 array (training batches only; not used here) }.
 * Reading arbitrary pickles is out of scope (and unsafe: a pickle may call any Python
 * function). Below is a small, strict interpreter for the binary pickle protocols 2–4 that
 * understands only what such a dict needs: containers, ints, strings/bytes, the memo, and
 * exactly three callables — numpy's array reconstructor, numpy.dtype and _codecs.encode
 * (Python 3's protocol-2 encoding of bytes). Anything else is rejected with its byte offset.
 */

class PyTuple {
  constructor(readonly items: unknown[]) {}
}
class PyList {
  readonly items: unknown[] = [];
  /** Byte offset of the opcode that produced each item, for error messages. */
  readonly at: number[] = [];
}
class PyDict {
  readonly map = new Map<string, unknown>();
  readonly at = new Map<string, number>();
}
class PyGlobal {
  constructor(readonly qualified: string) {}
}
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
const MARK = Symbol('mark');

const RECONSTRUCT = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct']);
const ALLOWED_GLOBALS = new Set([...RECONSTRUCT, 'numpy.ndarray', 'numpy.dtype', '_codecs.encode']);

/** Python 2 `str` (and unpickled with encoding='latin1') is a byte string; a key or name may be either. */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  return null;
}

/**
 * A name read from the pickle, repeated in a message only when it looks like a Python dotted
 * name or dtype code: arbitrary bytes of the file are never echoed.
 */
function nameOf(q: string): string {
  return /^[A-Za-z_<>|=][\w.<>|=]{0,79}$/.test(q) ? q : '(a name that is not a plain Python identifier)';
}

/** Runs the pickle in `bytes` and returns its top-level object. Exported for tests. */
export function readPickle(file: string, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const stackAt: number[] = [];
  const memo = new Map<number, unknown>();
  // Where each byte string starts, so a wrong-sized array names the offset of its data.
  const dataOffsets = new WeakMap<Uint8Array, number>();
  let pos = 0;
  let op = 0;
  let opAt = 0;
  const fail = (at: number, detail: string): never => {
    throw new DatasetFileError(file, at, detail);
  };
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail(pos, `truncated pickle: opcode 0x${op.toString(16)} at byte ${opAt} needs ${n} more bytes than the file has`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u32 = () => view.getUint32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const hi = view.getUint32(at + 4, true);
    if (hi > 0x1fffff) fail(at, 'length does not fit in memory');
    return hi * 2 ** 32 + view.getUint32(at, true);
  };
  const take = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const push = (v: unknown) => {
    stack.push(v);
    stackAt.push(opAt);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} needs a value on the stack`);
    stackAt.pop();
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} on an empty stack`);
    return stack[stack.length - 1];
  };
  const popMark = (): { items: unknown[]; at: number[] } => {
    const m = stack.lastIndexOf(MARK);
    if (m < 0) fail(opAt, `malformed pickle: opcode 0x${op.toString(16)} without a MARK`);
    const items = stack.splice(m + 1);
    const at = stackAt.splice(m + 1);
    stack.pop();
    stackAt.pop();
    return { items, at };
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail(opAt, 'string is not valid UTF-8');
    }
  };
  const setItem = (d: unknown, k: unknown, v: unknown, at: number) => {
    if (!(d instanceof PyDict)) return fail(opAt, 'malformed pickle: SETITEM(S) on something that is not a dict');
    const key = text(k);
    if (key === null) return fail(at, 'dict key is not a string (not a downsampled-ImageNet batch file?)');
    d.map.set(key, v);
    d.at.set(key, at);
  };
  const intArg = (v: unknown): number => (typeof v === 'number' ? v : fail(opAt, 'expected an integer argument'));

  const reduce = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) return fail(opAt, 'malformed pickle: REDUCE needs a callable and an argument tuple');
    const a = args.items;
    if (RECONSTRUCT.has(fn.qualified)) {
      if (!(a[0] instanceof PyGlobal) || a[0].qualified !== 'numpy.ndarray') fail(opAt, '_reconstruct of something other than numpy.ndarray');
      return new PyNdarray();
    }
    if (fn.qualified === 'numpy.dtype') {
      const code = text(a[0]);
      if (code === null) return fail(opAt, 'numpy.dtype without a type code');
      return new PyDtype(code);
    }
    // _codecs.encode(s, 'latin1'): how Python 3 pickles `bytes` in protocol 2.
    const s = text(a[0]);
    const enc = text(a[1]);
    if (s === null || (enc !== 'latin1' && enc !== 'latin-1')) return fail(opAt, `unsupported _codecs.encode call (encoding ${enc === null ? 'missing' : nameOf(enc)})`);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) fail(opAt, 'latin1-encoded bytes contain a character above U+00FF');
      out[i] = c;
    }
    return out;
  };
  const build = (obj: unknown, state: unknown): void => {
    if (!(state instanceof PyTuple)) return fail(opAt, 'malformed pickle: BUILD state is not a tuple');
    const s = state.items;
    if (obj instanceof PyDtype) {
      const order = text(s[1]);
      if (order === null) return fail(opAt, 'numpy.dtype state without a byte order');
      obj.byteorder = order;
      return;
    }
    if (!(obj instanceof PyNdarray)) return fail(opAt, 'BUILD on an object this reader does not know');
    // numpy's ndarray.__setstate__: (version, shape, dtype, is_fortran, raw data)
    if (s.length !== 5 || !(s[1] instanceof PyTuple) || !(s[2] instanceof PyDtype)) return fail(opAt, 'numpy array state is not (version, shape, dtype, fortran, data)');
    obj.shape = s[1].items.map(intArg);
    obj.dtype = s[2];
    obj.fortran = s[3] === true;
    const data = s[4];
    if (!(data instanceof Uint8Array)) return fail(opAt, 'numpy array data is not a byte string (object arrays are not supported)');
    obj.data = data;
    obj.dataAt = dataOffsets.get(data) ?? opAt;
  };

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) fail(pos, 'truncated pickle: the file ends before the STOP opcode');
    op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v < 2 || v > 5) fail(opAt, `pickle protocol ${v} is not supported (expected 2–5)`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: // STOP
        if (stack.length !== 1) fail(opAt, `malformed pickle: ${stack.length} values on the stack at STOP`);
        return stack[0];
      case 0x28: push(MARK); break;
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x5d: push(new PyList()); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark().items)); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(new PyTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PyTuple([a, b, c])); break; }
      case 0x61: { // APPEND
        const at = stackAt[stackAt.length - 1];
        const v = pop();
        const l = top();
        if (!(l instanceof PyList)) return fail(opAt, 'malformed pickle: APPEND to something that is not a list');
        l.items.push(v);
        l.at.push(at);
        break;
      }
      case 0x65: { // APPENDS
        const { items, at } = popMark();
        const l = top();
        if (!(l instanceof PyList)) return fail(opAt, 'malformed pickle: APPENDS to something that is not a list');
        for (let i = 0; i < items.length; i++) {
          l.items.push(items[i]);
          l.at.push(at[i]);
        }
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const kAt = stackAt[stackAt.length - 1];
        const k = pop();
        setItem(top(), k, v, kAt);
        break;
      }
      case 0x75: { // SETITEMS
        const { items, at } = popMark();
        if (items.length % 2 !== 0) fail(opAt, 'malformed pickle: SETITEMS with an odd number of values');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1], at[i]);
        break;
      }
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        const b = take(n);
        if (n > 6) fail(opAt, `integer of ${n} bytes is too large`);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        push(v);
        break;
      }
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT
      case 0x55: push(take(u8())); break; // SHORT_BINSTRING (Python 2 str = bytes)
      case 0x54: push(take(u32())); break; // BINSTRING
      case 0x43: push(take(u8())); break; // SHORT_BINBYTES
      case 0x42: push(take(u32())); break; // BINBYTES
      case 0x8e: push(take(u64())); break; // BINBYTES8
      case 0x8c: push(str(take(u8()))); break; // SHORT_BINUNICODE
      case 0x58: push(str(take(u32()))); break; // BINUNICODE
      case 0x8d: push(str(take(u64()))); break; // BINUNICODE8
      case 0x63: { // GLOBAL "module\nname\n"
        const line = (): string => {
          const end = bytes.indexOf(0x0a, pos);
          if (end < 0) return fail(opAt, 'truncated pickle: GLOBAL name without a newline');
          const s = text(bytes.subarray(pos, end))!;
          pos = end + 1;
          return s;
        };
        const q = `${line()}.${line()}`;
        if (!ALLOWED_GLOBALS.has(q)) fail(opAt, `the pickle refers to ${nameOf(q)}, which this reader does not load (only numpy arrays, lists and ints)`);
        push(new PyGlobal(q));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = text(pop());
        const mod = text(pop());
        const q = `${mod}.${name}`;
        if (!ALLOWED_GLOBALS.has(q)) fail(opAt, `the pickle refers to ${nameOf(q)}, which this reader does not load (only numpy arrays, lists and ints)`);
        push(new PyGlobal(q));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); push(reduce(fn, args)); break; } // REDUCE
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(opAt, `malformed pickle: memo entry ${k} was never stored`);
        push(memo.get(k));
        break;
      }
      default:
        fail(opAt, `pickle opcode 0x${op.toString(16).padStart(2, '0')} is not supported (this reader understands only the binary protocol 2–4 subset used by downsampled-ImageNet batch files)`);
    }
    if ((op === 0x55 || op === 0x54 || op === 0x43 || op === 0x42 || op === 0x8e) && stack[stack.length - 1] instanceof Uint8Array) {
      dataOffsets.set(stack[stack.length - 1] as Uint8Array, opAt);
    }
  }
}
const ITEMSIZE: Record<string, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, f2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8 };

/**
 * Labels are bytes (ImageDataset.labels is a Uint8Array), so at most 256 of the 1000 classes can
 * be kept; the default is NAS-Bench-201's ImageNet16-120 subset, the first 120 classes.
 */
export const IMAGENET_DEFAULT_CLASSES = 120;
const MAX_CLASSES = DATASET_MAX_CLASSES;

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
  const out = new Uint8Array(keep.length);
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
    throw new UsageError(`downsampled ImageNet: classes must be an integer in 1..${MAX_CLASSES} (labels are stored as bytes), got ${classes}`);
  }
  return concatDatasets(name, files.map((f) => readImagenetBatch(f, size, classes)));
}
