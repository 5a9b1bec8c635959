import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as yauzl from 'yauzl';
import { PyDict, PyGlobal, PyList, PyTuple, pyNameOf, runPickle, runPickleAt, type PickleDialect } from './pickle';
import { openRegularFile, readAll, UnsafeFileError } from './safe-file';
import { UsageError } from './usage-error';

/*
 * PyTorch's checkpoint format (torch.save since 1.6, `_use_new_zipfile_serialization`), read
 * strictly and without running anything. The file is a zip archive (entries STORED) under one
 * top folder <name>/:
 *   <name>/data.pkl    a pickle of the saved object; each tensor is
 *                      torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 *                      backward_hooks[, metadata]) and each storage a persistent id
 *                      ('storage', torch.<Type>Storage, key, location, numel);
 *   <name>/data/<key>  the raw bytes of storage <key>;
 *   <name>/byteorder   "little" or "big" (absent before torch 1.13: little);
 *   <name>/version, .format_version, .storage_alignment, .data/serialization_id: not needed.
 * The pickle may name only collections.OrderedDict (a state_dict and its `_metadata`), the tensor
 * rebuilder and the storage types; anything else (a pickled module, a lambda, os.system) is
 * refused with its byte offset before anything is built. The legacy format (torch < 1.6: a
 * stream of pickles and raw storages, readLegacy) is read with the same dialect.
 */

/** The largest checkpoint read (OFA's w1.2 supernet is ~40 MB). */
export const MAX_TORCH_CHECKPOINT_BYTES = 1024 * 1024 * 1024;

export class TorchCheckpointError extends UsageError {
  override name = 'TorchCheckpointError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Storage classes torch.save names, their dtype and element size. */
const STORAGES: Record<string, { dtype: TorchDtype; itemsize: number }> = {
  'torch.FloatStorage': { dtype: 'float32', itemsize: 4 },
  'torch.DoubleStorage': { dtype: 'float64', itemsize: 8 },
  'torch.HalfStorage': { dtype: 'float16', itemsize: 2 },
  'torch.BFloat16Storage': { dtype: 'bfloat16', itemsize: 2 },
  'torch.LongStorage': { dtype: 'int64', itemsize: 8 },
  'torch.IntStorage': { dtype: 'int32', itemsize: 4 },
  'torch.ShortStorage': { dtype: 'int16', itemsize: 2 },
  'torch.CharStorage': { dtype: 'int8', itemsize: 1 },
  'torch.ByteStorage': { dtype: 'uint8', itemsize: 1 },
  'torch.BoolStorage': { dtype: 'bool', itemsize: 1 },
};
export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
const REBUILD = 'torch._utils._rebuild_tensor_v2';
const ORDERED_DICT = 'collections.OrderedDict';
const GLOBALS = new Set([ORDERED_DICT, REBUILD, ...Object.keys(STORAGES)]);

class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly itemsize: number,
    readonly numel: number,
  ) {}
}

/** One tensor of the checkpoint: a strided view of a storage (elements, not bytes). */
export interface TorchTensor {
  dtype: TorchDtype;
  shape: number[];
  stride: number[];
  offset: number;
  storage: string;
}

