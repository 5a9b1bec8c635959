import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { avgPool3x3, depthwiseConvTorch, factorizedReduce, maxPool3x3, subsample } from '../../src-main/core/supernet/darts-ops';
import { avgPool3x3ExcludePad, batchNormTrain, conv2dSame } from '../../src-main/core/supernet/fast-ops';
import { ParamStore } from '../../src-main/core/supernet/param-store';
import { webgpuTestFile } from '../helpers/webgpu';

/*
 * Every op the supernets and the standalone networks train through, on TF.js's WebGPU backend
 * (here: Mesa's llvmpipe through Dawn's OpenGL ES backend): the forward value and the gradients
 * w.r.t. the input and every weight against the CPU backend, and against central finite
 * differences computed on WebGPU itself. Reads are asynchronous (WebGPU in Node has no
 * dataSync). Tiny shapes: the software rasteriser compiles a shader per op and shape.
 */

webgpuTestFile();

type Shape = number[];
const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

interface OpCase {
  name: string;
  x: Shape;
  /** Weights: name → shape (values U(−1, 1), or U(0.5, 1.5) where `positive`). */
  w?: Record<string, Shape>;
  positive?: string[];
  f: (x: tf.Tensor4D, w: Record<string, tf.Tensor>) => tf.Tensor;
  /** Allowed |WebGPU − CPU| per entry, relative to the largest |CPU| entry (default 1e-5; gradients twice that). */
  rel?: number;
}

const P = (s: number[]) => s as [number, number, number, number];
const relu = (x: tf.Tensor) => tf.relu(x);
// A fresh store per call: its weights are then made on the backend in use, from the same seed.
const freshStore = () => new ParamStore(new Rng(0));

const CASES: OpCase[] = [
  { name: 'conv2d 3×3 stride 1 same (Conv2DBackpropInput/Filter)', x: [2, 5, 5, 3], w: { k: [3, 3, 3, 4] }, f: (x, w) => tf.conv2d(x, w.k as tf.Tensor4D, 1, 'same') },
  { name: 'conv2d 3×3 stride 2 same', x: [2, 6, 6, 3], w: { k: [3, 3, 3, 4] }, f: (x, w) => tf.conv2d(x, w.k as tf.Tensor4D, 2, 'same') },
  { name: 'conv2d 1×1', x: [2, 4, 4, 3], w: { k: [1, 1, 3, 5] }, f: (x, w) => tf.conv2d(x, w.k as tf.Tensor4D, 1, 'valid') },
  { name: 'conv2dSame (fast-ops: rotated-filter input gradient) stride 1', x: [2, 5, 5, 3], w: { k: [3, 3, 3, 4] }, f: (x, w) => conv2dSame(x, w.k as tf.Tensor4D, 1) },
  { name: 'conv2dSame stride 2, odd size', x: [2, 7, 7, 3], w: { k: [3, 3, 3, 4] }, f: (x, w) => conv2dSame(x, w.k as tf.Tensor4D, 2) },
  { name: 'depthwiseConv2d 3×3 stride 1 (DepthwiseConv2dNativeBackpropInput/Filter)', x: [2, 5, 5, 4], w: { k: [3, 3, 4, 1] }, f: (x, w) => tf.depthwiseConv2d(x, w.k as tf.Tensor4D, 1, 'same') },
  { name: 'depthwiseConv2d 5×5 stride 2', x: [2, 7, 7, 2], w: { k: [5, 5, 2, 1] }, f: (x, w) => tf.depthwiseConv2d(x, w.k as tf.Tensor4D, 2, 'same') },
  { name: 'depthwiseConvTorch dilation 2 (DARTS dil_conv, phase split)', x: [1, 6, 6, 2], w: { k: [3, 3, 2, 1] }, f: (x, w) => depthwiseConvTorch(x, w.k as tf.Tensor4D, 1, 2) },
  { name: 'batchNormTrain (fast-ops closed-form gradient)', x: [3, 4, 4, 3], w: { g: [3], b: [3] }, positive: ['g'], f: (x, w) => batchNormTrain(x, w.g as tf.Tensor1D, w.b as tf.Tensor1D) },
  {
    name: 'tf.batchNorm over tf.moments (FusedBatchNorm path)', x: [3, 4, 4, 3], w: { g: [3], b: [3] }, positive: ['g'],
    f: (x, w) => { const { mean, variance } = tf.moments(x, [0, 1, 2]); return tf.batchNorm(x, mean, variance, w.b as tf.Tensor1D, w.g as tf.Tensor1D, 1e-5); },
  },
  { name: 'maxPool3x3 stride 1 (DARTS: own mask gradient)', x: [2, 5, 5, 2], f: (x) => maxPool3x3(x, 1) },
  { name: 'maxPool3x3 stride 2', x: [2, 6, 6, 2], f: (x) => maxPool3x3(x, 2) },
  { name: 'tf.maxPool 2×2 stride 2 valid (MaxPoolGrad)', x: [2, 4, 4, 2], f: (x) => tf.maxPool(x, 2, 2, 'valid') },
  { name: 'avgPool3x3ExcludePad (NB201 avg_pool_3x3)', x: [2, 5, 5, 2], f: (x) => avgPool3x3ExcludePad(x) },
  { name: 'avgPool3x3 stride 2 (DARTS)', x: [2, 6, 6, 2], f: (x) => avgPool3x3(x, 2) },
  { name: 'tf.avgPool 3×3 stride 1 valid (AvgPoolGrad)', x: [2, 5, 5, 2], f: (x) => tf.avgPool(x, 3, 1, 'valid') },
  { name: 'relu and relu6', x: [2, 3, 3, 2], f: (x) => tf.add(relu(x), tf.relu6(tf.mul(x, 4))) },
  { name: 'matMul (dense head: x·W + b)', x: [3, 2, 2, 2], w: { W: [8, 5], b: [5] }, f: (x, w) => tf.add(tf.matMul(tf.reshape(x, [3, 8]), w.W as tf.Tensor2D), w.b) },
  { name: 'matMul with transposed operands', x: [1, 1, 4, 3], w: { W: [5, 3] }, f: (x, w) => tf.matMul(tf.reshape(x, [4, 3]), w.W as tf.Tensor2D, false, true) },
  { name: 'concat along channels + slice', x: [2, 3, 3, 4], f: (x) => tf.concat([tf.slice(x, [0, 0, 0, 0], [2, 3, 3, 2]), tf.mul(x, 2), x], 3) },
  { name: 'global average pool (mean over H, W)', x: [2, 4, 4, 3], f: (x) => tf.mean(x, [1, 2]) },
  { name: 'pad + subsample (DARTS stride-2 reads)', x: [2, 5, 5, 2], f: (x) => subsample(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 2, 1) },
  { name: 'factorizedReduce (two strided 1×1 convs, concat, BN)', x: [2, 6, 6, 2], f: (x) => factorizedReduce(freshStore(), 'fr', x, 4, false) },
  {
    name: 'softmax cross-entropy of logits', x: [4, 1, 1, 5],
    f: (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5), tf.reshape(x, [4, 5])),
  },
];

