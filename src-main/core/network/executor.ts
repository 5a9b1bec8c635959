import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import { batchNormTrain, conv2dSame } from '../supernet/fast-ops';
import { avgPool3x3, depthwiseConvTorch, maxPool3x3, subsample } from '../supernet/darts-ops';
import { snapshotVariables, snapshotVariablesAsync, variableFrom, assignValues, type NamedTensors } from '../supernet/param-store';
import { SgdMomentum } from '../supernet/sgd-momentum';
import type { NetNode, NetworkDescription, Pads } from './network';
import { poolCountScale } from './pool-scale';

let nextWeights = 0;

/**
 * A description's initial weights as plain data, drawn from `rng` in the description's tensor
 * order: U(±1/√fanIn) (PyTorch's default for conv and linear layers) or the tensor's constant.
 * No TF.js needed (untrained exports); NetworkWeights starts from the same values.
 */
export function initialWeights(desc: NetworkDescription, rng: Rng): NamedTensors {
  const out: NamedTensors = {};
  for (const t of desc.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const values = t.init.kind === 'uniform' ? rng.fillUniform(new Float32Array(n), -1 / Math.sqrt(t.init.fanIn), 1 / Math.sqrt(t.init.fanIn)) : new Float32Array(n).fill(t.init.value);
    out[t.name] = { shape: t.shape.slice(), values };
  }
  return out;
}

/**
 * The weights of one network description as TF.js variables, keyed by the description's tensor
 * names (the same names a checkpoint and every exporter use). Initialised from the run's Rng in
 * the description's tensor order, so one seed gives one network.
 */
export class NetworkWeights {
  readonly vars = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each set prefixes its own. */
  private readonly prefix = `net${nextWeights++}/`;

  constructor(readonly desc: NetworkDescription, init: Rng | NamedTensors) {
    const values = 'next' in init ? initialWeights(desc, init as Rng) : (init as NamedTensors);
    for (const t of desc.tensors) {
      const saved = values[t.name];
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (!saved || saved.values.length !== n) throw new Error(`network weights: tensor "${t.name}" [${t.shape}] missing or of another size in the saved weights`);
      this.vars.set(t.name, variableFrom(saved.values, t.shape, t.trainable, this.prefix + t.name));
    }
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`network weights: no tensor "${name}"`);
    return v;
  }

  localName(v: tf.Variable): string {
    return v.name.startsWith(this.prefix) ? v.name.slice(this.prefix.length) : v.name;
  }

  /** Trainable tensors; the auxiliary head's only when `withAux`. */
  trainable(withAux: boolean): tf.Variable[] {
    return this.desc.tensors.filter((t) => t.trainable && (withAux || !t.aux)).map((t) => this.get(t.name));
  }

  snapshotAsync(): Promise<NamedTensors> {
    return snapshotVariablesAsync(this.vars);
  }

  snapshot(): NamedTensors {
    return snapshotVariables(this.vars);
  }

  restore(s: NamedTensors): void {
    for (const [k, v] of this.vars) {
      const saved = s[k];
      if (!saved) throw new Error(`network weights: tensor "${k}" missing in the saved weights`);
      assignValues(v, saved.values);
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

export interface ForwardOptions {
  /**
   * 'infer': batch norm with the running statistics; drop-path off; no auxiliary head.
   * 'train': batch statistics (and the running statistics updated, PyTorch's rule), drop-path
   * with probability dropPath, the auxiliary head's logits too when the description has one.
   */
  mode: 'infer' | 'train';
  dropPath?: number;
  /** Draws drop-path masks (train mode with dropPath > 0). */
  rng?: Rng;
  /** Update the BN running statistics in train mode (default true; false for gradient checks). */
  updateStats?: boolean;
  /**
   * Train-mode batch norm through tf.moments and TF.js autodiff instead of fast-ops'
   * closed-form gradient (slower; the reference the gradient tests compare with).
   */
  referenceBatchNorm?: boolean;
  /**
   * Train mode: batch norm normalises with the batch's mean and biased variance and hands them
   * here (recalibrateBatchNorm); running statistics are not updated.
   */
  bnStats?: (bn: string, mean: tf.Tensor, variance: tf.Tensor) => void;
}

const padHW = (x: tf.Tensor4D, [t, b, l, r]: Pads, value = 0): tf.Tensor4D => (t || b || l || r ? tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]], value) : x);

