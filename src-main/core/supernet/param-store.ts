import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';

/**
 * Named trainable tensors of a supernet, created lazily and initialised from the run's Rng
 * (Kaiming-uniform for convolutions and dense layers, as PyTorch's defaults), so the same seed
 * gives the same supernet. Checkpoints save them by name.
 */
let nextStore = 0;

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each store prefixes its own. */
  private readonly prefix = `supernet${nextStore++}/`;

  constructor(private readonly rng: Rng) {}

  /** Our name of one of this store's variables. */
  localName(v: tf.Variable): string {
    return v.name.startsWith(this.prefix) ? v.name.slice(this.prefix.length) : v.name;
  }

  /** A weight of `shape` with fan-in `fanIn`: U(−1/√fanIn, 1/√fanIn). */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.get(name, shape, () => {
      const bound = 1 / Math.sqrt(fanIn);
      return this.rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -bound, bound);
    });
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.get(name, shape, () => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
  }

  private get(name: string, shape: number[], init: () => Float32Array): tf.Variable {
    let v = this.vars.get(name);
    if (!v) {
      v = tf.variable(tf.tensor(init(), shape), true, this.prefix + name);
      this.vars.set(name, v);
    }
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  byName(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no supernet parameter "${name}"`);
    return v;
  }

  snapshot(): Record<string, { shape: number[]; values: Float32Array }> {
    const out: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const [k, v] of this.vars) out[k] = { shape: v.shape, values: v.dataSync() as Float32Array };
    return out;
  }

  restore(s: Record<string, { shape: number[]; values: Float32Array }>): void {
    for (const [k, { shape, values }] of Object.entries(s)) {
      const existing = this.vars.get(k);
      if (existing) existing.assign(tf.tensor(values, shape));
      else this.vars.set(k, tf.variable(tf.tensor(values, shape), true, this.prefix + k));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
