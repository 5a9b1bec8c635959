import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import { OFA_EXPANDS, OFA_KERNELS, OFA_LAYERS_PER_UNIT, OFA_UNITS, ofaSpace, type OfaConfig } from '../../common/spaces/ofa';
import { depthwiseConvTorch, subsample } from './darts-ops';
import { BN_EPS, batchNormTrain, conv2dSame } from './fast-ops';
import { assignValues, ParamStore } from './param-store';
import { checkOfaConfig, middleWidth, ofaCost, ofaPlan, ofaSpecOf, seWidth, type Act, type OfaBlockPlan, type OfaPlan, type OfaSupernetSpec } from './ofa-cost';
import type { ArchCost, PathSupernet, SupernetBuilder } from './supernet';
import { ofaProgressiveShrinking } from './ofa-progressive-shrinking';

export { makeDivisible, ofaCost, ofaPlan, OFA_SMALLEST, type OfaSupernetSpec } from './ofa-cost';

const MAX_KERNEL = Math.max(...OFA_KERNELS);
const MAX_EXPAND = Math.max(...OFA_EXPANDS);

/*
 * Once-for-All's elastic MobileNetV3 (Cai et al., ICLR 2020; mit-han-lab/once-for-all,
 * ofa/imagenet_classification/elastic_nn/networks/ofa_mbv3.py OFAMobileNetV3 with
 * ks_list [3, 5, 7], expand_ratio_list [3, 4, 6], depth_list [2, 3, 4]) as a TF.js weight-sharing
 * supernet, NHWC. What it keeps from OFA's code, and where it differs:
 *
 * - Layout: first conv 3×3 stride 2 + BN + h-swish; a fixed first MBConv (expand 1, kernel 3,
 *   ReLU, identity shortcut when its widths agree); five units of 4 elastic MBConv blocks (first
 *   block of a unit strided: 2, 2, 2, 1, 2; activations ReLU, ReLU, h-swish, h-swish, h-swish; SE
 *   in units 2, 4, 5); a 1×1 final expand + BN + h-swish; global average pool; a 1×1 feature mix
 *   (no bias, no BN) + h-swish; a linear classifier. Widths: base [16, 16, 24, 40, 80, 112, 160,
 *   960, 1280] × width multiplier through make_divisible(·, 8) (w1.0, w1.2 exactly as OFA).
 * - Elastic kernel (DynamicSeparableConv2d, KERNEL_TRANSFORM_MODE 1): one 7×7 depthwise weight
 *   per block; 5×5 = the 25×25 matrix "7to5" applied to its centre 5×5 (per channel, flattened
 *   row-major, as F.linear(v, M) = v·Mᵀ), 3×3 = "5to3" applied to the centre of that. Both
 *   matrices start as the identity and are learned.
 * - Elastic expand ratio: the block's middle width is make_divisible(round(C_in · e), 8); the
 *   expand conv's output channels, the depthwise weight, its BN, the SE's reduce input / expand
 *   output (and its middle width make_divisible(mid // 4, 8)) and the projection's input channels
 *   are the first `mid` of the largest block's (DynamicConv2d, DynamicBatchNorm2d, DynamicSE
 *   slicing). OFA re-sorts channels by importance between progressive-shrinking stages
 *   (re_organize_middle_weights); that belongs to progressive shrinking, not implemented here.
 * - Elastic depth: unit u runs its first d[u] blocks.
 * - Padding is PyTorch's (symmetric k // 2), so strided layers see the same windows as OFA's.
 * - Batch norm: batch statistics in training (as OFA's) and in `bnMode = 'batch'` evaluation (as
 *   the other supernets here; the trainer's evalBatchNorm picks the query mode). Every BN also holds running statistics (OFA's running_mean /
 *   running_var at the largest width, sliced like γ and β): `bnMode = 'running'` evaluates with
 *   them, as OFA's network in eval mode. They come from a PyTorch checkpoint
 *   (node/ofa-checkpoint.ts) or from `recalibrate` (OFA's set_running_statistics: the subnet's
 *   batch mean and biased variance per BN, averaged over the calibration batches weighted by
 *   their size, written into the first channels). Training does not update them (OFA does, with
 *   momentum 0.1, but OFA recalibrates before every query anyway).
 * - Differences: the classifier's dropout (0.1 in OFA training; 0 in the published nets) is left
 *   out (a PathSupernet has no training mode); weights start from PyTorch's default
 *   Kaiming-uniform (ParamStore) rather than OFA's he_fout normal init (a loaded checkpoint
 *   replaces them); the first conv reads the dataset's channels (1 for MNIST, 3 as OFA's).
 *   Logits equal OFA's network in PyTorch to 2e-5 with the same weights (bench/results/ofa.md).
 * - `downsamples` (1..5): how many of OFA's five stride-2 steps (first conv, units 1, 2, 3, 5) are
 *   kept, counting from the last. 5 is OFA's ImageNet network (224 → 7); fewer turn the earliest
 *   into stride 1 so that small images keep some resolution: 3 (first conv and unit 1 at stride 1)
 *   takes 28×28 MNIST or 32×32 CIFAR to 4×4 before the final expand, as CIFAR variants of
 *   MobileNets drop their first strides.
 */

