import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../common/rng';
import { TrainConfigSchema, TrainResultSchema, type TrainConfig, type TrainEpoch, type TrainResult } from '../contracts/train';
import { buildNetwork } from '../core/network/build';
import { countNetwork } from '../core/network/counts';
import { forwardNetwork, NetworkTrainer, NetworkWeights } from '../core/network/executor';
import type { NetworkDescription } from '../core/network/network';
import { channelStats, fillBatch, type ImageData } from '../core/supernet/image-data';
import type { NamedTensors } from '../core/supernet/param-store';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { selectBackend } from './backend';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';
import { loadDataset, splitHalves } from './datasets';
import { UsageError } from './usage-error';

/*
 * A training run (issue #10): one architecture's network trained from scratch in a run folder.
 * config.json (TrainConfig, kind 'train'), train-checkpoint.bin after every epoch (weights, BN
 * running statistics, momentum buffers, the run's one Rng, per-epoch history; atomic, SHA-256),
 * history.json, result.json at the end. Resume continues from the last finished epoch: the
 * epoch a kill interrupted is redone with the same Rng state, so the result is bit-identical
 * to an uninterrupted run (test/integration/train-run.test.ts).
 */

export const TRAIN_FILES = { config: 'config.json', network: 'network.json', checkpoint: 'train-checkpoint.bin', history: 'history.json', result: 'result.json' } as const;
const CHECKPOINT_VERSION = 1;
const EVAL_BATCH = 250;

interface TrainCheckpoint {
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

/** Whether `dir` holds a training run (config.json with kind 'train'); false for search runs and unreadable folders. */
export { isTrainingRun as isTrainFolder } from './run-store';

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

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  of: number;
  loss: number;
}

export interface TrainHooks {
  onBatch?: (p: TrainProgress) => void;
  onEpoch?: (e: TrainEpoch) => void;
  /** Asked between batches; 'pause' stops after writing nothing more (the last epoch checkpoint stands). */
  shouldStop?: () => boolean;
}

/** Validation loss and accuracy; read asynchronously, as every backend can (WebGPU in Node only so). */
async function evaluate(w: NetworkWeights, val: ImageData, stats: { mean: number[]; std: number[] }): Promise<{ loss: number; accuracy: number }> {
  const [h, wd, c] = w.desc.input;
  let lossSum = 0, correct = 0;
  for (let s = 0; s < val.n; s += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, val.n - s);
    const idx = Array.from({ length: n }, (_, i) => s + i);
    const buf = new Float32Array(n * h * wd * c);
    fillBatch(val, idx, stats, buf);
    const [lt, kt] = tf.tidy(() => {
      const x = tf.tensor4d(buf, [n, h, wd, c]);
      const labels = tf.tensor1d(Int32Array.from(idx, (i) => val.labels[i]), 'int32');
      const logits = forwardNetwork(w, x, { mode: 'infer' }).logits;
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, w.desc.classes), logits, undefined, undefined, tf.Reduction.SUM);
      const right = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'));
      return [loss, right];
    });
    try {
      const [l, k] = await Promise.all([lt.data(), kt.data()]);
      lossSum += l[0];
      correct += k[0];
    } finally {
      lt.dispose();
      kt.dispose();
    }
  }
  return { loss: lossSum / val.n, accuracy: (100 * correct) / val.n };
}

/**
 * Trains (or continues) the run in `dir`. Rng order: the data split, the weights'
 * initialisation, then per epoch the shuffle, cutout squares and drop-path masks.
 */