export interface TorchCheckpoint {
  file: string;
  /** The state_dict: tensor name → tensor, in the file's order. */
  tensors: Map<string, TorchTensor>;
  /** Raw bytes of each storage record (little-endian). */
  storages: Map<string, Uint8Array>;
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The values of a float32 tensor, in row-major order of its shape (strides and offset applied). */
export function float32Values(ckpt: TorchCheckpoint, key: string): Float32Array {
  const t = ckpt.tensors.get(key);
  if (!t) throw new TorchCheckpointError(ckpt.file, `no tensor "${key}"`);
  if (t.dtype !== 'float32') throw new TorchCheckpointError(ckpt.file, `"${key}" is ${t.dtype}, expected float32`);
  const raw = ckpt.storages.get(t.storage)!;
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const n = numel(t.shape);
  const contiguous = t.shape.every((_, i) => t.shape[i] === 1 || t.stride[i] === numel(t.shape.slice(i + 1)));
  if (contiguous) return all.slice(t.offset, t.offset + n);
  const out = new Float32Array(n);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = t.offset;
    for (let d = 0; d < idx.length; d++) src += idx[d] * t.stride[d];
    out[i] = all[src];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

interface ZipEntries {
  names: string[];
  read(name: string): Promise<Buffer>;
  close(): void;
}

function openZip(file: string, bytes: Buffer): Promise<ZipEntries> {
  return new Promise((resolve, reject) => {
    // strictFileNames: a name with "\" or "..", or an absolute one, is an error (not a path to follow).
    yauzl.fromBuffer(bytes, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(new TorchCheckpointError(file, `not a PyTorch checkpoint (not a readable zip archive: ${err?.message ?? 'unknown error'}, nor torch.save's legacy stream`));
      const entries = new Map<string, yauzl.Entry>();
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName, e);
        zip.readEntry();
      });
      zip.on('error', (e: Error) => reject(new TorchCheckpointError(file, `damaged zip archive: ${e.message}`)));
      zip.on('end', () =>
        resolve({
          names: [...entries.keys()],
          read: (name) =>
            new Promise((res, rej) => {
              const e = entries.get(name)!;
              if (e.compressionMethod !== 0 && e.compressionMethod !== 8) return rej(new TorchCheckpointError(file, `${name}: zip compression method ${e.compressionMethod} is not supported`));
              zip.openReadStream(e, (er, stream) => {
                if (er || !stream) return rej(new TorchCheckpointError(file, `${name}: ${er?.message ?? 'cannot read'}`));
                const parts: Buffer[] = [];
                stream.on('data', (c: Buffer) => parts.push(c));
                stream.on('error', (x: Error) => rej(new TorchCheckpointError(file, `${name}: ${x.message}`)));
                stream.on('end', () => res(Buffer.concat(parts)));
              });
            }),
          close: () => zip.close(),
        }),
      );
      zip.readEntry();
    });
  });
}