/** h-swish(x) = x · ReLU6(x + 3) / 6 (OFA's Hswish). */
export function hSwish(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
}

/** h-sigmoid(x) = ReLU6(x + 3) / 6 (OFA's Hsigmoid). */
export function hSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

const activate = (act: Act, x: tf.Tensor4D): tf.Tensor4D => (act === 'relu' ? tf.relu(x) : (hSwish(x) as tf.Tensor4D));

/** PyTorch's Conv2d(k, stride, padding k // 2) for odd k: stride 1 on the fast 'same' conv, else explicit pads + 'valid'. */
function convTorch(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return conv2dSame(x, w, 1);
  const p = (w.shape[0] - 1) / 2;
  return tf.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), w, stride, 'valid');
}

/** The first `n` entries of axis `axis` of t (all of it when n is its size: no copy). */
function firstOf<T extends tf.Tensor>(t: T, axis: number, n: number): T {
  if (t.shape[axis] === n) return t;
  const size = t.shape.map((s, i) => (i === axis ? n : s));
  return tf.slice(t, t.shape.map(() => 0), size) as T;
}

/**
 * The elastic MobileNetV3 supernet (see the file comment). A forward pass runs the subnet of an
 * OfaConfig (ks, e, d; its `r` is not used: the input's size is the resolution).
 */
export class OfaSupernet implements PathSupernet<OfaConfig> {
  readonly params: ParamStore;
  readonly plan: OfaPlan;

  constructor(
    readonly spec: OfaSupernetSpec,
    rng: Rng,
  ) {
    if (!(spec.classes >= 2) || !(spec.inChannels >= 1)) throw new Error(`OFA supernet: classes >= 2 and input channels >= 1 needed (got ${spec.classes}, ${spec.inChannels})`);
    this.plan = ofaPlan(spec);
    this.params = new ParamStore(rng);
    // Every parameter now, in a fixed order (kernel 3 everywhere reaches both transform
    // matrices; expand 6 and depth 4 reach every weight), so a seed gives one supernet.
    const all = { ks: new Array<number>(20).fill(3), e: new Array<number>(20).fill(MAX_EXPAND), d: new Array<number>(OFA_UNITS).fill(4) };
    tf.tidy(() => void this.forward(tf.zeros([1, 4, 4, spec.inChannels]) as tf.Tensor4D, all));
  }

  /** How batch norm normalises in a forward pass: the batch's statistics, or the running ones (OFA's eval mode). */
  bnMode: 'batch' | 'running' = 'batch';
  /** Running mean and variance per BN at its largest width (buffers: not trained, not in `params`). */
  private readonly running = new Map<string, { mean: tf.Variable; variance: tf.Variable }>();
  /** While a calibration batch runs forward: each BN's batch mean and biased variance (kept tensors), in call order. */
  private calibration: { name: string; mean: tf.Tensor1D; variance: tf.Tensor1D; n: number }[] | null = null;

