import * as crypto from 'node:crypto';
import { UsageError } from './usage-error';

/**
 * Checkpoint files: one JSON document whose typed arrays travel as raw little-endian bytes after
 * it, so a 40k-parameter network costs 160 kB, not a megabyte of decimal text, and restores
 * bit-exactly.
 *
 * Layout (version 2): "L2C2" magic, u32 JSON byte length, SHA-256 of everything from the length
 * on (length, then JSON, padding and data — the 32 hash bytes themselves excepted), JSON,
 * padding to 8, data. The hash is why a bit flip, a half-overwritten file or bytes replaced by
 * NaNs is refused with the file named instead of resumed into a different run. Version-1 files
 * ("L2CK", no hash) are still read: the layout differs only by the missing hash.
 */
const MAGIC_V1 = 0x4b43324c; // "L2CK" little-endian
const MAGIC = 0x3243324c; // "L2C2" little-endian
const HASH_BYTES = 32;
const HEADER_V1 = 8;
const HEADER = 8 + HASH_BYTES;

type ArrayKind = 'f32' | 'f64';

/** A checkpoint that cannot be used: damaged, not a checkpoint, or not this run's. Named by its file; the CLI exits 2. */
export class CheckpointError extends UsageError {
  override name = 'CheckpointError';
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

function checksum(buf: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(buf.subarray(4, 8)).update(buf.subarray(HEADER)).digest();
}

export function encodeCheckpoint(value: unknown): Buffer {
  const chunks: { bytes: Uint8Array; offset: number }[] = [];
  let size = 0;
  const json = JSON.stringify(value, (_k, v) => {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      const kind: ArrayKind = v instanceof Float32Array ? 'f32' : 'f64';
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      size = align8(size);
      chunks.push({ bytes, offset: size });
      const ref = { $typed: kind, offset: size, length: v.length };
      size += bytes.length;
      return ref;
    }
    return v;
  });
  const head = Buffer.from(json, 'utf8');
  const dataStart = align8(HEADER + head.length);
  const out = Buffer.alloc(dataStart + size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(head.length, 4);
  head.copy(out, HEADER);
  for (const c of chunks) out.set(c.bytes, dataStart + c.offset);
  checksum(out).copy(out, 8);
  return out;
}

const DAMAGED = 'the file is damaged and is not resumed (delete it to start the run over, or restore a good copy)';

/** Decodes a checkpoint; every refusal names `where` (the file) and says why. */
export function decodeCheckpoint(buf: Buffer, where = 'checkpoint'): unknown {
  const magic = buf.length >= HEADER_V1 ? buf.readUInt32LE(0) : 0;
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new CheckpointError(`${where}: not a L²NAS checkpoint file`);
  const header = magic === MAGIC ? HEADER : HEADER_V1;
  if (buf.length < header) throw new CheckpointError(`${where}: truncated (${buf.length} bytes, shorter than its header); ${DAMAGED}`);
  if (magic === MAGIC && !checksum(buf).equals(buf.subarray(8, HEADER))) {
    throw new CheckpointError(`${where}: checksum mismatch: ${DAMAGED}`);
  }
  const len = buf.readUInt32LE(4);
  if (header + len > buf.length) throw new CheckpointError(`${where}: truncated (header says ${len} bytes of JSON, file has ${buf.length - header})`);
  const dataStart = align8(header + len);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(header, header + len));
  } catch {
    throw new CheckpointError(`${where}: its JSON part is not UTF-8; ${DAMAGED}`);
  }
  try {
    return JSON.parse(json, (key, v) => {
      if (v && typeof v === 'object' && (v.$typed === 'f32' || v.$typed === 'f64')) {
        const Ctor = v.$typed === 'f32' ? Float32Array : Float64Array;
        if (!Number.isInteger(v.offset) || !Number.isInteger(v.length) || v.offset < 0 || v.length < 0) {
          throw new CheckpointError(`${where}: array "${key}" has a bad offset or length; ${DAMAGED}`);
        }
        const start = dataStart + v.offset;
        const end = start + v.length * Ctor.BYTES_PER_ELEMENT;
        if (end > buf.length) throw new CheckpointError(`${where}: truncated (an array ends at byte ${end} of ${buf.length})`);
        const copy = new Uint8Array(end - start);
        copy.set(buf.subarray(start, end));
        const arr = new Ctor(copy.buffer);
        // Weights, optimiser moments and replay values are finite in any run worth resuming:
        // a NaN here is damage (or a diverged run), and resuming it would silently give another run.
        const bad = arr.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) throw new CheckpointError(`${where}: array "${key}" holds ${arr[bad]} at index ${bad}; the checkpoint is not resumed (delete it to start over)`);
        return arr;
      }
      return v;
    });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${where}: bad JSON in the checkpoint (${(e as Error).message}); ${DAMAGED}`);
  }
}
