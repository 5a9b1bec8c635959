import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';

/**
 * Named trainable tensors of a supernet, created lazily and initialised from the run's Rng
 * (Kaiming-uniform for convolutions and dense layers, as PyTorch's defaults), so the same seed
 * gives the same supernet. Checkpoints save them by name.
 */
let nextStore = 0;

/** Named tensors as plain data (checkpoints). */
export type NamedTensors = Record<string, { shape: number[]; values: Float32Array }>;

/** A variable holding `values` (the temporary tensor it is made from is released). */
export function variableFrom(values: Float32Array, shape: number[], trainable: boolean, name: string): tf.Variable {
  const t = tf.tensor(values, shape);
  const v = tf.variable(t, trainable, name);
  t.dispose();
  return v;
}

/** Overwrites `v` with `values` (the temporary tensor is released). */
export function assignValues(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape);
  v.assign(t);
  t.dispose();
}

export function snapshotVariables(vars: ReadonlyMap<string, tf.Variable>): NamedTensors {
  const out: NamedTensors = {};
  for (const [k, v] of vars) out[k] = { shape: v.shape, values: v.dataSync() as Float32Array };
  return out;
}

/** The same, read asynchronously (the only way on TF.js's WebGPU backend in Node). */
export async function snapshotVariablesAsync(vars: ReadonlyMap<string, tf.Variable>): Promise<NamedTensors> {
  const entries = [...vars];
  const values = await Promise.all(entries.map(([, v]) => v.data() as Promise<Float32Array>));
  return Object.fromEntries(entries.map(([k, v], i) => [k, { shape: v.shape, values: values[i] }]));
}

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  /** TF.js variable names are global: each store prefixes its own. */
  private readonly prefix = `supernet${nextStore++}/`;

  constructor(private readonly rng: Rng) {}

  /** Our name of one of this store's variables. */
  localName(v: tf.Variable): string {
    return v.name.startsWith(this.prefix) ? v.name.slice(this.prefix.length) : v.name;
  }

  /**
   * A weight of `shape` with fan-in `fanIn`: U(−1/√fanIn, 1/√fanIn) (PyTorch's default,
   * kaiming_uniform with a = √5). He init (U(±√(6/fanIn))) was measured and is worse here: every
   * conv is followed by batch norm, so a larger initial norm only lowers the effective learning
   * rate (supernet median 60 % vs 79 % after 2 epochs on MNIST, bench/results/supernet.md).
   */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.get(name, shape, () => {
      const bound = 1 / Math.sqrt(fanIn);
      return this.rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -bound, bound);
    });
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.get(name, shape, () => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));
  }

  /** An n×n identity matrix (OFA's kernel-transform matrices start as torch.eye). */
  identity(name: string, n: number): tf.Variable {
    return this.get(name, [n, n], () => {
      const m = new Float32Array(n * n);
      for (let i = 0; i < n; i++) m[i * n + i] = 1;
      return m;
    });
  }

  private get(name: string, shape: number[], init: () => Float32Array): tf.Variable {
    let v = this.vars.get(name);
    if (!v) {
      v = variableFrom(init(), shape, true, this.prefix + name);
      this.vars.set(name, v);
    }
    this.recording?.add(v);
    return v;
  }

  private recording: Set<tf.Variable> | null = null;

  /**
   * The variables `fn` reads, in the order it first reads them: run around a forward pass, the
   * weights of exactly the path it takes (what a single-path training step may change).
   */
  record(fn: () => void): tf.Variable[] {
    const outer = this.recording;
    const used = new Set<tf.Variable>();
    this.recording = used;
    try {
      fn();
    } finally {
      this.recording = outer;
      if (outer) for (const v of used) outer.add(v);
    }
    return [...used];
  }

  /** Every variable of the store, in creation order. */
  variables(): tf.Variable[] {
    return [...this.vars.values()];
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

  snapshot(): NamedTensors {
    return snapshotVariables(this.vars);
  }

  snapshotAsync(): Promise<NamedTensors> {
    return snapshotVariablesAsync(this.vars);
  }

  restore(s: NamedTensors): void {
    for (const [k, { shape, values }] of Object.entries(s)) {
      const existing = this.vars.get(k);
      if (existing) assignValues(existing, values);
      else this.vars.set(k, variableFrom(values, shape, true, this.prefix + k));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