  /** BatchNorm over the first x.shape[3] of `channels` (DynamicBatchNorm2d). */
  private bn(name: string, x: tf.Tensor4D, channels = x.shape[3]): tf.Tensor4D {
    const c = x.shape[3];
    const gamma = firstOf(this.params.constant(`${name}.gamma`, [channels], 1), 0, c) as tf.Tensor1D;
    const beta = firstOf(this.params.constant(`${name}.beta`, [channels], 0), 0, c) as tf.Tensor1D;
    const stats = this.runningStats(name, channels);
    if (this.calibration) {
      // set_running_statistics: normalise with the batch's mean and biased variance, and record them.
      // Kept past the forward's tidy; recalibrateSteps reads them all at once and disposes them.
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      this.calibration.push({ name, mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D, n: x.shape[0] });
      return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPS) as tf.Tensor4D;
    }
    if (this.bnMode === 'running') return tf.batchNorm(x, firstOf(stats.mean, 0, c) as tf.Tensor1D, firstOf(stats.variance, 0, c) as tf.Tensor1D, beta, gamma, BN_EPS) as tf.Tensor4D;
    return batchNormTrain(x, gamma, beta);
  }

  /** A BN's running statistics (PyTorch's initial mean 0, variance 1). */
  private runningStats(name: string, channels: number): { mean: tf.Variable; variance: tf.Variable } {
    let s = this.running.get(name);
    if (!s) {
      s = tf.tidy(() => ({ mean: tf.variable(tf.zeros([channels]), false), variance: tf.variable(tf.ones([channels]), false) }));
      this.running.set(name, s);
    }
    return s;
  }

  /** The names of the BN layers (in creation order) and their widths. */
  bnLayers(): { name: string; channels: number }[] {
    return [...this.running].map(([name, s]) => ({ name, channels: s.mean.shape[0] }));
  }

  /** Overwrites a BN's running statistics (a loaded checkpoint). */
  setRunningStats(name: string, mean: Float32Array, variance: Float32Array): void {
    const s = this.running.get(name);
    if (!s) throw new Error(`OFA supernet: no batch norm "${name}"`);
    if (mean.length !== s.mean.shape[0] || variance.length !== s.mean.shape[0]) throw new Error(`OFA supernet: ${name} has ${s.mean.shape[0]} channels, got statistics of ${mean.length} / ${variance.length}`);
    assignValues(s.mean, mean);
    assignValues(s.variance, variance);
  }

  /** A BN's running statistics as plain arrays. */
  getRunningStats(name: string): { mean: Float32Array; variance: Float32Array } {
    const s = this.running.get(name);
    if (!s) throw new Error(`OFA supernet: no batch norm "${name}"`);
    return { mean: s.mean.dataSync() as Float32Array, variance: s.variance.dataSync() as Float32Array };
  }

  /** A BN's running statistics as plain arrays, read asynchronously (every backend; WebGPU in Node only so). */
  async getRunningStatsAsync(name: string): Promise<{ mean: Float32Array; variance: Float32Array }> {
    const s = this.running.get(name);
    if (!s) throw new Error(`OFA supernet: no batch norm "${name}"`);
    const [mean, variance] = await Promise.all([s.mean.data(), s.variance.data()]);
    return { mean: mean as Float32Array, variance: variance as Float32Array };
  }

  /**
   * OFA's set_running_statistics for the subnet `c`: forward every batch with batch statistics,
   * then each BN on the path gets the batch-size-weighted mean of the batches' means and biased
   * variances in its first channels (the others keep theirs). Evaluate with bnMode 'running' after.
   * Reads synchronously (cpu, wasm); recalibrateAsync is the same on every backend.
   */
  recalibrate(batches: Iterable<tf.Tensor4D>, c: OfaConfig): void {
    const steps = this.recalibrateSteps(batches, c);
    for (let r = steps.next(); !r.done; r = steps.next(r.value.dataSync())) {
      // each yielded tensor is read, and sent back
    }
  }

  /** recalibrate, reading with `await data()`: the same statistics, bit for bit, and it runs on WebGPU in Node. */
  async recalibrateAsync(batches: Iterable<tf.Tensor4D>, c: OfaConfig): Promise<void> {
    const steps = this.recalibrateSteps(batches, c);
    for (let r = steps.next(); !r.done; r = steps.next(await r.value.data())) {
      // each yielded tensor is read, and sent back
    }
  }

  /**
   * recalibrate's work for any reader: it yields a tensor whose values it needs (one per batch:
   * every BN's batch mean and variance, concatenated; then the running statistics it updates) and
   * takes them back; the tensors stay its own (it disposes them). Sums run in float64 in BN call
   * order, as set_running_statistics' AverageMeter; the result is stored as float32.
   */
  *recalibrateSteps(batches: Iterable<tf.Tensor4D>, c: OfaConfig): Generator<tf.Tensor, void, ArrayLike<number>> {
    const acc = new Map<string, { mean: Float64Array; variance: Float64Array; n: number }>();
    for (const x of batches) {
      this.calibration = [];
      let pending: NonNullable<OfaSupernet['calibration']>;
      try {
        tf.tidy(() => void this.forward(x, c));
      } finally {
        pending = this.calibration;
        this.calibration = null;
      }
      let all: tf.Tensor | null = null;
      try {
        all = tf.concat(pending.flatMap((p) => [p.mean, p.variance]));
        const values = yield all;
        let at = 0;
        for (const p of pending) {
          const ch = p.mean.shape[0];
          let a = acc.get(p.name);
          if (!a) acc.set(p.name, (a = { mean: new Float64Array(ch), variance: new Float64Array(ch), n: 0 }));
          for (let i = 0; i < ch; i++) a.mean[i] += p.n * values[at + i];
          for (let i = 0; i < ch; i++) a.variance[i] += p.n * values[at + ch + i];
          a.n += p.n;
          at += 2 * ch;
        }
      } finally {
        all?.dispose();
        for (const p of pending) {
          p.mean.dispose();
          p.variance.dispose();
        }
      }
    }
    if (!acc.size) return;
    const names = [...acc.keys()];
    const vars = names.flatMap((name) => {
      const s = this.running.get(name)!;
      return [s.mean, s.variance];
    });
    const current = tf.concat(vars);
    let values: ArrayLike<number>;
    try {
      values = yield current;
    } finally {
      current.dispose();
    }
    let at = 0;
    for (const name of names) {
      const a = acc.get(name)!;
      const s = this.running.get(name)!;
      const ch = s.mean.shape[0];
      const mean = Float32Array.from({ length: ch }, (_, i) => values[at + i]);
      const variance = Float32Array.from({ length: ch }, (_, i) => values[at + ch + i]);
      at += 2 * ch;
      for (let i = 0; i < a.mean.length; i++) {
        mean[i] = a.mean[i] / a.n;
        variance[i] = a.variance[i] / a.n;
      }
      assignValues(s.mean, mean);
      assignValues(s.variance, variance);
    }
  }

  private stem(x: tf.Tensor4D): tf.Tensor4D {
    const cin = x.shape[3], c = this.plan.stem;
    const w = this.params.weight('first_conv.w', [3, 3, cin, c], 9 * cin);
    return activate('h_swish', this.bn('first_conv.bn', convTorch(x, w as tf.Tensor4D, this.plan.stemStride)));
  }

  /** The fixed first MBConv: depthwise 3×3 → BN → ReLU → 1×1 → BN (expand ratio 1: no inverted bottleneck). */
  private firstBlock(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.plan.stem;
    const dw = this.params.weight('blocks.0.dw.w', [3, 3, c, 1], 9);
    let h = tf.relu(this.bn('blocks.0.dw.bn', depthwiseConvTorch(x, dw as tf.Tensor4D, 1)));
    const pw = this.params.weight('blocks.0.project.w', [1, 1, c, this.plan.first], c);
    h = this.bn('blocks.0.project.bn', conv2dSame(h, pw as tf.Tensor4D, 1));
    return this.plan.firstResidual ? tf.add(h, x) : h;
  }

  /**
   * The depthwise filter [k, k, mid, 1] of a block at kernel k (DynamicSeparableConv2d
   * .get_active_filter): the first `mid` channels of the 7×7 weight, then for each smaller size
   * the centre of the previous filter through that size's transform matrix. Public for tests.
   */
  activeDepthwiseFilter(b: OfaBlockPlan, mid: number, k: number): tf.Tensor4D {
    const w = this.params.weight(`blocks.${b.index}.dw.w`, [MAX_KERNEL, MAX_KERNEL, b.midMax, 1], MAX_KERNEL * MAX_KERNEL);
    let f = firstOf(w as tf.Tensor4D, 2, mid);
    for (let size = MAX_KERNEL; size > k; size -= 2) {
      const t = size - 2;
      const m = this.params.identity(`blocks.${b.index}.dw.${size}to${t}`, t * t);
      const centre = tf.slice(f, [1, 1, 0, 0], [t, t, mid, 1]);
      // Per channel v ↦ M·v on the row-major flattened centre: PyTorch's F.linear(v, M) on [C, t²].
      f = tf.reshape(tf.matMul(m, tf.reshape(centre, [t * t, mid])), [t, t, mid, 1]) as tf.Tensor4D;
    }
    return f;
  }

  /** DynamicSE on the first `mid` channels: mean → reduce (+bias) → ReLU → expand (+bias) → h-sigmoid → scale. */
  private se(b: OfaBlockPlan, x: tf.Tensor4D): tf.Tensor4D {
    const [n, , , mid] = x.shape;
    const s = seWidth(mid);
    const p = `blocks.${b.index}.se`;
    const wr = this.params.weight(`${p}.reduce.w`, [b.midMax, b.seMax], b.midMax);
    const br = this.params.weight(`${p}.reduce.b`, [b.seMax], b.midMax);
    const we = this.params.weight(`${p}.expand.w`, [b.seMax, b.midMax], b.seMax);
    const be = this.params.weight(`${p}.expand.b`, [b.midMax], b.seMax);
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const r = tf.relu(tf.add(tf.matMul(pooled, firstOf(firstOf(wr, 0, mid), 1, s) as tf.Tensor2D), firstOf(br, 0, s)));
    const g = hSigmoid(tf.add(tf.matMul(r as tf.Tensor2D, firstOf(firstOf(we, 0, s), 1, mid) as tf.Tensor2D), firstOf(be, 0, mid)));
    return tf.mul(x, tf.reshape(g, [n, 1, 1, mid])) as tf.Tensor4D;
  }

  /** One elastic MBConv block at kernel k and expand ratio e (DynamicMBConvLayer.forward + ResidualBlock). Public for tests. */
  block(b: OfaBlockPlan, x: tf.Tensor4D, k: number, e: number): tf.Tensor4D {
    const mid = middleWidth(b.cin, e);
    const p = `blocks.${b.index}`;
    const we = this.params.weight(`${p}.expand.w`, [1, 1, b.cin, b.midMax], b.cin);
    let h = activate(b.act, this.bn(`${p}.expand.bn`, conv2dSame(x, firstOf(we as tf.Tensor4D, 3, mid), 1), b.midMax));
    // A strided depthwise conv is the stride-1 one read at every stride-th pixel (same windows,
    // symmetric padding): its gradient then runs on the fast stride-1 kernels, where TF.js's
    // strided DepthwiseConv2dNativeBackpropInput on WASM goes through a dense C×C filter
    // (wasm-conv-gradients.ts): 670 of ~1,100 ms of a training step, measured.
    const dw = depthwiseConvTorch(h, this.activeDepthwiseFilter(b, mid, k), 1);
    h = activate(b.act, this.bn(`${p}.dw.bn`, subsample(dw, b.stride), b.midMax));
    if (b.se) h = this.se(b, h);
    const wp = this.params.weight(`${p}.project.w`, [1, 1, b.midMax, b.cout], b.midMax);
    h = this.bn(`${p}.project.bn`, conv2dSame(h, firstOf(wp as tf.Tensor4D, 2, mid), 1));
    return b.residual ? tf.add(h, x) : h;
  }

  /** Logits [B, classes] of the subnet `c` (call inside tf.tidy or a gradient function). */
  forward(x: tf.Tensor4D, c: OfaConfig): tf.Tensor2D {
    checkOfaConfig(c);
    if (x.shape[3] !== this.spec.inChannels) throw new Error(`OFA supernet: input has ${x.shape[3]} channels, the supernet ${this.spec.inChannels}`);
    let h = this.firstBlock(this.stem(x));
    for (let u = 0; u < OFA_UNITS; u++) {
      for (let j = 0; j < c.d[u]; j++) {
        const i = u * OFA_LAYERS_PER_UNIT + j;
        // One scope per block: its expanded-width intermediates are freed as soon as it has run
        // (a batch of 64 at 224×224 otherwise holds every one of them at once and exhausts the
        // 4 GiB WASM heap). Values are unchanged; under a gradient tape the saved tensors are
        // the engine's own kept clones, so backprop is unaffected.
        const prev = h;
        h = tf.tidy(() => this.block(this.plan.blocks[i], prev, c.ks[i], c.e[i]));
      }
    }
    const { finalExpand, lastChannel } = this.plan;
    const cl = h.shape[3];
    const wf = this.params.weight('final_expand.w', [1, 1, cl, finalExpand], cl);
    h = activate('h_swish', this.bn('final_expand.bn', conv2dSame(h, wf as tf.Tensor4D, 1)));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    // Feature mix: a 1×1 conv of the pooled 1×1 map (no bias, no BN) = a matrix product.
    const wm = this.params.weight('feature_mix.w', [finalExpand, lastChannel], finalExpand);
    const mixed = hSwish(tf.matMul(pooled, wm as tf.Tensor2D)) as tf.Tensor2D;
    const wc = this.params.weight('classifier.w', [lastChannel, this.spec.classes], lastChannel);
    const bc = this.params.weight('classifier.b', [this.spec.classes], lastChannel);
    return tf.add(tf.matMul(mixed, wc), bc) as tf.Tensor2D;
  }

  /** The variables the subnet `c` uses (whole variables: a sliced one is on the path), recorded on a 4×4 probe. */
  pathParams(c: OfaConfig): tf.Variable[] {
    return this.params.record(() => tf.tidy(() => void this.forward(tf.zeros([1, 4, 4, this.spec.inChannels]) as tf.Tensor4D, c)));
  }

  /** MACs and parameters of the subnet `c` on height×width inputs (ofaCost). */
  cost(c: OfaConfig, height: number, width = height): ArchCost {
    return ofaCost(this.plan, this.spec, c, height, width);
  }

  dispose(): void {
    this.params.dispose();
    for (const s of this.running.values()) {
      s.mean.dispose();
      s.variance.dispose();
    }
    this.running.clear();
  }
}

/** The OFA supernet in the registry: C = width multiplier × 100, N = stride-2 steps (ofaSpecOf). */
export const ofaSupernetBuilder: SupernetBuilder<OfaConfig> = {
  id: 'ofa',
  space: ofaSpace,
  build: (shape, C, N, rng) => new OfaSupernet(ofaSpecOf(shape, C, N), rng),
  samplers: { 'progressive-shrinking': ofaProgressiveShrinking },
};