function values(shape: Shape, rng: Rng, positive = false): Float32Array {
  return positive ? rng.fillUniform(new Float32Array(size(shape)), 0.5, 1.5) : rng.fillUniform(new Float32Array(size(shape)), -1, 1);
}

interface Run {
  y: Float32Array;
  grads: Float32Array[];
}

/** y = f(x, w) and the gradients of Σ r ⊙ y w.r.t. x and each weight, on the active backend. */
async function run(c: OpCase, xv: Float32Array, wv: Record<string, Float32Array>, r: Float32Array | null): Promise<Run> {
  const names = Object.keys(c.w ?? {});
  const x = tf.tensor4d(xv, P(c.x));
  const ws = names.map((n) => tf.tensor(wv[n], c.w![n]));
  const asMap = (args: tf.Tensor[]) => Object.fromEntries(names.map((n, i) => [n, args[i]]));
  const y = tf.tidy(() => c.f(x, asMap(ws)));
  const rv = r ?? new Float32Array(y.size).fill(1);
  const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(c.f(args[0] as tf.Tensor4D, asMap(args.slice(1))), tf.tensor(rv, y.shape))))([x, ...ws]);
  const out = { y: (await y.data()) as Float32Array, grads: (await Promise.all(grads.map((g) => g.data()))) as Float32Array[] };
  tf.dispose([x, ...ws, y, ...grads]);
  return out;
}

