/**
 * Checkpoint files: one JSON document whose typed arrays travel as raw little-endian bytes after
 * it, so a 40k-parameter network costs 160 kB, not a megabyte of decimal text, and restores
 * bit-exactly. Layout: "L2CK" magic, u32 JSON byte length, JSON, padding to 8, data.
 */
const MAGIC = 0x4b43324c; // "L2CK" little-endian

type ArrayKind = 'f32' | 'f64';

export function encodeCheckpoint(value: unknown): Buffer {
  const chunks: { kind: ArrayKind; bytes: Uint8Array; offset: number }[] = [];
  let size = 0;
  const json = JSON.stringify(value, (_k, v) => {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      const kind: ArrayKind = v instanceof Float32Array ? 'f32' : 'f64';
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      size = Math.ceil(size / 8) * 8;
      chunks.push({ kind, bytes, offset: size });
      const ref = { $typed: kind, offset: size, length: v.length };
      size += bytes.length;
      return ref;
    }
    return v;
  });
  const head = Buffer.from(json, 'utf8');
  const dataStart = Math.ceil((8 + head.length) / 8) * 8;
  const out = Buffer.alloc(dataStart + size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(head.length, 4);
  head.copy(out, 8);
  for (const c of chunks) out.set(c.bytes, dataStart + c.offset);
  return out;
}

export function decodeCheckpoint(buf: Buffer, where = 'checkpoint'): unknown {
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw new Error(`${where}: not a L²NAS checkpoint file`);
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) throw new Error(`${where}: truncated (header says ${len} bytes of JSON, file has ${buf.length - 8})`);
  const dataStart = Math.ceil((8 + len) / 8) * 8;
  return JSON.parse(buf.subarray(8, 8 + len).toString('utf8'), (_k, v) => {
    if (v && typeof v === 'object' && (v.$typed === 'f32' || v.$typed === 'f64')) {
      const Ctor = v.$typed === 'f32' ? Float32Array : Float64Array;
      const start = dataStart + v.offset;
      const end = start + v.length * Ctor.BYTES_PER_ELEMENT;
      if (end > buf.length) throw new Error(`${where}: truncated (an array ends at byte ${end} of ${buf.length})`);
      const copy = new Uint8Array(end - start);
      copy.set(buf.subarray(start, end));
      return new Ctor(copy.buffer);
    }
    return v;
  });
}