function readFileBytes(file: string): Buffer {
  let opened;
  try {
    opened = openRegularFile(file, MAX_TORCH_CHECKPOINT_BYTES, 'a PyTorch checkpoint');
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new TorchCheckpointError(file, e.detail);
    throw e;
  }
  try {
    return readAll(opened, MAX_TORCH_CHECKPOINT_BYTES);
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new TorchCheckpointError(file, e.detail);
    throw e;
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** The SHA-256 of a checkpoint file (hex), read under the same limits as the checkpoint itself. */
export function sha256OfTorchCheckpoint(file: string): string {
  return createHash('sha256').update(readFileBytes(file)).digest('hex');
}

/** The pickle dialect of torch.save: storages as persistent ids (zip: 5-tuples; legacy: 6-tuples with view metadata), tensors, OrderedDicts. */
function torchDialect(storages: Map<string, StorageRef>, legacy: boolean): PickleDialect {
  return {
    globals: GLOBALS,
    allowedHint: '(a PyTorch checkpoint here holds only tensors in dicts: OrderedDict, _rebuild_tensor_v2 and storage types)',
    subsetHint: 'that torch.save writes for a state_dict',
    keyHint: 'dict key is not a string (not a state_dict?)',
    persistentLoad(pid, op) {
      const p = pid instanceof PyTuple ? pid.items : [];
      const [tag, type, key, , n, view] = p;
      if (p.length !== (legacy ? 6 : 5) || tag !== 'storage' || !(type instanceof PyGlobal) || typeof key !== 'string' || !Number.isInteger(n)) {
        return op.fail(`persistent id is not ('storage', type, key, location, numel${legacy ? ', view' : ''})`);
      }
      if (legacy && view !== null) return op.fail('a storage view (a tensor saved as a view of another storage) is not supported; save a state_dict of contiguous tensors');
      const kind = STORAGES[type.qualified];
      if (!kind) return op.fail(`${pyNameOf(type.qualified)} is not a storage type`);
      if (!/^\w{1,40}$/.test(key)) return op.fail('storage key is not a plain name');
      const prev = storages.get(key);
      if (prev && (prev.dtype !== kind.dtype || prev.numel !== n)) return op.fail(`storage ${key} is declared twice with different types or sizes`);
      const ref = prev ?? new StorageRef(key, kind.dtype, kind.itemsize, n as number);
      storages.set(key, ref);
      return ref;
    },
    reduce(fn, args, op) {
      const a = args.items;
      if (fn.qualified === ORDERED_DICT) {
        if (a.length !== 0) return op.fail('OrderedDict called with arguments');
        return new PyDict();
      }
      if (fn.qualified !== REBUILD) return op.fail(`${pyNameOf(fn.qualified)} cannot be called`);
      const [storage, offset, size, stride] = a;
      if (a.length < 6 || a.length > 7 || !(storage instanceof StorageRef) || !Number.isInteger(offset) || !(size instanceof PyTuple) || !(stride instanceof PyTuple)) {
        return op.fail('_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, requires_grad, hooks[, metadata])');
      }
      const shape = size.items, strides = stride.items;
      if (shape.length !== strides.length || ![...shape, ...strides].every((v) => Number.isInteger(v) && (v as number) >= 0)) return op.fail('tensor size and stride are not matching tuples of non-negative integers');
      const t: TorchTensor = { dtype: storage.dtype, shape: shape as number[], stride: strides as number[], offset: offset as number, storage: storage.key };
      const last = numel(t.shape) === 0 ? t.offset : t.offset + t.shape.reduce((s, d, i) => s + (d - 1) * t.stride[i], 0);
      if (t.offset < 0 || (numel(t.shape) > 0 && last >= storage.numel)) return op.fail(`tensor reaches element ${last} of storage ${storage.key}, which has ${storage.numel}`);
      return t;
    },
    build(obj, state, op) {
      // OrderedDict.__reduce__ passes the instance's __dict__ ({"_metadata": …}) as BUILD state.
      if (!(obj instanceof PyDict) || !(state instanceof PyDict)) return op.fail('BUILD on something other than a dict');
    },
  };
}

/** The saved object's state_dict: itself when it is a dict of tensors, or its "state_dict" entry. */
function stateDictOf(file: string, top: unknown): Map<string, TorchTensor> {
  const dict = top instanceof PyDict && top.map.get('state_dict') instanceof PyDict ? (top.map.get('state_dict') as PyDict) : top;
  if (!(dict instanceof PyDict)) throw new TorchCheckpointError(file, 'the checkpoint holds no state_dict (a dict of tensors, or a dict with a "state_dict" entry)');
  const tensors = new Map<string, TorchTensor>();
  for (const [k, v] of dict.map) {
    if (!v || typeof v !== 'object' || !('storage' in v)) throw new TorchCheckpointError(file, `state_dict entry "${pyNameOf(k)}" is not a tensor`);
    tensors.set(k, v as TorchTensor);
  }
  return tensors;
}

/** torch.save's legacy magic number 0x1950a86a20f9469cfc6c, as protocol 2 pickles it. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
const PLAIN: PickleDialect = {
  globals: new Set(),
  allowedHint: '(the header of a legacy PyTorch checkpoint holds plain data)',
  subsetHint: 'of a legacy PyTorch checkpoint header',
  keyHint: 'dict key is not a string',
  reduce: (_fn, _args, op) => op.fail('nothing may be called here'),
};

/**
 * torch.save's legacy format (torch < 1.6, `_use_new_zipfile_serialization=False`; OFA's
 * published files may be of this kind): five things in a row — the magic-number pickle, the
 * protocol version (1001), sys_info {protocol_version, little_endian, type_sizes}, the object
 * (storages as ('storage', type, key, location, numel, view) persistent ids), the list of
 * storage keys — then, per key in that order, an int64 element count and the raw elements.
 */
function readLegacy(file: string, bytes: Uint8Array): TorchCheckpoint {
  if (bytes.length < LEGACY_MAGIC.length || LEGACY_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new TorchCheckpointError(file, 'a pickle but not a PyTorch checkpoint (no torch.save magic number); torch.save writes a zip archive (torch ≥ 1.6) or a legacy stream that starts with it');
  }
  const fail = (at: number, detail: string): never => {
    throw new TorchCheckpointError(file, `byte ${at}: ${detail}`);
  };
  let pos = LEGACY_MAGIC.length;
  const next = (d: PickleDialect) => {
    const r = runPickleAt(bytes, pos, d, fail);
    pos = r.end;
    return r.value;
  };
  const version = next(PLAIN);
  if (version !== 1001) fail(pos, `legacy protocol version ${typeof version === 'number' ? version : '(not a number)'}; 1001 is read`);
  const sys = next(PLAIN);
  if (!(sys instanceof PyDict) || sys.map.get('little_endian') !== true) fail(pos, 'the checkpoint was not written on a little-endian machine (sys_info.little_endian is not True)');
  const storages = new Map<string, StorageRef>();
  const tensors = stateDictOf(file, next(torchDialect(storages, true)));
  const keys = next(PLAIN);
  if (!(keys instanceof PyList) || !keys.items.every((k) => typeof k === 'string')) return fail(pos, 'the storage key list is not a list of names');
  const raw = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.items as string[]) {
    const ref = storages.get(key);
    if (!ref) return fail(pos, `storage ${pyNameOf(key)} is listed but no tensor uses it`);
    if (pos + 8 > bytes.length) return fail(pos, `truncated: storage ${key} is missing`);
    const n = Number(view.getBigInt64(pos, true));
    if (n !== ref.numel) return fail(pos, `storage ${key} holds ${n} elements, the pickle says ${ref.numel}`);
    const len = n * ref.itemsize;
    if (pos + 8 + len > bytes.length) return fail(pos, `truncated: storage ${key} needs ${len} bytes, the file has ${bytes.length - pos - 8} left`);
    raw.set(key, bytes.subarray(pos + 8, pos + 8 + len));
    pos += 8 + len;
  }
  for (const ref of storages.values()) if (!raw.has(ref.key)) fail(pos, `storage ${ref.key} has no data in the file`);
  return { file, tensors, storages: raw };
}

/**
 * The state_dict in a checkpoint file: the saved object itself when it is a dict of tensors, or
 * its "state_dict" entry (OFA's published files: {"state_dict": …, …}). Every entry must be a
 * tensor of a storage in the archive, inside that storage's bounds. Both of torch.save's formats
 * are read: the zip archive (torch ≥ 1.6) and the legacy stream.
 */
export async function readTorchCheckpoint(file: string): Promise<TorchCheckpoint> {
  const bytes = readFileBytes(file);
  if (bytes.length >= 2 && bytes[0] === 0x80) return readLegacy(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const zip = await openZip(file, bytes);
  try {
    const pkls = zip.names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkls.length !== 1) throw new TorchCheckpointError(file, `a zip archive but not a PyTorch checkpoint: expected one <name>/data.pkl, found ${pkls.length}`);
    const root = pkls[0].slice(0, -'data.pkl'.length);
    if (zip.names.includes(`${root}byteorder`)) {
      const order = (await zip.read(`${root}byteorder`)).toString('latin1');
      if (order !== 'little') throw new TorchCheckpointError(file, `byte order "${pyNameOf(order)}": only little-endian checkpoints are read`);
    }
    const storages = new Map<string, StorageRef>();
    const fail = (at: number, detail: string): never => {
      throw new TorchCheckpointError(file, `${root}data.pkl (byte ${at}): ${detail}`);
    };
    const tensors = stateDictOf(file, runPickle(await zip.read(pkls[0]), torchDialect(storages, false), fail));
    const raw = new Map<string, Uint8Array>();
    for (const ref of storages.values()) {
      const name = `${root}data/${ref.key}`;
      if (!zip.names.includes(name)) throw new TorchCheckpointError(file, `storage record ${name} is missing`);
      const b = await zip.read(name);
      if (b.length !== ref.numel * ref.itemsize) throw new TorchCheckpointError(file, `storage record ${name} has ${b.length} bytes, its ${ref.numel} ${ref.dtype} elements need ${ref.numel * ref.itemsize}`);
      raw.set(ref.key, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    return { file, tensors, storages: raw };
  } finally {
    zip.close();
  }
}
