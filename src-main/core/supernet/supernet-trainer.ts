import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';
import { nb201Space, type Nb201Arch } from '../spaces/nb201';
import { channelStats, fillBatch, type ImageData } from './image-data';
import type { Nb201Supernet } from './nb201-supernet';
import { SgdMomentum } from './sgd-momentum';

export interface SupernetTrainConfig {
  epochs: number;
  batchSize: number;
  /** Cosine learning rate from lrMax to lrMin over all steps (paper: 0.025 → 1e-3). */
  lrMax: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  /** Cutout square side in pixels (0: off). */
  cutout: number;
  /** Random paths whose validation accuracy is measured after each epoch (max = Acc(Env)). */
  evalPaths: number;
  /** Validation batches per accuracy measurement (fixed per run, so queries compare). */
  evalBatches: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  imagesPerSecond: number;
  /** Best validation accuracy of the sampled paths this epoch, %. */
  valAccuracy: number;
  /** Best validation accuracy seen so far (Acc(Env), Eq. 7). */
  accEnv: number;
}

/**
 * Single-path uniform-sampling supernet training (PRODUCT.md §3): per batch a uniformly random
 * α is discretized and only that path's weights take an SGD step (momentum, weight decay,
 * cosine learning rate, cutout). Training uses one half of the data, queries the other half.
 */
export class SupernetTrainer {
  epoch = 0;
  accEnv = 0;
  private readonly stats: { mean: number[]; std: number[] };
  private readonly opt: SgdMomentum;
  private readonly xBuf: Float32Array;
  private readonly valCache = new Map<string, number>();

  constructor(
    readonly net: Nb201Supernet,
    readonly train: ImageData,
    readonly val: ImageData,
    readonly cfg: SupernetTrainConfig,
    private readonly rng: Rng,
  ) {
    this.stats = channelStats(train);
    this.opt = new SgdMomentum(cfg.lrMax, cfg.momentum, cfg.weightDecay);
    this.xBuf = new Float32Array(cfg.batchSize * train.height * train.width * train.channels);
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.train.n / this.cfg.batchSize);
  }

  private lrAt(step: number): number {
    const total = this.cfg.epochs * this.stepsPerEpoch;
    return this.cfg.lrMin + 0.5 * (this.cfg.lrMax - this.cfg.lrMin) * (1 + Math.cos((Math.PI * step) / total));
  }

  private batchTensors(d: ImageData, idx: ArrayLike<number>, augment: boolean): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const n = idx.length;
    const buf = n === this.cfg.batchSize ? this.xBuf : new Float32Array(n * d.height * d.width * d.channels);
    fillBatch(d, idx, this.stats, buf, augment ? this.cfg.cutout : 0, this.rng);
    const labels = Int32Array.from(idx, (i) => d.labels[i]);
    return tf.tidy(() => ({
      x: tf.tensor4d(buf, [n, d.height, d.width, d.channels]),
      y: tf.oneHot(tf.tensor1d(labels, 'int32'), d.classes) as tf.Tensor2D,
    }));
  }

  /** One epoch over a fresh permutation of the training half; returns its report. */
  trainEpoch(onBatch?: (batch: number, of: number, loss: number) => void): EpochReport {
    const t0 = performance.now();
    const perm = Array.from({ length: this.train.n }, (_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const B = this.cfg.batchSize;
    const steps = this.stepsPerEpoch;
    let lossSum = 0;
    for (let s = 0; s < steps; s++) {
      const arch = nb201Space.sample(this.rng); // = Discretize(α ~ U(0,1)) for NB201
      this.opt.lr = this.lrAt(this.epoch * steps + s);
      const { x, y } = this.batchTensors(this.train, perm.slice(s * B, (s + 1) * B), true);
      const loss = this.opt.step(() => tf.losses.softmaxCrossEntropy(y, this.net.forward(x, arch)) as tf.Scalar, this.net.pathParams(arch));
      x.dispose();
      y.dispose();
      lossSum += loss;
      onBatch?.(s + 1, steps, loss);
    }
    const seconds = (performance.now() - t0) / 1000;
    this.epoch += 1;
    this.valCache.clear(); // weights changed
    let best = 0;
    for (let p = 0; p < this.cfg.evalPaths; p++) best = Math.max(best, this.evaluate(nb201Space.sample(this.rng)));
    this.accEnv = Math.max(this.accEnv, best);
    return { epoch: this.epoch, loss: lossSum / steps, imagesPerSecond: (steps * B) / seconds, valAccuracy: best, accEnv: this.accEnv };
  }

  /** Validation accuracy (%) of one path with inherited weights on the fixed first `evalBatches` validation batches. */
  evaluate(arch: Nb201Arch): number {
    const key = nb201Space.key(arch);
    const cached = this.valCache.get(key);
    if (cached !== undefined) return cached;
    const B = this.cfg.batchSize;
    const batches = Math.min(this.cfg.evalBatches, Math.floor(this.val.n / B));
    let correct = 0;
    for (let b = 0; b < batches; b++) {
      correct += tf.tidy(() => {
        const idx = Array.from({ length: B }, (_, i) => b * B + i);
        const { x, y } = this.batchTensors(this.val, idx, false);
        return tf.sum(tf.equal(tf.argMax(this.net.forward(x, arch), 1), tf.argMax(y, 1))).dataSync()[0];
      });
    }
    const acc = (100 * correct) / (batches * B);
    this.valCache.set(key, acc);
    return acc;
  }

  dispose(): void {
    this.opt.dispose();
  }
}
