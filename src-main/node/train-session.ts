import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../common/rng';
import type { TrainEpoch, TrainResult } from '../contracts/train';
import { countNetwork } from '../core/network/counts';
import { forwardNetwork, NetworkTrainer, NetworkWeights } from '../core/network/executor';
import { normalizationOf, fillBatch, type ImageData } from '../core/supernet/image-data';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { CHECKPOINT_VERSION, readTrainCheckpoint, readTrainConfig, trainNetwork, TRAIN_FILES, type TrainCheckpoint } from './train-folder';
import { selectBackend } from './backend';
import { encodeCheckpoint } from './checkpoint-codec';
import { loadDataset, splitHalves } from './datasets';
import { UsageError } from './usage-error';
import type { BatchProgress } from '../core/supernet/supernet-trainer';

/*
 * A training run (issue #10): one architecture's network trained from scratch in a run folder.
 * config.json (TrainConfig, kind 'train'), train-checkpoint.bin after every epoch (weights, BN
 * running statistics, momentum buffers, the run's one Rng, per-epoch history; atomic, SHA-256),
 * history.json, result.json at the end. Resume continues from the last finished epoch: the
 * epoch a kill interrupted is redone with the same Rng state, so the result is bit-identical
 * to an uninterrupted run (test/integration/train-run.test.ts).
 */

export { readTrainCheckpoint, readTrainConfig, readTrainNetwork, readTrainResult, trainNetwork, TRAIN_FILES, type TrainCheckpoint } from './train-folder';
/** Whether `dir` holds a training run (config.json with kind 'train'); false for search runs and unreadable folders. */
export { isTrainingRun as isTrainFolder } from './run-store';
const EVAL_BATCH = 250;
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One training batch's progress: the same record the supernet trainer reports (epoch 1-based, images/s, ETA). */
export type TrainProgress = BatchProgress;

export interface TrainHooks {
  onBatch?: (p: TrainProgress) => void;
  onEpoch?: (e: TrainEpoch) => void;
  /**
   * Asked between batches: true or 'pause' stops with nothing more written (the last epoch
   * checkpoint stands, resume redoes the epoch); 'cancel' the same, reported as cancelled.
   */
  shouldStop?: () => boolean | 'pause' | 'cancel' | null;
}

export type TrainOutcome = { outcome: 'completed'; result: TrainResult } | { outcome: 'paused' | 'cancelled'; epoch: number };

/** A prefix of `d` (the first n images), or `d` itself. */
function firstImages(d: ImageData, n: number | undefined): ImageData {
  if (!n || n >= d.n) return d;
  const px = d.height * d.width * d.channels;
  return { ...d, n, images: d.images.subarray(0, n * px), labels: d.labels.subarray(0, n) };
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
export async function trainFolder(dir: string, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const config = readTrainConfig(dir);
  const t0 = performance.now();
  const backend = await selectBackend(config.backend);
  const s = config.settings;
  const ds = loadDataset(config.dataset);
  const rng = new Rng(config.seed);
  const { train: trainAll, val: heldOut } = splitHalves(ds, rng);
  // The test set: the test dataset's images when given; otherwise the held-out half's second
  // half (no Rng drawn: the held-out half is already in a seeded random order).
  let valAll: ImageData = heldOut;
  let testAll: ImageData;
  let testSet: string;
  if (config.testDataset) {
    const t = loadDataset(config.testDataset);
    if (t.height !== ds.height || t.width !== ds.width || t.channels !== ds.channels || t.classes !== ds.classes) throw new UsageError(`testDataset: ${t.name} holds ${t.height}×${t.width}×${t.channels} images of ${t.classes} classes, the training data ${ds.height}×${ds.width}×${ds.channels} of ${ds.classes}`);
    testAll = t;
    testSet = `${t.name} (the test dataset)`;
  } else {
    const px = ds.height * ds.width * ds.channels;
    const nv = heldOut.n >> 1;
    valAll = { ...heldOut, n: nv, images: heldOut.images.subarray(0, nv * px), labels: heldOut.labels.subarray(0, nv) };
    testAll = { ...heldOut, n: heldOut.n - nv, images: heldOut.images.subarray(nv * px), labels: heldOut.labels.subarray(nv) };
    testSet = `${ds.name}: the second half of the held-out half (no test split given)`;
  }
  const val = firstImages(valAll, s.valImages);
  const test = firstImages(testAll, s.testImages);
  const train = firstImages(trainAll, s.trainImages);
  if (train.n < s.batchSize) throw new UsageError(`--batch ${s.batchSize} is larger than the ${train.n} training images`);
  const stats = normalizationOf(train);
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
        // Let the worker's messages (pause, cancel) and the CLI's signals in between batches.
        await yieldToEvents();
        const stop = hooks.shouldStop?.();
        if (stop) return { outcome: stop === 'cancel' ? 'cancelled' : 'paused', epoch };
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
        if (hooks.onBatch) {
          const elapsed = (performance.now() - te) / 1000;
          const imagesPerSecond = elapsed > 0 ? ((b + 1) * s.batchSize) / elapsed : 0;
          const left = batches - (b + 1) + (s.epochs - epoch - 1) * batches;
          hooks.onBatch({ epoch: epoch + 1, epochs: s.epochs, batch: b + 1, of: batches, loss: r.loss, imagesPerSecond, etaSeconds: imagesPerSecond > 0 ? (left * s.batchSize) / imagesPerSecond : 0 });
        }
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
    // Measured once, after the last epoch (a kill here: resume skips the epochs and measures again).
    const t = await evaluate(weights, test, stats);
    const counts = countNetwork(desc);
    const result: TrainResult = {
      version: 1, kind: 'train', status: 'completed', arch: desc.arch, params: counts.params, macs: counts.macs, epochs: history, valAccuracy: history.at(-1)?.valAccuracy ?? 0,
      testAccuracy: t.accuracy, testLoss: t.loss, testSet, testImages: test.n, backend: backend.backend, seconds: (performance.now() - t0) / 1000,
    };
    writeJsonAtomic(path.join(dir, TRAIN_FILES.result), result);
    return { outcome: 'completed', result };
  } finally {
    trainer.dispose();
    weights.dispose();
  }
}