/** Σ r ⊙ f(x, w) in float64 from the backend's float32 output. */
async function objective(c: OpCase, xv: Float32Array, wv: Record<string, Float32Array>, r: Float32Array): Promise<number> {
  const names = Object.keys(c.w ?? {});
  const y = tf.tidy(() => c.f(tf.tensor4d(xv, P(c.x)), Object.fromEntries(names.map((n) => [n, tf.tensor(wv[n], c.w![n])]))));
  const v = await y.data();
  y.dispose();
  let acc = 0;
  for (let i = 0; i < v.length; i++) acc += v[i] * r[i];
  return acc;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Worst relative |WebGPU − CPU| per op, printed at the end (bench/results/webgpu.md quotes it). */
const worstSeen: string[] = [];

function expectClose(a: Float32Array, b: Float32Array, rel: number, what: string): number {
  expect(a.length, `${what}: length`).toBe(b.length);
  const scale = Math.max(1, maxAbs(b));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst / scale, `${what}: max |WebGPU − CPU| ${worst} (scale ${scale})`).toBeLessThan(rel);
  return worst / scale;
}

describe('TF.js WebGPU kernels found wrong', () => {
  it('a rank-5 or rank-6 pad fails to compile (WGSL has no vec5/vec6); our reads say so instead of returning stale data', async () => {
    await tf.setBackend('webgpu');
    const bad = tf.pad(tf.ones([1, 2, 1, 2, 1, 1]), [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]);
    await expect(bad.data()).rejects.toThrow(/WebGPU failed on work before this read.*vec6/);
    bad.dispose();
    // The device is still usable afterwards.
    const ok = tf.add(tf.ones([3]), 1);
    expect(Array.from(await ok.data())).toEqual([2, 2, 2]);
    ok.dispose();
  });
});

describe('training ops on WebGPU', () => {
  afterAll(() => {
    if (worstSeen.length) console.log(`worst |WebGPU − CPU| / max(1, max |CPU|):\n  ${worstSeen.join('\n  ')}`);
  });
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s: value and gradients equal the CPU backend’s and finite differences', async (_name, c, i) => {
    const rng = new Rng(100 + i);
    const xv = values(c.x, rng);
    const wv = Object.fromEntries(Object.entries(c.w ?? {}).map(([n, s]) => [n, values(s, rng, c.positive?.includes(n))]));
    await tf.setBackend('webgpu');
    const probe = await run(c, xv, wv, null);
    const r = rng.fillUniform(new Float32Array(probe.y.length), -1, 1);
    const onGpu = await run(c, xv, wv, r);
    await tf.setBackend('cpu');
    const onCpu = await run(c, xv, wv, r);
    await tf.setBackend('webgpu');
    const rel = c.rel ?? 1e-5;
    const dy = expectClose(onGpu.y, onCpu.y, rel, `${c.name} value`);
    const dg = Math.max(...onGpu.grads.map((g, k) => expectClose(g, onCpu.grads[k], rel * 2, `${c.name} gradient ${k === 0 ? 'x' : Object.keys(c.w ?? {})[k - 1]}`)));
    worstSeen.push(`${c.name}: value ${dy.toExponential(1)}, gradients ${dg.toExponential(1)}`);

    // Central differences on WebGPU at a spread of coordinates of x and of each weight; points
    // on a kink (ReLU, a pool's max) where the one-sided differences disagree are skipped.
    const h = 1e-2;
    const tol = (fd: number) => 3e-3 + 2e-2 * Math.abs(fd);
    const f0 = await objective(c, xv, wv, r);
    let checked = 0, skipped = 0;
    const coords: { arr: Float32Array; k: number; idx: number; set: (a: Float32Array) => [Float32Array, Record<string, Float32Array>] }[] = [];
    const spread = (n: number, m: number) => Array.from(new Set(Array.from({ length: m }, (_, j) => Math.floor((j * n) / m))));
    for (const idx of spread(xv.length, 6)) coords.push({ arr: xv, k: 0, idx, set: (a) => [a, wv] });
    Object.keys(c.w ?? {}).forEach((n, j) => {
      for (const idx of spread(wv[n].length, 3)) coords.push({ arr: wv[n], k: j + 1, idx, set: (a) => [xv, { ...wv, [n]: a }] });
    });
    for (const { arr, k, idx, set } of coords) {
      const at = async (d: number) => { const p = arr.slice(); p[idx] += d; const [x2, w2] = set(p); return objective(c, x2, w2, r); };
      const plus = await at(h), minus = await at(-h);
      const fd = (plus - minus) / (2 * h);
      if (Math.abs((plus - f0) / h - (f0 - minus) / h) > 0.05 + 0.02 * Math.abs(fd)) {
        skipped++;
        continue;
      }
      checked++;
      const g = onGpu.grads[k][idx];
      expect(Math.abs(fd - g), `${c.name} d[${k}][${idx}]: WebGPU autodiff ${g} vs finite difference ${fd}`).toBeLessThan(tol(fd));
    }
    expect(checked, `${c.name}: points checked`).toBeGreaterThan(2 * skipped);
  });
});
