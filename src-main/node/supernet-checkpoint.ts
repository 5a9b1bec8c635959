import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RngState } from '../common/rng';
import type { EpochReport, SupernetTrainerState } from '../core/supernet/supernet-trainer';
import type { NamedTensors } from '../core/supernet/param-store';
import { writeFileAtomic } from './atomic-write';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';

/**
 * The supernet training checkpoint in a run folder, written atomically after every epoch
 * (weights, SGD momentum buffers, RNG state, epoch, Acc(Env) and the epoch reports), so a run
 * killed mid-training resumes from its last finished epoch and ends exactly as an uninterrupted
 * run. Same binary codec as the search checkpoint (checkpoint-codec.ts).
 */
export const SUPERNET_CHECKPOINT_FILE = 'supernet-checkpoint.bin';
const VERSION = 1;

export interface SupernetCheckpoint {
  /** What the training depends on (settings, seed); a checkpoint of other settings is refused. */
  fingerprint: string;
  state: SupernetTrainerState;
  reports: EpochReport[];
  /** Seconds spent training so far, over every process that worked on this run. */
  seconds: number;
}

export function writeSupernetCheckpoint(dir: string, c: SupernetCheckpoint): void {
  writeFileAtomic(path.join(dir, SUPERNET_CHECKPOINT_FILE), encodeCheckpoint({ version: VERSION, ...c }));
}

function isNamedTensors(v: unknown): v is NamedTensors {
  return !!v && typeof v === 'object' && Object.values(v).every((t) => t && typeof t === 'object' && Array.isArray((t as { shape?: unknown }).shape) && (t as { values?: unknown }).values instanceof Float32Array);
}

/** The folder's checkpoint, or null when there is none; throws naming the file when it is damaged. */
export function readSupernetCheckpoint(dir: string): SupernetCheckpoint | null {
  const f = path.join(dir, SUPERNET_CHECKPOINT_FILE);
  if (!fs.existsSync(f)) return null;
  const raw = decodeCheckpoint(fs.readFileSync(f), f) as { version?: unknown; fingerprint?: unknown; state?: Partial<SupernetTrainerState>; reports?: unknown; seconds?: unknown };
  const s = raw.state;
  const ok =
    raw.version === VERSION && typeof raw.fingerprint === 'string' && Array.isArray(raw.reports) && typeof raw.seconds === 'number' && !!s &&
    Number.isInteger(s.epoch) && typeof s.accEnv === 'number' && Array.isArray(s.rng) && s.rng.length === 4 && (s.rng as RngState).every((v) => Number.isInteger(v)) &&
    isNamedTensors(s.params) && isNamedTensors(s.momentum);
  if (!ok) throw new CheckpointError(`${f}: not a supernet checkpoint of version ${VERSION} (delete it to train from scratch)`);
  return raw as SupernetCheckpoint;
}
