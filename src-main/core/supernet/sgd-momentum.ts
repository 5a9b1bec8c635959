import * as tf from '@tensorflow/tfjs-core';
import { snapshotVariables, variableFrom, type NamedTensors } from './param-store';

/**
 * SGD with momentum and weight decay in PyTorch's form (buf ← μ·buf + g + wd·w; w ← w − lr·buf),
 * one momentum buffer per variable NAME. TF.js's own MomentumOptimizer keys its buffers by the
 * position of a variable in the list passed to each step, which mixes buffers up when every step
 * trains a different path's variables (single-path supernet training).
 */
export class SgdMomentum {
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(
    public lr: number,
    readonly momentum: number,
    readonly weightDecay: number,
  ) {}

  /** Minimises `loss` over `vars`; returns the loss value. */
  step(loss: () => tf.Scalar, vars: tf.Variable[]): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      for (const v of vars) {
        const g = grads[v.name];
        if (!g) continue;
        let buf = this.buffers.get(v.name);
        if (!buf) {
          buf = tf.variable(tf.zerosLike(v), false, `${v.name}/momentum`); // inside tidy: the zeros are released
          this.buffers.set(v.name, buf);
        }
        const d = this.weightDecay ? tf.add(g, tf.mul(v, this.weightDecay)) : g;
        buf.assign(tf.add(tf.mul(buf, this.momentum), d));
        v.assign(tf.sub(v, tf.mul(buf, this.lr)));
      }
      return value.dataSync()[0];
    });
  }

  snapshot(): NamedTensors {
    return snapshotVariables(this.buffers);
  }

  restore(s: NamedTensors): void {
    for (const [k, { shape, values }] of Object.entries(s)) {
      this.buffers.get(k)?.dispose();
      this.buffers.set(k, variableFrom(values, shape, false, `${k}/momentum`));
    }
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
