import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';

/*
 * Writes PyTorch checkpoints for tests, in the format torch.save (torch ≥ 1.6) writes: a STORED
 * zip with <name>/data.pkl (protocol-2 pickle of an OrderedDict of
 * torch._utils._rebuild_tensor_v2(persistent storage id, offset, size, stride, False,
 * OrderedDict())), <name>/data/<i> raw little-endian storages, <name>/byteorder, <name>/version.
 * CI has no torch: the tests make their fixtures with this (bench/ofa-torch-parity.py checks the
 * reader against real torch.save output once).
 */

export type FixtureDtype = 'float32' | 'float64' | 'int64';
export interface FixtureTensor {
  key: string;
  shape: number[];
  dtype?: FixtureDtype;
  /** Values in row-major order (int64: small integers). */
  values: ArrayLike<number>;
}

const STORAGE: Record<FixtureDtype, { cls: string; size: number }> = {
  float32: { cls: 'FloatStorage', size: 4 },
  float64: { cls: 'DoubleStorage', size: 8 },
  int64: { cls: 'LongStorage', size: 8 },
};

class PickleWriter {
  private readonly parts: Buffer[] = [];
  op(...bytes: number[]) {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  raw(b: Buffer) {
    this.parts.push(b);
    return this;
  }
  global(mod: string, name: string) {
    return this.op(0x63).raw(Buffer.from(`${mod}\n${name}\n`, 'latin1'));
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    const n = Buffer.alloc(4);
    n.writeUInt32LE(b.length);
    return this.op(0x58).raw(n).raw(b);
  }
  int(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.op(0x4a).raw(b);
  }
  tuple(items: number[]) {
    this.op(0x28);
    for (const v of items) this.int(v);
    return this.op(0x74);
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}

export interface WriteOptions {
  /** Wrap the state_dict as OFA's published files do: {"state_dict": …, "epoch": 0}. */
  wrap?: boolean;
  /** Replace the tensor rebuilder's global (a hostile file). */
  rebuilder?: [string, string];
  /** Use this data.pkl instead of the one written from the tensors. */
  pickle?: Buffer;
  /** Storage records written with a wrong length (key → bytes to drop). */
  shortStorage?: Record<string, number>;
  byteorder?: string;
  /** Legacy format only: sys_info.little_endian. */
  bigEndian?: boolean;
  /** Legacy format only: drop this many bytes from the end of the file. */
  truncate?: number;
}

/** data.pkl of a state_dict of `tensors`, storage i for tensor i. */
export function statePickle(tensors: FixtureTensor[], o: WriteOptions = {}, legacy = false): Buffer {
  const w = new PickleWriter().op(0x80, 2);
  if (o.wrap) w.op(0x7d, 0x28).str('state_dict');
  w.global('collections', 'OrderedDict').op(0x29, 0x52).op(0x28);
  tensors.forEach((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    w.str(t.key);
    w.global(...(o.rebuilder ?? ['torch._utils', '_rebuild_tensor_v2']));
    w.op(0x28); // args
    w.op(0x28).str('storage').global('torch', STORAGE[t.dtype ?? 'float32'].cls).str(String(i)).str('cpu').int(n);
    if (legacy) w.op(0x4e); // view metadata: None
    w.op(0x74).op(0x51); // persistent id
    w.int(0).tuple(t.shape).tuple(stride).op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52);
    w.op(0x74, 0x52);
  });
  w.op(0x75); // SETITEMS
  if (o.wrap) w.str('epoch').int(0).op(0x75);
  return w.op(0x2e).bytes();
}

function storageBytes(t: FixtureTensor): Buffer {
  const dtype = t.dtype ?? 'float32';
  const b = Buffer.alloc(t.values.length * STORAGE[dtype].size);
  for (let i = 0; i < t.values.length; i++) {
    if (dtype === 'float32') b.writeFloatLE(t.values[i], 4 * i);
    else if (dtype === 'float64') b.writeDoubleLE(t.values[i], 8 * i);
    else b.writeBigInt64LE(BigInt(t.values[i]), 8 * i);
  }
  return b;
}

/** A STORED zip of these entries (local headers, central directory, end record). */
export function storedZip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(e.data.length, 18);
    h.writeUInt32LE(e.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    locals.push(h, name, e.data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(e.data.length, 20);
    c.writeUInt32LE(e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The bytes of a checkpoint file of `tensors`, as torch.save writes it. */
export function torchCheckpointBytes(tensors: FixtureTensor[], o: WriteOptions = {}, name = 'archive'): Buffer {
  const entries = [{ name: `${name}/data.pkl`, data: o.pickle ?? statePickle(tensors, o) }];
  entries.push({ name: `${name}/byteorder`, data: Buffer.from(o.byteorder ?? 'little') });
  tensors.forEach((t, i) => {
    const b = storageBytes(t);
    entries.push({ name: `${name}/data/${i}`, data: b.subarray(0, b.length - (o.shortStorage?.[t.key] ?? 0)) });
  });
  entries.push({ name: `${name}/version`, data: Buffer.from('3\n') });
  return storedZip(entries);
}

/**
 * The same state_dict in torch.save's legacy format (torch < 1.6): magic-number, protocol and
 * sys_info pickles, the object, the storage-key list, then each storage as an int64 count + data.
 */
export function torchLegacyBytes(tensors: FixtureTensor[], o: WriteOptions = {}): Buffer {
  const magic = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  const version = Buffer.from([0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e]);
  const sys = new PickleWriter().op(0x80, 2, 0x7d, 0x28).str('protocol_version').int(1001).str('little_endian').op(o.bigEndian ? 0x89 : 0x88).op(0x75, 0x2e).bytes();
  const keys = new PickleWriter().op(0x80, 2, 0x5d, 0x28);
  tensors.forEach((_, i) => keys.str(String(i)));
  keys.op(0x65, 0x2e);
  const data = tensors.flatMap((t) => {
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(t.values.length));
    const b = storageBytes(t);
    return [n, b.subarray(0, b.length - (o.shortStorage?.[t.key] ?? 0))];
  });
  const all = Buffer.concat([magic, version, sys, o.pickle ?? statePickle(tensors, o, true), keys.bytes(), ...data]);
  return all.subarray(0, all.length - (o.truncate ?? 0));
}
