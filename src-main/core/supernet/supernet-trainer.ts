import * as tf from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import { normalizationOf, fillBatch, type ImageData } from './image-data';
import type { NamedTensors } from './param-store';
import { SgdMomentum } from './sgd-momentum';
import type { PathSampler, PathSupernet } from './supernet';

export interface SupernetTrainConfig {
  epochs: number;
  /**
   * Training batch. Single-path training learns per sampled PATH, not per image: at the same
   * images/s, batch 16 reaches far higher supernet accuracy per epoch than 64 (4× the paths;
   * bench/results/supernet.md).
   */
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
  /**
   * Images per validation batch (default: batchSize). Batch norm uses batch statistics in
   * evaluation too, so larger batches give steadier accuracies.
   */
  evalBatchSize?: number;
  /**
   * How batch norm runs in a query (supernets with running statistics: ofa). 'batch' (default):
   * the query batch's statistics, as training. 'running': the supernet's running statistics (a
   * loaded checkpoint's). 'recalibrate': OFA's query — the running statistics recomputed for
   * the queried path on `calibrationImages` fixed training images (set_running_statistics, in
   * batches of the evaluation batch size), then used.
   */
  evalBatchNorm?: 'batch' | 'running' | 'recalibrate';
  calibrationImages?: number;
}

/**
 * The seed of the fixed calibration subset: OFA's DataProvider.SUB_SEED. The subset comes from
 * its own generator, not the run's, so recalibrating queries draw nothing from the run's Rng
 * (resume stays bit-identical, and every query of a run sees the same images).
 */
export const BN_CALIBRATION_SEED = 937162211;

export interface EpochReport {
  epoch: number;
  loss: number;
  imagesPerSecond: number;
  /** Seconds of this epoch's training steps (without the evaluation of sampled paths). */
  seconds: number;
  /** Best validation accuracy of the sampled paths this epoch, %. */
  valAccuracy: number;
  /** Best validation accuracy seen so far (Acc(Env), Eq. 7). */
  accEnv: number;
}

/** One training step's progress (epoch is 1-based: the epoch being trained). */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  of: number;
  loss: number;
  /** Images per second of training steps in this epoch so far. */
  imagesPerSecond: number;
  /** Seconds of training left in this and the later epochs, at the current rate. */
  etaSeconds: number;
}

/** Everything a resumed training needs to continue exactly where it stopped (checkpoints). */
export interface SupernetTrainerState {
  epoch: number;
  accEnv: number;
  rng: RngState;
  params: NamedTensors;
  momentum: NamedTensors;
}

/**
 * Single-path uniform-sampling supernet training (docs/ARCHITECTURE.md, "Estimators") for any supernet over any
 * search space: per batch a uniformly random α is discretized (space.sample) and only that
 * path's weights take an SGD step (momentum, weight decay, cosine learning rate, cutout).
 * Training uses one half of the data, queries the other half.
 */
export class SupernetTrainer<A> {
  epoch = 0;
  accEnv = 0;
  private readonly stats: { mean: number[]; std: number[] };
  private readonly opt: SgdMomentum;
  private readonly valCache = new Map<string, number>();