export async function trainFolder(dir: string, hooks: TrainHooks = {}): Promise<{ outcome: 'completed'; result: TrainResult } | { outcome: 'paused'; epoch: number }> {
  const config = readTrainConfig(dir);
  const t0 = performance.now();
  const backend = await selectBackend(config.backend);
  const s = config.settings;
  const ds = loadDataset(config.dataset);
  const rng = new Rng(config.seed);
  const { train: trainAll, val: valAll } = splitHalves(ds, rng);
  const px = ds.height * ds.width * ds.channels;
  const val: ImageData = s.valImages && s.valImages < valAll.n ? { ...valAll, n: s.valImages, images: valAll.images.subarray(0, s.valImages * px), labels: valAll.labels.subarray(0, s.valImages) } : valAll;
  const train: ImageData = s.trainImages && s.trainImages < trainAll.n ? { ...trainAll, n: s.trainImages, images: trainAll.images.subarray(0, s.trainImages * ds.height * ds.width * ds.channels), labels: trainAll.labels.subarray(0, s.trainImages) } : trainAll;
  if (train.n < s.batchSize) throw new UsageError(`--batch ${s.batchSize} is larger than the ${train.n} training images`);
  const stats = channelStats(train);
  const desc = trainNetwork(config, ds);
  if (!fs.existsSync(path.join(dir, TRAIN_FILES.network))) writeJsonAtomic(path.join(dir, TRAIN_FILES.network), desc);
  const weights = new NetworkWeights(desc, rng);
  const trainer = new NetworkTrainer(weights, s.lrMax, s.momentum, s.weightDecay);
  let history: TrainEpoch[] = [];
  let epoch = 0;
  try {
    const ck = readTrainCheckpoint(dir);
    if (ck) {
      weights.restore(ck.weights);
      trainer.opt.restore(ck.momentum);
      rng.setState(ck.rng);
      history = ck.history;
      epoch = ck.epoch;
    }
    const [h, wd, c] = desc.input;
    const batches = Math.floor(train.n / s.batchSize);
    const buf = new Float32Array(s.batchSize * h * wd * c);
    const labels = new Int32Array(s.batchSize);
    for (; epoch < s.epochs; epoch++) {
      // DARTS's train.py: cosine annealing per epoch, drop-path growing linearly with the epoch.
      trainer.opt.lr = s.lrMin + 0.5 * (s.lrMax - s.lrMin) * (1 + Math.cos((Math.PI * epoch) / s.epochs));
      const dropPath = (s.dropPath * epoch) / s.epochs;
      const perm = Uint32Array.from({ length: train.n }, (_, i) => i);
      for (let i = train.n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const te = performance.now();
      let lossSum = 0, correct = 0;
      for (let b = 0; b < batches; b++) {
        if (hooks.shouldStop?.()) return { outcome: 'paused', epoch };
        const idx = perm.subarray(b * s.batchSize, (b + 1) * s.batchSize);
        fillBatch(train, idx, stats, buf, s.cutout, rng);
        for (let k = 0; k < idx.length; k++) labels[k] = train.labels[idx[k]];
        const x = tf.tensor4d(buf, [s.batchSize, h, wd, c]);
        let r: { loss: number; correct: number };
        try {
          r = await trainer.stepAsync(x, labels, { auxWeight: s.auxWeight, dropPath, rng });
        } finally {
          x.dispose();
        }
        lossSum += r.loss;
        correct += r.correct;
        hooks.onBatch?.({ epoch: epoch + 1, epochs: s.epochs, batch: b + 1, of: batches, loss: r.loss });
      }
      const seconds = (performance.now() - te) / 1000;
      const v = await evaluate(weights, val, stats);
      const rec: TrainEpoch = { epoch: epoch + 1, lr: trainer.opt.lr, trainLoss: lossSum / batches, trainAccuracy: (100 * correct) / (batches * s.batchSize), valLoss: v.loss, valAccuracy: v.accuracy, seconds, imagesPerSecond: (batches * s.batchSize) / seconds };
      history = [...history, rec];
      const ck: TrainCheckpoint = { version: CHECKPOINT_VERSION, kind: 'train', epoch: epoch + 1, rng: rng.getState(), weights: await weights.snapshotAsync(), momentum: await trainer.opt.snapshotAsync(), history, stats };
      writeFileAtomic(path.join(dir, TRAIN_FILES.checkpoint), encodeCheckpoint(ck));
      writeJsonAtomic(path.join(dir, TRAIN_FILES.history), history);
      hooks.onEpoch?.(rec);
    }
    const counts = countNetwork(desc);
    const result: TrainResult = { version: 1, kind: 'train', status: 'completed', arch: desc.arch, params: counts.params, macs: counts.macs, epochs: history, valAccuracy: history.at(-1)?.valAccuracy ?? 0, backend: backend.backend, seconds: (performance.now() - t0) / 1000 };
    writeJsonAtomic(path.join(dir, TRAIN_FILES.result), result);
    return { outcome: 'completed', result };
  } finally {
    trainer.dispose();
    weights.dispose();
  }
}
