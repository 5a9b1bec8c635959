import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RngState } from '../common/rng';
import { TrainConfigSchema, TrainEpochSchema, TrainResultSchema, type TrainConfig, type TrainEpoch, type TrainResult } from '../contracts/train';
import { buildNetwork } from '../core/network/build';
import type { NetworkDescription } from '../core/network/network';
import type { ImageData } from '../core/supernet/image-data';
import type { NamedTensors } from '../core/supernet/param-store';
import { CheckpointError, decodeCheckpoint } from './checkpoint-codec';
import { OFA_NET_CONFIG_FILE, OFA_SUBNET_FILE, type NetworkExportFormat } from './exporters/network-export';
import { TFJS_WEIGHTS_FILE } from './exporters/tfjs-graph';
import { UsageError } from './usage-error';

/*
 * Reading a training run's folder (train-session.ts writes it) without TF.js, so the run manager
 * (also in the app's main process, which never loads TF.js) can list and describe training runs.
 */

export const TRAIN_FILES = { config: 'config.json', network: 'network.json', checkpoint: 'train-checkpoint.bin', history: 'history.json', result: 'result.json' } as const;
export const CHECKPOINT_VERSION = 1;

export interface TrainCheckpoint {
  version: number;
  kind: 'train';
  epoch: number;
  rng: RngState;
  weights: NamedTensors;
  momentum: NamedTensors;
  history: TrainEpoch[];
  /** Per-channel mean and std of pixel/255 on the training images (the exported model's preprocessing). */
  stats: { mean: number[]; std: number[] };
}

export function readTrainConfig(dir: string): TrainConfig {
  const f = path.join(dir, TRAIN_FILES.config);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new UsageError(`${f}: cannot read a training config (${(e as Error).message.slice(0, 120)})`);
  }
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`${f}: not a valid training config (${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 300)})`);
  return r.data;
}


export function readTrainCheckpoint(dir: string): TrainCheckpoint | null {
  const f = path.join(dir, TRAIN_FILES.checkpoint);
  if (!fs.existsSync(f)) return null;
  const c = decodeCheckpoint(fs.readFileSync(f), f) as TrainCheckpoint;
  if (c?.kind !== 'train' || c.version !== CHECKPOINT_VERSION) throw new CheckpointError(`${f}: not a version-${CHECKPOINT_VERSION} training checkpoint`);
  return c;
}

export function readTrainResult(dir: string): TrainResult | null {
  const f = path.join(dir, TRAIN_FILES.result);
  return fs.existsSync(f) ? TrainResultSchema.parse(JSON.parse(fs.readFileSync(f, 'utf8'))) : null;
}

/** The network a training config describes (input shape from the dataset). */
export function trainNetwork(config: TrainConfig, data: Pick<ImageData, 'height' | 'width' | 'channels' | 'classes'>): NetworkDescription {
  if (data.height !== data.width) throw new UsageError(`dataset images are ${data.height}×${data.width}; the network builders take square images`);
  return buildNetwork(config.space, config.arch, {
    channels: config.settings.channels,
    layers: config.settings.layers,
    classes: data.classes,
    input: data.height,
    inChannels: data.channels,
    auxiliary: config.space === 'darts' && config.settings.auxWeight > 0 ? undefined : false,
  });
}

/**
 * The network of a training folder, rebuilt from its config and the input shape recorded in
 * network.json at the start (so exporting needs neither the dataset files nor trust in a
 * description read from disk: only its input size and classes are taken from there).
 */
export function readTrainNetwork(dir: string, config: TrainConfig): NetworkDescription {
  const f = path.join(dir, TRAIN_FILES.network);
  let saved: { input?: unknown; classes?: unknown };
  try {
    saved = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new UsageError(`${f}: cannot read the network description (${(e as Error).message.slice(0, 120)})`);
  }
  const input = saved.input as number[];
  if (!Array.isArray(input) || input.length !== 3 || !input.every((v) => Number.isInteger(v)) || !Number.isInteger(saved.classes)) throw new UsageError(`${f}: no input [H, W, C] and classes in the network description`);
  return trainNetwork(config, { height: input[0], width: input[1], channels: input[2], classes: saved.classes as number });
}

/** The finished epochs as history.json records them (written after each epoch's checkpoint); none yet: empty. */
export function readTrainHistory(dir: string): TrainEpoch[] {
  const f = path.join(dir, TRAIN_FILES.history);
  if (!fs.existsSync(f)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new UsageError(`${f}: cannot read the training history (${(e as Error).message.slice(0, 120)})`);
  }
  const r = TrainEpochSchema.array().safeParse(raw);
  if (!r.success) throw new UsageError(`${f}: not a training history (${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message})`);
  return r.data;
}

/** The files each model export writes into exports/ (with a README.txt describing them all). */
export const MODEL_EXPORT_FILES: Record<NetworkExportFormat, string[]> = {
  tfjs: ['model.json', TFJS_WEIGHTS_FILE], onnx: ['model.onnx'], arch: ['architecture.txt'], layers: ['layers.csv'], ofa: [OFA_SUBNET_FILE], 'ofa-net': [OFA_NET_CONFIG_FILE],
};

/** The model exports already in a run's exports/ (formats whose files are all there). */
export function modelExportFormats(dir: string): NetworkExportFormat[] {
  const ex = path.join(dir, 'exports');
  return (Object.keys(MODEL_EXPORT_FILES) as NetworkExportFormat[]).filter((f) => MODEL_EXPORT_FILES[f].every((n) => fs.existsSync(path.join(ex, n))));
}

/** Bare names of the model export files in a run's exports/ (README.txt included when any is there). */
export function listModelExports(dir: string): string[] {
  const names = modelExportFormats(dir).flatMap((f) => MODEL_EXPORT_FILES[f]);
  return names.length ? ['README.txt', ...names] : [];
}
