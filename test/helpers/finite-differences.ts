import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

type Shape4 = [number, number, number, number];

export interface GradientCheckOptions {
  /** The weights Σ r ⊙ out(x) sums with (same length as out(x)). */
  r: Float32Array;
  /** Central-difference step (default 1e-3). */
  h?: number;
  /** Allowed |autodiff − finite difference| at a finite difference fd (default 3e-3 + 2e-2·|fd|). */
  tol?: (fd: number) => number;
  /** Every how many input coordinates one is checked (default 5). */
  xStride?: number;
  /** Which coordinates of a variable of `size` entries are checked (default six spread over it). */
  varIndices?: (size: number) => Iterable<number>;
}

/**
 * Compares autodiff gradients of Σ r ⊙ out(x) (w.r.t. x and `vars`) with central differences at a
 * spread of coordinates; the finite differences sum in float64 to keep float32 rounding out of
 * them. Points where the one-sided differences disagree sit on a kink (ReLU, h-swish at ±3, the
 * max of a pool) where no derivative exists: they are skipped, at most a quarter of them.
 */
export function checkGradients(out: (x: tf.Tensor4D) => tf.Tensor, xv: Float32Array, shape: Shape4, vars: tf.Variable[], label: string, o: GradientCheckOptions): void {
  const { r } = o;
  const h = o.h ?? 1e-3;
  const tol = o.tol ?? ((fd: number) => 3e-3 + 2e-2 * Math.abs(fd));
  const f = (x: tf.Tensor4D) => { const y = out(x); return tf.sum(tf.mul(y, tf.tensor(r, y.shape))) as tf.Scalar; };
  const f64 = (x: tf.Tensor4D) => {
    const y = tf.tidy(() => out(x).dataSync() as Float32Array);
    let acc = 0;
    for (let i = 0; i < y.length; i++) acc += y[i] * r[i];
    return acc;
  };
  const x0 = tf.tensor4d(xv, shape);
  const gx = tf.tidy(() => tf.grad((x) => f(x as tf.Tensor4D))(x0).dataSync());
  const gv = vars.length ? tf.tidy(() => Object.fromEntries(Object.entries(tf.variableGrads(() => f(x0), vars).grads).map(([k, g]) => [k, g.dataSync()]))) : {};
  const f0 = f64(x0);
  let checked = 0, skipped = 0;
  const compare = (g: number, plus: number, minus: number, what: string) => {
    const fd = (plus - minus) / (2 * h);
    if (Math.abs((plus - f0) / h - (f0 - minus) / h) > 0.05 + 0.02 * Math.abs(fd)) {
      skipped++;
      return;
    }
    checked++;
    expect(Math.abs(fd - g), `${label} ${what}: autodiff ${g} vs finite difference ${fd}`).toBeLessThan(tol(fd));
  };
  for (let i = 0; i < xv.length; i += o.xStride ?? 5) {
    const fx = (d: number) => { const p = xv.slice(); p[i] += d; const xt = tf.tensor4d(p, shape); const v = f64(xt); xt.dispose(); return v; };
    compare(gx[i], fx(h), fx(-h), `dx[${i}]`);
  }
  const spread = (n: number) => Array.from({ length: Math.ceil(n / Math.max(1, Math.floor(n / 6))) }, (_, j) => j * Math.max(1, Math.floor(n / 6)));
  for (const v of vars) {
    const g = gv[v.name];
    expect(g, `${label}: no gradient for ${v.name}`).toBeDefined();
    const base = (v.dataSync() as Float32Array).slice();
    const set = (vals: Float32Array) => { const t = tf.tensor(vals, v.shape); v.assign(t); t.dispose(); };
    for (const i of o.varIndices?.(base.length) ?? spread(base.length)) {
      const fw = (d: number) => { const p = base.slice(); p[i] += d; set(p); return f64(x0); };
      const plus = fw(h), minus = fw(-h);
      set(base);
      compare(g[i], plus, minus, `d${v.name}[${i}]`);
    }
  }
  x0.dispose();
  expect(checked, `${label}: points checked`).toBeGreaterThan(3 * skipped);
}
