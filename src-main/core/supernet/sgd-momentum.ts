import * as tf from '@tensorflow/tfjs-core';
import { onWasmKernels } from '../kernels/wasm-heap';
import { SGD_MOMENTUM_KERNEL, wasmSgdAvailable } from '../kernels/wasm-sgd';
import { snapshotVariables, snapshotVariablesAsync, variableFrom, type NamedTensors } from './param-store';

let nextOptimizer = 0;

const usesFusedSgd = onWasmKernels(wasmSgdAvailable);

/**
 * SGD with momentum and weight decay in PyTorch's form (buf ← μ·buf + g + wd·w; w ← w − lr·buf),
 * one momentum buffer per variable KEY. TF.js's own MomentumOptimizer keys its buffers by the
 * position of a variable in the list passed to each step, which mixes buffers up when every step
 * trains a different path's variables (single-path supernet training). The key defaults to the
 * TF.js variable name; a supernet passes its own parameter names, so that a checkpoint's buffers
 * restore into a supernet built in another process (whose TF.js names carry another prefix).
 */
export class SgdMomentum {
  private readonly buffers = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each optimizer prefixes its buffers. */
  private readonly prefix = `sgd${nextOptimizer++}/`;

  constructor(
    public lr: number,
    readonly momentum: number,
    readonly weightDecay: number,
    private readonly keyOf: (v: tf.Variable) => string = (v) => v.name,
  ) {}

  /** Minimises `loss` over `vars`; returns the loss value. */
  step(loss: () => tf.Scalar, vars: tf.Variable[]): number {
    const value = this.update(loss, vars);
    try {
      return value.dataSync()[0];
    } finally {
      value.dispose();
    }
  }

  /**
   * The same step, reading the loss back asynchronously: TF.js's WebGPU backend cannot read a
   * tensor synchronously in Node (its readSync goes through a browser OffscreenCanvas).
   */
  async stepAsync(loss: () => tf.Scalar, vars: tf.Variable[]): Promise<number> {
    const value = this.update(loss, vars);
    try {
      return (await value.data())[0];
    } finally {
      value.dispose();
    }
  }

  /** One update; returns the loss (kept: the caller reads and disposes it). */
  update(loss: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      // On TF.js WASM one SIMD kernel per parameter (core/kernels/wasm-sgd.ts, the same float32
      // bits) instead of five.
      const fused = usesFusedSgd();
      for (const v of vars) {
        const g = grads[v.name];
        if (!g) continue;
        const key = this.keyOf(v);
        let buf = this.buffers.get(key);
        if (!buf) {
          buf = tf.variable(tf.zerosLike(v), false, `${this.prefix}${key}`); // inside tidy: the zeros are released
          this.buffers.set(key, buf);
        }
        if (fused && g.dtype === 'float32') {
          const [w1, b1] = tf.engine().runKernel(SGD_MOMENTUM_KERNEL, { w: v, b: buf, g }, { lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay } as never) as tf.Tensor[];
          buf.assign(b1);
          v.assign(w1);
          continue;
        }
        const d = this.weightDecay ? tf.add(g, tf.mul(v, this.weightDecay)) : g;
        buf.assign(tf.add(tf.mul(buf, this.momentum), d));
        v.assign(tf.sub(v, tf.mul(buf, this.lr)));
      }
      return value;
    });
  }

  /** Number of momentum buffers (one per parameter trained so far). */
  get size(): number {
    return this.buffers.size;
  }

  snapshot(): NamedTensors {
    return snapshotVariables(this.buffers);
  }

  snapshotAsync(): Promise<NamedTensors> {
    return snapshotVariablesAsync(this.buffers);
  }

  /** Replaces every buffer by those of `s` (a parameter without a buffer there starts at zero). */
  restore(s: NamedTensors): void {
    this.dispose();
    for (const [k, { shape, values }] of Object.entries(s)) this.buffers.set(k, variableFrom(values, shape, false, `${this.prefix}${k}`));
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