// In its own tfjs-free module so the graph writers (also run by the app's main process) need no TF.js.
export { poolCountScale };

function hswish(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
}

/**
 * Runs a description on a batch [B, H, W, C] → logits [B, classes] (and the auxiliary logits in
 * train mode). Call inside tf.tidy or a gradient function. Operations follow PyTorch's padding
 * (explicit pads and 'valid' kernels); dilated depthwise convs and 3×3 max pools use the DARTS
 * supernet's kernels, whose gradients are right on every backend (darts-ops.ts).
 */
export function forwardNetwork(w: NetworkWeights, x: tf.Tensor4D, opts: ForwardOptions): { logits: tf.Tensor2D; aux?: tf.Tensor2D } {
  const d = w.desc;
  const [h, wd, c] = d.input;
  if (x.shape[1] !== h || x.shape[2] !== wd || x.shape[3] !== c) throw new Error(`network: input ${x.shape.slice(1).join('×')} does not match the network's ${h}×${wd}×${c}`);
  const train = opts.mode === 'train';
  const values = new Map<string, tf.Tensor>();
  values.set('input', x);
  const get = (id: string) => {
    const v = values.get(id);
    if (!v) throw new Error(`network: node ${id} used before it is computed`);
    return v;
  };
  for (const n of d.nodes) {
    if (n.op === 'input') continue;
    if (n.aux && !train) continue;
    values.set(n.id, runNode(n, w, get, opts));
  }
  const logits = get(d.output) as tf.Tensor2D;
  return train && d.auxOutput ? { logits, aux: get(d.auxOutput) as tf.Tensor2D } : { logits };
}

