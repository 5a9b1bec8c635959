import * as tf from '@tensorflow/tfjs-core';

export interface AdamState {
  t: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * Adam (Kingma & Ba) on one flat parameter tensor; the paper uses β = (0.9, 0.99).
 * The bias corrections are folded into two scalars so that one update is ~10 tensor ops:
 *   θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε·√(1−β₂ᵗ)),
 * which equals PyTorch's  θ ← θ − lr · m̂ / (√v̂ + ε)  exactly.
 */
export class FlatAdam {
  private m: tf.Tensor1D;
  private v: tf.Tensor1D;
  private t = 0;

  constructor(
    readonly size: number,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.99,
    readonly eps = 1e-8,
  ) {
    this.m = tf.keep(tf.zeros([size]));
    this.v = tf.keep(tf.zeros([size]));
  }

  /** Returns the updated θ (a new tensor; the caller owns it and `theta` stays untouched). */
  step(theta: tf.Tensor1D, grad: tf.Tensor1D): tf.Tensor1D {
    this.t += 1;
    const { beta1: b1, beta2: b2, t } = this;
    const c2 = Math.sqrt(1 - b2 ** t);
    const stepSize = (this.lr * c2) / (1 - b1 ** t);
    const epsHat = this.eps * c2;
    const [m, v, next] = tf.tidy(() => {
      const m1 = tf.add(tf.mul(this.m, b1), tf.mul(grad, 1 - b1));
      const v1 = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(grad), 1 - b2));
      const upd = tf.div(tf.mul(m1, stepSize), tf.add(tf.sqrt(v1), epsHat));
      return [m1, v1, tf.sub(theta, upd)] as tf.Tensor1D[];
    });
    this.m.dispose();
    this.v.dispose();
    this.m = tf.keep(m);
    this.v = tf.keep(v);
    return next;
  }

  getState(): AdamState {
    return { t: this.t, m: this.m.dataSync() as Float32Array, v: this.v.dataSync() as Float32Array };
  }

  setState(s: AdamState): void {
    if (s.m.length !== this.size || s.v.length !== this.size) {
      throw new Error(`Adam state has ${s.m.length}/${s.v.length} values, expected ${this.size}`);
    }
    this.m.dispose();
    this.v.dispose();
    this.t = s.t;
    this.m = tf.keep(tf.tensor1d(s.m));
    this.v = tf.keep(tf.tensor1d(s.v));
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
