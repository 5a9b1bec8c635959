import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src-main/node/checkpoint-codec';
import { checkCheckpointFits, checkpointOrigin } from '../../src-main/node/checkpoint-fit';
import { readCheckpoint, RUN_FILES, writeCheckpoint } from '../../src-main/node/run-folder';
import { runConfigFromOptions } from '../../src-main/node/run-config';
import { readSupernetCheckpoint, SUPERNET_CHECKPOINT_FILE } from '../../src-main/node/supernet-checkpoint';
import { tempDir } from '../helpers/fixture-tables';

const value = () => ({ version: 1, loop: { step: 7, best: null }, weights: Float32Array.from([1, 2.5, -3]), moments: Float64Array.from([0.25, 1e-9]), tag: 'é' });

/** The version-1 layout (no checksum) that runs written before checksums hold. */
function encodeV1(v: unknown): Buffer {
  const enc = encodeCheckpoint(v);
  const len = enc.readUInt32LE(4);
  const json = enc.subarray(40, 40 + len);
  const dataStart2 = Math.ceil((40 + len) / 8) * 8;
  const dataStart1 = Math.ceil((8 + len) / 8) * 8;
  const out = Buffer.alloc(dataStart1 + (enc.length - dataStart2));
  out.writeUInt32LE(0x4b43324c, 0);
  out.writeUInt32LE(len, 4);
  json.copy(out, 8);
  enc.subarray(dataStart2).copy(out, dataStart1);
  return out;
}

const refusal = (buf: Buffer, where = '/runs/x/checkpoint.bin') => {
  try {
    decodeCheckpoint(buf, where);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message.startsWith(`${where}: `)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('checkpoint codec', () => {
  it('round-trips typed arrays bit-exactly', () => {
    expect(decodeCheckpoint(encodeCheckpoint(value()))).toEqual(value());
  });

  it('refuses a checkpoint with any single bit flipped, naming the file', () => {
    const good = encodeCheckpoint(value());
    // every byte of the length, the hash, the JSON and the data
    for (let at = 4; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      expect(refusal(bad)).toMatch(/checksum mismatch|truncated/);
    }
  });

  it('refuses data overwritten with NaN (checksum), and a state holding NaN (finite check)', () => {
    const good = encodeCheckpoint(value());
    const nanned = Buffer.from(good);
    nanned.fill(0xff, good.length - 16); // the f64 moments as NaN bytes
    expect(refusal(nanned)).toMatch(/checksum mismatch/);
    const v = value();
    v.weights[1] = NaN;
    expect(refusal(encodeCheckpoint(v))).toMatch(/array "weights" holds NaN at index 1/);
    v.weights[1] = Infinity;
    expect(refusal(encodeCheckpoint(v))).toMatch(/holds Infinity/);
  });

  it('still reads version-1 checkpoints (no checksum); their bad JSON names the file', () => {
    expect(decodeCheckpoint(encodeV1(value()))).toEqual(value());
    const v1 = encodeV1(value());
    v1[9] = '}'.charCodeAt(0);
    expect(refusal(v1)).toMatch(/bad JSON in the checkpoint/);
  });

  it('refuses files that are not checkpoints or are cut short', () => {
    expect(refusal(Buffer.from('hello world, not a checkpoint'))).toMatch(/not a L²NAS checkpoint file/);
    expect(refusal(Buffer.alloc(3))).toMatch(/not a L²NAS checkpoint file/);
    const good = encodeCheckpoint(value());
    expect(refusal(good.subarray(0, 20))).toMatch(/truncated/);
    expect(refusal(good.subarray(0, good.length - 4))).toMatch(/checksum mismatch/);
  });

  it('readCheckpoint and readSupernetCheckpoint name the damaged file', () => {
    const dir = tempDir('ckpt');
    writeCheckpoint(dir, value());
    const f = path.join(dir, RUN_FILES.checkpoint);
    const b = fs.readFileSync(f);
    b[b.length - 1] ^= 1;
    fs.writeFileSync(f, b);
    expect(() => readCheckpoint(dir)).toThrow(`${f}: checksum mismatch`);
    const s = path.join(dir, SUPERNET_CHECKPOINT_FILE);
    fs.writeFileSync(s, b);
    expect(() => readSupernetCheckpoint(dir)).toThrow(`${s}: checksum mismatch`);
    fs.writeFileSync(s, encodeCheckpoint({ version: 1, fingerprint: 'x' }));
    expect(() => readSupernetCheckpoint(dir)).toThrow(CheckpointError);
  });
});

describe('checkCheckpointFits: config.json against its checkpoint', () => {
  const config = (o: Partial<{ steps: number; seed: number; method: string; metric: string }> = {}) =>
    runConfigFromOptions({ space: 'nb201', method: o.method ?? 'l2nas', preset: 'nb201', benchmark: ['t.csv'], metric: o.metric ?? 'acc', report: [], steps: o.steps ?? 100, seed: o.seed ?? 3, set: [], backend: 'auto' });
  const cp = { loop: { step: 50 }, origin: checkpointOrigin(config()) };

  it('accepts the same settings, more steps, another backend or moved tables', () => {
    checkCheckpointFits(config(), cp, 'ck');
    checkCheckpointFits(config({ steps: 50 }), cp, 'ck');
    checkCheckpointFits({ ...config({ steps: 500 }), backend: 'cpu', estimator: { kind: 'table', files: ['moved.csv'], metric: 'acc', report: [] } }, cp, 'ck');
  });

  it('refuses steps below the checkpoint step, and another seed, method or metric, naming what differs', () => {
    expect(() => checkCheckpointFits(config({ steps: 49 }), cp, 'ck')).toThrow('config.json asks for 49 steps, but ck is already at step 50');
    expect(() => checkCheckpointFits(config({ seed: 4 }), cp, 'ck')).toThrow('seed is 4 in config.json but 3 in the checkpoint');
    expect(() => checkCheckpointFits(config({ method: 'rea' }), cp, 'ck')).toThrow(/method is "rea" in config.json but "l2nas"/);
    expect(() => checkCheckpointFits(config({ metric: 'b' }), cp, 'ck')).toThrow(/metric is "b"/);
  });

  it('checks only the step of a checkpoint made before origins were recorded', () => {
    checkCheckpointFits(config({ seed: 9 }), { loop: { step: 50 } }, 'ck');
    expect(() => checkCheckpointFits(config({ steps: 10 }), { loop: { step: 50 } }, 'ck')).toThrow(CheckpointError);
  });
});