function runNode(n: NetNode, w: NetworkWeights, get: (id: string) => tf.Tensor, opts: ForwardOptions): tf.Tensor {
  const train = opts.mode === 'train';
  switch (n.op) {
    case 'input':
      return get('input');
    case 'conv': {
      const x = get(n.input) as tf.Tensor4D;
      const f = w.get(n.weight) as tf.Tensor as tf.Tensor4D;
      let y: tf.Tensor4D;
      if (n.depthwise && n.dilation > 1) {
        const p = (n.dilation * (n.kernel - 1)) / 2;
        if (n.pads.some((q) => q !== p)) throw new Error(`network: dilated depthwise conv ${n.id} needs symmetric padding ${p}`);
        y = depthwiseConvTorch(x, f, n.stride, n.dilation);
      } else if (n.depthwise && n.stride > 1 && n.pads.every((q) => q === (n.kernel - 1) / 2)) {
        // The stride-1 conv read at every stride-th pixel (same windows, symmetric padding), as
        // OfaSupernet.block does: its gradient runs on the fast stride-1 kernels, where TF.js's
        // strided depthwise input gradient on WASM is slow (wasm-conv-gradients.ts).
        y = subsample(depthwiseConvTorch(x, f, 1), n.stride);
      } else if (n.depthwise) {
        y = tf.depthwiseConv2d(padHW(x, n.pads), f, n.stride, 'valid');
      } else if (n.stride === 1 && n.dilation === 1 && n.kernel % 2 === 1 && n.pads.every((q) => q === (n.kernel - 1) / 2)) {
        // Stride 1 with symmetric (k−1)/2 padding is TF's 'same': fast-ops' conv has the fast gradient on WASM.
        y = conv2dSame(x, f, 1);
      } else {
        y = tf.conv2d(padHW(x, n.pads), f, n.stride, 'valid', 'NHWC', n.dilation);
      }
      return n.bias ? tf.add(y, w.get(n.bias)) : y;
    }
    case 'bn': {
      const x = get(n.input) as tf.Tensor4D;
      const gamma = w.get(n.gamma) as tf.Tensor as tf.Tensor1D, beta = w.get(n.beta) as tf.Tensor as tf.Tensor1D;
      const mean = w.get(n.mean), variance = w.get(n.variance);
      if (!train) return tf.batchNorm(x, mean, variance, beta, gamma, n.eps);
      if (opts.bnStats) {
        const m = tf.moments(x, [0, 1, 2]);
        opts.bnStats(n.id, m.mean, m.variance);
        return tf.batchNorm(x, m.mean, m.variance, beta, gamma, n.eps);
      }
      if (opts.updateStats ?? true) {
        // PyTorch: running ← (1 − m)·running + m·batch, with the unbiased batch variance.
        const m = tf.moments(x, [0, 1, 2]);
        const count = x.shape[0] * x.shape[1] * x.shape[2];
        const unbiased = count > 1 ? tf.mul(m.variance, count / (count - 1)) : m.variance;
        mean.assign(tf.add(tf.mul(mean, 1 - n.momentum), tf.mul(m.mean, n.momentum)));
        variance.assign(tf.add(tf.mul(variance, 1 - n.momentum), tf.mul(unbiased, n.momentum)));
      }
      if (n.eps === 1e-5 && !opts.referenceBatchNorm) return batchNormTrain(x, gamma, beta);
      const m = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, m.mean, m.variance, beta, gamma, n.eps);
    }
    case 'relu':
      return tf.relu(get(n.input));
    case 'hswish':
      return hswish(get(n.input));
    case 'hsigmoid':
      return tf.div(tf.relu6(tf.add(get(n.input), 3)), 6);
    case 'sigmoid':
      return tf.sigmoid(get(n.input));
    case 'maxpool': {
      const x = get(n.input) as tf.Tensor4D;
      if (n.kernel === 3 && n.pads.every((p) => p === 1) && (n.stride === 1 || n.stride === 2)) return maxPool3x3(x, n.stride);
      return tf.maxPool(padHW(x, n.pads, -Infinity), n.kernel, n.stride, 'valid');
    }
    case 'avgpool': {
      const x = get(n.input) as tf.Tensor4D;
      // The DARTS/NB201 3×3 pool: fast-ops' kernel, whose gradient avoids TF.js's slow AvgPoolGrad.
      if (!n.countIncludePad && n.kernel === 3 && n.pads.every((p) => p === 1) && (n.stride === 1 || n.stride === 2)) return avgPool3x3(x, n.stride);
      const y = tf.avgPool(padHW(x, n.pads), n.kernel, n.stride, 'valid');
      if (n.countIncludePad || n.pads.every((p) => p === 0)) return y;
      const s = poolCountScale(x.shape[1], x.shape[2], n.kernel, n.stride, n.pads);
      return tf.mul(y, tf.tensor4d(s.values, [1, s.oh, s.ow, 1]));
    }
    case 'add':
      return n.inputs.map(get).reduce((a, b) => tf.add(a, b));
    case 'mul':
      return tf.mul(get(n.inputs[0]), get(n.inputs[1]));
    case 'concat':
      return tf.concat(n.inputs.map(get), 3);
    case 'crop': {
      const x = get(n.input) as tf.Tensor4D;
      return tf.slice(x, [0, n.top, n.left, 0], [x.shape[0], n.shape[0], n.shape[1], n.shape[2]]);
    }
    case 'zeros':
      return tf.zerosLike(get(n.input));
    case 'gap':
      return tf.mean(get(n.input), [1, 2], n.keepDims);
    case 'dense': {
      const y = tf.matMul(get(n.input) as tf.Tensor2D, w.get(n.weight) as tf.Tensor as tf.Tensor2D);
      return n.bias ? tf.add(y, w.get(n.bias)) : y;
    }
    case 'droppath': {
      const x = get(n.input);
      const p = opts.dropPath ?? 0;
      if (!train || p <= 0) return x;
      if (!opts.rng) throw new Error('network: drop-path needs the run Rng');
      const keep = 1 - p;
      const b = x.shape[0];
      const mask = new Float32Array(b);
      for (let i = 0; i < b; i++) mask[i] = opts.rng.next() < keep ? 1 / keep : 0;
      return tf.mul(x, tf.tensor4d(mask, [b, 1, 1, 1]));
    }
  }
}

/**
 * Sets every batch norm's running statistics to the average, over `batches`, of the batch mean
 * and (biased) batch variance that the layer sees while the network runs on batch statistics,
 * each batch weighted by its size: OFA's set_running_statistics (elastic_nn/utils.py), which OFA
 * applies to a subnet taken from the supernet before evaluating or exporting it. Returns the
 * number of images used. The caller owns (and disposes) the batches.
 */