  /**
   * `sampler`: the path of each training step (default: space.sample, single-path uniform
   * sampling); e.g. OFA's progressive shrinking (core/supernet/ofa-progressive-shrinking.ts).
   * The paths measured after each epoch (Acc(Env)) are uniform samples either way.
   */
  constructor(
    readonly net: PathSupernet<A>,
    readonly space: Pick<SearchSpace<A>, 'sample' | 'key'>,
    readonly train: ImageData,
    readonly val: ImageData,
    readonly cfg: SupernetTrainConfig,
    private readonly rng: Rng,
    private readonly sampler?: PathSampler<A>,
  ) {
    this.stats = normalizationOf(train);
    // Buffers keyed by the supernet's own parameter names: checkpoints restore across processes.
    this.opt = new SgdMomentum(cfg.lrMax, cfg.momentum, cfg.weightDecay, (v) => net.params.localName(v));
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.train.n / this.cfg.batchSize);
  }

  get evalBatchSize(): number {
    return this.cfg.evalBatchSize ?? this.cfg.batchSize;
  }

  private lrAt(step: number): number {
    const total = this.cfg.epochs * this.stepsPerEpoch;
    return this.cfg.lrMin + 0.5 * (this.cfg.lrMax - this.cfg.lrMin) * (1 + Math.cos((Math.PI * step) / total));
  }

  private batchTensors(d: ImageData, idx: ArrayLike<number>, augment: boolean): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const n = idx.length;
    const buf = new Float32Array(n * d.height * d.width * d.channels);
    fillBatch(d, idx, this.stats, buf, augment ? this.cfg.cutout : 0, this.rng);
    const labels = Int32Array.from(idx, (i) => d.labels[i]);
    return tf.tidy(() => ({
      x: tf.tensor4d(buf, [n, d.height, d.width, d.channels]),
      y: tf.oneHot(tf.tensor1d(labels, 'int32'), d.classes) as tf.Tensor2D,
    }));
  }

  /** One epoch over a fresh permutation of the training half; returns its report. */
  trainEpoch(onBatch?: (p: BatchProgress) => void): EpochReport {
    const steps = this.epochSteps(onBatch);
    for (let r = steps.next(); ; ) {
      if (r.done) return r.value;
      r = steps.next(r.value ? r.value.dataSync() : NOTHING);
    }
  }

  /**
   * The same epoch, awaiting `between()` after every batch so that messages (pause, cancel)
   * reach a worker that trains for minutes; `between` may throw to abandon the epoch (its
   * weights are then half-updated: resume from the last epoch checkpoint).
   */
  async trainEpochAsync(onBatch: ((p: BatchProgress) => void) | undefined, between: () => Promise<void>): Promise<EpochReport> {
    const steps = this.epochSteps(onBatch);
    for (let r = steps.next(); ; ) {
      if (r.done) return r.value;
      if (r.value) {
        // A value to read: asynchronously, which every backend can (WebGPU in Node only so).
        r = steps.next(await r.value.data());
      } else {
        await between();
        r = steps.next(NOTHING);
      }
    }
  }

  /**
   * The epoch's batches; returns the report (both trainEpoch forms drive it). It yields a
   * tensor whenever it needs values read (the driver reads it and sends back the values; the
   * tensor stays the generator's, which disposes it), and null after each batch (where the async
   * driver awaits `between`, then sends NOTHING).
   */
  private *epochSteps(onBatch?: (p: BatchProgress) => void): Generator<tf.Tensor | null, EpochReport, ArrayLike<number>> {
    const t0 = performance.now();
    const perm = new Uint32Array(this.train.n);
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    for (let i = perm.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    const B = this.cfg.batchSize;
    const steps = this.stepsPerEpoch;
    let lossSum = 0;
    for (let s = 0; s < steps; s++) {
      // Uniform: Discretize(α ~ U(0,1)); or the sampler's schedule over the training's global steps.
      const arch = this.sampler ? this.sampler(this.rng, this.epoch * steps + s, this.cfg.epochs * steps) : this.space.sample(this.rng);
      this.opt.lr = this.lrAt(this.epoch * steps + s);
      const { x, y } = this.batchTensors(this.train, perm.subarray(s * B, (s + 1) * B), true);
      let lossT: tf.Scalar;
      try {
        // Gradients reach exactly the path's weights (pathParams); the optimizer skips the rest.
        lossT = this.opt.update(() => tf.losses.softmaxCrossEntropy(y, this.net.forward(x, arch)) as tf.Scalar, this.net.params.variables());
      } finally {
        x.dispose();
        y.dispose();
      }
      let loss: number;
      try {
        loss = (yield lossT)[0];
      } finally {
        lossT.dispose();
      }
      if (!Number.isFinite(loss)) throw new Error(`supernet training diverged: loss ${loss} at epoch ${this.epoch + 1}, batch ${s + 1} (lower the learning rate)`);
      lossSum += loss;
      if (onBatch) {
        const rate = ((s + 1) * B) / Math.max((performance.now() - t0) / 1000, 1e-9);
        const imagesLeft = ((steps - s - 1) + (this.cfg.epochs - this.epoch - 1) * steps) * B;
        onBatch({ epoch: this.epoch + 1, epochs: this.cfg.epochs, batch: s + 1, of: steps, loss, imagesPerSecond: rate, etaSeconds: imagesLeft / rate });
      }
      if (s + 1 < steps) yield null;
    }
    const seconds = (performance.now() - t0) / 1000;
    this.epoch += 1;
    this.valCache.clear(); // weights changed
    let best = 0;
    for (let p = 0; p < this.cfg.evalPaths; p++) best = Math.max(best, yield* this.evalSteps(this.space.sample(this.rng)));
    this.accEnv = Math.max(this.accEnv, best);
    return { epoch: this.epoch, loss: lossSum / steps, imagesPerSecond: (steps * B) / seconds, seconds, valAccuracy: best, accEnv: this.accEnv };
  }

  /** Validation accuracy (%) of one path with inherited weights on the fixed first `evalBatches` validation batches. */
  evaluate(arch: A): number {
    const steps = this.evalSteps(arch);
    for (let r = steps.next(); ; r = steps.next(r.value.dataSync())) if (r.done) return r.value;
  }

  /** The same, read asynchronously (for backends that cannot read synchronously: WebGPU in Node; BN recalibration included). */
  async evaluateAsync(arch: A): Promise<number> {
    const steps = this.evalSteps(arch);
    for (let r = steps.next(); ; r = steps.next(await r.value.data())) if (r.done) return r.value;
  }

  /**
   * evaluate's work: yields every tensor whose values it needs (the recalibration's statistics,
   * then each batch's count of correct answers) and takes the values back; the tensors stay its
   * own (it disposes them), so one generator serves the synchronous and the asynchronous reader.
   */
  private *evalSteps(arch: A): Generator<tf.Tensor, number, ArrayLike<number>> {
    const key = this.space.key(arch);
    const cached = this.valCache.get(key);
    if (cached !== undefined) return cached;
    const B = this.evalBatchSize;
    const batches = Math.min(this.cfg.evalBatches, Math.floor(this.val.n / B));
    if (batches < 1) throw new Error(`supernet: the validation half (${this.val.n} images) is smaller than one batch of ${B}`);
    const mode = this.cfg.evalBatchNorm ?? 'batch';
    const net = this.net;
    if (mode !== 'batch' && (!net.recalibrateSteps || net.bnMode === undefined)) throw new Error(`supernet: batch norm mode "${mode}" needs a supernet with running statistics (ofa)`);
    if (mode === 'recalibrate') yield* net.recalibrateSteps!(this.calibrationBatches(), arch);
    if (mode !== 'batch') net.bnMode = 'running';
    let correct = 0;
    try {
      for (let b = 0; b < batches; b++) {
        const right = tf.tidy(() => {
          const idx = Array.from({ length: B }, (_, i) => b * B + i);
          const { x, y } = this.batchTensors(this.val, idx, false);
          return tf.sum(tf.equal(tf.argMax(net.forward(x, arch), 1), tf.argMax(y, 1)));
        });
        try {
          correct += (yield right)[0];
        } finally {
          right.dispose();
        }
      }
    } finally {
      if (mode !== 'batch') net.bnMode = 'batch'; // training normalises with batch statistics
    }
    const acc = (100 * correct) / (batches * B);
    this.valCache.set(key, acc);
    return acc;
  }

  private calibrationIndex: Uint32Array | null = null;

  /**
   * The calibration images (OFA: a fixed random subset of the training set, 2,000 images in
   * batches), in evaluation-size batches; the last batch may be smaller, as a DataLoader's.
   * Made one batch at a time (2,000 images of 224² would not fit at once).
   */
  private *calibrationBatches(): Generator<tf.Tensor4D> {
    const n = Math.min(this.cfg.calibrationImages ?? 0, this.train.n);
    if (n < 1) throw new Error('supernet: recalibrating batch norm needs at least one calibration image');
    if (!this.calibrationIndex || this.calibrationIndex.length !== n) {
      const perm = Uint32Array.from({ length: this.train.n }, (_, i) => i);
      const r = new Rng(BN_CALIBRATION_SEED);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      this.calibrationIndex = perm.subarray(0, n);
    }
    const B = this.evalBatchSize;
    for (let b = 0; b < n; b += B) {
      const { x, y } = this.batchTensors(this.train, this.calibrationIndex.subarray(b, Math.min(n, b + B)), false);
      y.dispose();
      try {
        yield x;
      } finally {
        x.dispose();
      }
    }
  }

  /** The training state after the last finished epoch (weights, momentum, RNG, epoch, Acc(Env)). */
  snapshot(): SupernetTrainerState {
    return { epoch: this.epoch, accEnv: this.accEnv, rng: this.rng.getState(), params: this.net.params.snapshot(), momentum: this.opt.snapshot() };
  }

  /** The same, read asynchronously. */
  async snapshotAsync(): Promise<SupernetTrainerState> {
    const [params, momentum] = await Promise.all([this.net.params.snapshotAsync(), this.opt.snapshotAsync()]);
    return { epoch: this.epoch, accEnv: this.accEnv, rng: this.rng.getState(), params, momentum };
  }

  /** Continues from `s` (taken from a trainer over the same supernet, data and settings). */
  restore(s: SupernetTrainerState): void {
    this.net.params.restore(s.params);
    this.opt.restore(s.momentum);
    this.rng.setState(s.rng);
    this.epoch = s.epoch;
    this.accEnv = s.accEnv;
    this.valCache.clear();
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** What a driver sends back for a yield that asked nothing to be read (the `null` between batches). */
const NOTHING: ArrayLike<number> = new Float32Array(0);