export function recalibrateBatchNorm(w: NetworkWeights, batches: Iterable<tf.Tensor4D>): number {
  const sums = new Map<string, { mean: Float64Array; variance: Float64Array }>();
  let images = 0;
  for (const x of batches) {
    const n = x.shape[0];
    tf.tidy(() => {
      forwardNetwork(w, x, {
        mode: 'train',
        bnStats: (id, mean, variance) => {
          const m = mean.dataSync(), v = variance.dataSync();
          let s = sums.get(id);
          if (!s) sums.set(id, (s = { mean: new Float64Array(m.length), variance: new Float64Array(m.length) }));
          for (let i = 0; i < m.length; i++) {
            s.mean[i] += n * m[i];
            s.variance[i] += n * v[i];
          }
        },
      });
    });
    images += n;
  }
  if (images === 0) throw new Error('batch-norm recalibration: no images');
  for (const node of w.desc.nodes) {
    if (node.op !== 'bn' || node.aux) continue;
    const s = sums.get(node.id);
    if (!s) throw new Error(`batch-norm recalibration: layer ${node.id} saw no data`);
    assignValues(w.get(node.mean), Float32Array.from(s.mean, (v) => v / images));
    assignValues(w.get(node.variance), Float32Array.from(s.variance, (v) => v / images));
  }
  return images;
}

export interface TrainStepOptions {
  /** Weight of the auxiliary head's loss (DARTS: 0.4); 0 or no head: off. */
  auxWeight?: number;
  dropPath?: number;
  rng?: Rng;
}

/**
 * One SGD step on a batch (softmax cross-entropy; labels as class indices), momentum and weight
 * decay in PyTorch's form (SgdMomentum, keyed by tensor name so buffers checkpoint by name).
 */
export class NetworkTrainer {
  readonly opt: SgdMomentum;

  constructor(
    readonly weights: NetworkWeights,
    lr: number,
    momentum: number,
    weightDecay: number,
  ) {
    this.opt = new SgdMomentum(lr, momentum, weightDecay, (v) => weights.localName(v));
  }

  /** One step; returns the batch's loss and how many images the (pre-step) logits classified right. */
  step(x: tf.Tensor4D, labels: Int32Array, o: TrainStepOptions = {}): { loss: number; correct: number } {
    const { loss, correct } = this.update(x, labels, o);
    try {
      return { loss: loss.dataSync()[0], correct: correct ? correct.dataSync()[0] : 0 };
    } finally {
      loss.dispose();
      correct?.dispose();
    }
  }

  /** The same step, read asynchronously (TF.js's WebGPU backend cannot read synchronously in Node). */
  async stepAsync(x: tf.Tensor4D, labels: Int32Array, o: TrainStepOptions = {}): Promise<{ loss: number; correct: number }> {
    const { loss, correct } = this.update(x, labels, o);
    try {
      const [l, c] = await Promise.all([loss.data(), correct?.data()]);
      return { loss: l[0], correct: c ? c[0] : 0 };
    } finally {
      loss.dispose();
      correct?.dispose();
    }
  }

  private update(x: tf.Tensor4D, labels: Int32Array, o: TrainStepOptions): { loss: tf.Scalar; correct: tf.Tensor | null } {
    const auxWeight = o.auxWeight ?? 0;
    const withAux = auxWeight > 0 && this.weights.desc.auxOutput !== undefined;
    const vars = this.weights.trainable(withAux);
    const classes = this.weights.desc.classes;
    let correct: tf.Tensor | null = null;
    const loss = this.opt.update(() => {
      const { logits, aux } = forwardNetwork(this.weights, x, { mode: 'train', dropPath: o.dropPath, rng: o.rng });
      const labelsT = tf.tensor1d(labels, 'int32');
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labelsT), 'int32')));
      const onehot = tf.oneHot(labelsT, classes);
      let l = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      if (withAux && aux) l = tf.add(l, tf.mul(tf.losses.softmaxCrossEntropy(onehot, aux), auxWeight));
      return l;
    }, vars);
    return { loss, correct: correct as tf.Tensor | null };
  }

  dispose(): void {
    this.opt.dispose();
  }
}
