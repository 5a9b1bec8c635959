import * as tf from '@tensorflow/tfjs-core';
import { checkGradients } from '../helpers/finite-differences';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { Rng } from '../../src-main/common/rng';
import { DARTS_OPS, DARTS_V2, dartsSpace, PC_DARTS, type DartsGenotype } from '../../src-main/common/spaces/darts';
import { avgPool3x3, dartsOp, depthwiseConvTorch, factorizedReduce, maxPool3x3, subsample, type DartsOpName, type Stride } from '../../src-main/core/supernet/darts-ops';
import { DartsSupernet } from '../../src-main/core/supernet/darts-supernet';
import { ParamStore } from '../../src-main/core/supernet/param-store';
import { useBackend } from '../helpers/tf-backend';

type Shape = [number, number, number, number];
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const at4 = (s: Shape, n: number, i: number, j: number, c: number) => ((n * s[1] + i) * s[2] + j) * s[3] + c;

// ---- Plain-JS references with PyTorch semantics (independent of TF.js) ----

/** Conv2d(C, C, k, stride, padding=d(k−1)/2, dilation=d, groups=C); filter [k, k, C]. */
function depthwiseRef(x: Float32Array, s: Shape, f: Float32Array, k: number, stride: number, d: number): { y: Float32Array; shape: Shape } {
  const p = (d * (k - 1)) / 2;
  const oh = Math.floor((s[1] + 2 * p - d * (k - 1) - 1) / stride) + 1;
  const ow = Math.floor((s[2] + 2 * p - d * (k - 1) - 1) / stride) + 1;
  const shape: Shape = [s[0], oh, ow, s[3]];
  const y = new Float32Array(size(shape));
  for (let n = 0; n < s[0]; n++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < s[3]; c++) {
    let acc = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      const r = i * stride - p + a * d, q = j * stride - p + b * d;
      if (r >= 0 && r < s[1] && q >= 0 && q < s[2]) acc += x[at4(s, n, r, q, c)] * f[(a * k + b) * s[3] + c];
    }
    y[at4(shape, n, i, j, c)] = acc;
  }
  return { y, shape };
}

/** MaxPool2d(3, stride, padding=1) / AvgPool2d(3, stride, padding=1, count_include_pad=False). */
function poolRef(x: Float32Array, s: Shape, stride: number, kind: 'max' | 'avg'): Float32Array {
  const oh = Math.floor((s[1] - 1) / stride) + 1, ow = Math.floor((s[2] - 1) / stride) + 1;
  const shape: Shape = [s[0], oh, ow, s[3]];
  const y = new Float32Array(size(shape));
  for (let n = 0; n < s[0]; n++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < s[3]; c++) {
    let m = -Infinity, sum = 0, cnt = 0;
    for (let r = i * stride - 1; r <= i * stride + 1; r++) for (let q = j * stride - 1; q <= j * stride + 1; q++) {
      if (r < 0 || r >= s[1] || q < 0 || q >= s[2]) continue;
      const v = x[at4(s, n, r, q, c)];
      m = Math.max(m, v);
      sum += v;
      cnt++;
    }
    y[at4(shape, n, i, j, c)] = kind === 'max' ? m : sum / cnt;
  }
  return y;
}

/** d Σ(r ⊙ MaxPool2d(3, stride, padding=1)(x)) / dx: each window's r goes to its first (row-major) max. */
function maxPoolGradRef(x: Float32Array, s: Shape, stride: number, r: Float32Array): Float32Array {
  const oh = Math.floor((s[1] - 1) / stride) + 1, ow = Math.floor((s[2] - 1) / stride) + 1;
  const g = new Float32Array(x.length);
  for (let n = 0; n < s[0]; n++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < s[3]; c++) {
    let best = -Infinity, arg = -1;
    for (let p = i * stride - 1; p <= i * stride + 1; p++) for (let q = j * stride - 1; q <= j * stride + 1; q++) {
      if (p < 0 || p >= s[1] || q < 0 || q >= s[2]) continue;
      if (x[at4(s, n, p, q, c)] > best) [best, arg] = [x[at4(s, n, p, q, c)], at4(s, n, p, q, c)];
    }
    g[arg] += r[at4([s[0], oh, ow, s[3]], n, i, j, c)];
  }
  return g;
}

/** FactorizedReduce: ReLU, conv_1(x) ‖ conv_2(x[:, :, 1:, 1:]) (1×1, stride 2), BN (affine=False). */
function factorizedReduceRef(x: Float32Array, s: Shape, w1: Float32Array, w2: Float32Array, cOut: number): Float32Array {
  const [n, h, w, cin] = s;
  const shape: Shape = [n, h / 2, w / 2, cOut];
  const y = new Float32Array(size(shape));
  const half = cOut / 2;
  for (let b = 0; b < n; b++) for (let i = 0; i < h / 2; i++) for (let j = 0; j < w / 2; j++) for (let o = 0; o < cOut; o++) {
    const [wt, off, oc] = o < half ? [w1, 0, o] : [w2, 1, o - half];
    let acc = 0;
    for (let c = 0; c < cin; c++) acc += Math.max(0, x[at4(s, b, 2 * i + off, 2 * j + off, c)]) * wt[c * half + oc];
    y[at4(shape, b, i, j, o)] = acc;
  }
  const m = n * (h / 2) * (w / 2);
  for (let o = 0; o < cOut; o++) {
    let mean = 0, v = 0;
    for (let t = 0; t < m; t++) mean += y[t * cOut + o] / m;
    for (let t = 0; t < m; t++) v += (y[t * cOut + o] - mean) ** 2 / m;
    for (let t = 0; t < m; t++) y[t * cOut + o] = (y[t * cOut + o] - mean) / Math.sqrt(v + 1e-5);
  }
  return y;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst, `${label}: max |Δ|`).toBeLessThan(tol);
}

// ---- Finite differences ----

/** Gradient check of one op at one stride, on the current backend (affine BN: γ, β are checked too). */
function checkOp(op: DartsOpName, stride: Stride, seed: number): void {
  const shape: Shape = [2, 6, 6, 4];
  const params = new ParamStore(new Rng(seed));
  const rng = new Rng(seed + 1000);
  const xv = rng.fillUniform(new Float32Array(size(shape)), -1, 1);
  const outShape: Shape = [2, 6 / stride, 6 / stride, 4];
  const r = rng.fillUniform(new Float32Array(size(outShape)), -1, 1);
  const out = (x: tf.Tensor4D) => dartsOp(op, params, 'op', x, 4, stride, true) as tf.Tensor4D;
  expect(tf.tidy(() => out(tf.tensor4d(xv, shape)).shape)).toEqual(outShape); // also creates the op's weights
  const vars = params.names().map((n) => params.byName(n));
  const expectedVars = { max_pool_3x3: 0, avg_pool_3x3: 0, skip_connect: stride === 1 ? 0 : 4, sep_conv_3x3: 8, sep_conv_5x5: 8, dil_conv_3x3: 4, dil_conv_5x5: 4, none: 0 }[op];
  expect(params.names().length, 'weights of the op (convs + BN γ, β)').toBe(expectedVars);
  checkGradients(out, xv, shape, vars, `${op} stride ${stride}`, { r });
  params.dispose();
}

beforeAll(async () => {
  await useBackend('wasm');
  registerWasmConvGradients();
});

afterAll(async () => {
  await useBackend('wasm');
});

describe('DARTS operations (operations.py semantics)', () => {
  it('max and avg pool 3×3, padding 1 (count_include_pad=False) equal a plain-JS PyTorch reference at stride 1 and 2', () => {
    for (const s of [[2, 6, 6, 3], [1, 5, 7, 2]] as Shape[]) {
      const xv = new Rng(3).fillUniform(new Float32Array(size(s)), -2, 2);
      for (const stride of [1, 2] as const) {
        const [mx, av] = tf.tidy(() => [maxPool3x3(tf.tensor4d(xv, s), stride).dataSync(), avgPool3x3(tf.tensor4d(xv, s), stride).dataSync()]);
        expectClose(mx, poolRef(xv, s, stride, 'max'), 1e-6, `max pool ${s} stride ${stride}`);
        expectClose(av, poolRef(xv, s, stride, 'avg'), 1e-5, `avg pool ${s} stride ${stride}`);
      }
    }
  });

  it("documents why explicit padding: TF.js 'same' stride-2 pooling pads bottom/right only, so its windows differ from PyTorch's padding=1", () => {
    const s: Shape = [1, 6, 6, 1];
    const xv = new Rng(4).fillUniform(new Float32Array(36), -1, 1);
    const theirs = tf.tidy(() => tf.maxPool(tf.tensor4d(xv, s), 3, 2, 'same').dataSync());
    const ref = poolRef(xv, s, 2, 'max');
    expect(Array.from(theirs)).not.toEqual(Array.from(ref));
  });

  it('subsample(x, s, a, b) = x[:, a::s, b::s, :] on odd and even sizes', () => {
    for (const s of [[2, 5, 7, 3], [1, 6, 6, 2]] as Shape[]) {
      const xv = Float32Array.from({ length: size(s) }, (_, i) => i);
      for (const [st, a, b] of [[2, 0, 0], [2, 1, 1], [2, 1, 0], [3, 2, 1]]) {
        const got = tf.tidy(() => subsample(tf.tensor4d(xv, s), st, a, b).dataSync());
        const want: number[] = [];
        for (let n = 0; n < s[0]; n++) for (let i = a; i < s[1]; i += st) for (let j = b; j < s[2]; j += st) for (let c = 0; c < s[3]; c++) want.push(xv[at4(s, n, i, j, c)]);
        expect(Array.from(got), `${s} s${st} a${a} b${b}`).toEqual(want);
      }
    }
  });

  it('max pool gradient sends each window’s dy to its max, also where the max is ≤ 0 (stride 1, 2)', () => {
    const s: Shape = [2, 6, 6, 3];
    const rng = new Rng(8);
    // Shifted down so that many windows (all at the border) hold only negative values; some zeros tie.
    const xv = rng.fillUniform(new Float32Array(size(s)), -2, 0.5).map((v, i) => (i % 11 === 0 ? 0 : v));
    for (const stride of [1, 2] as const) {
      const oh = Math.floor((6 - 1) / stride) + 1;
      const r = rng.fillUniform(new Float32Array(2 * oh * oh * 3), -1, 1);
      const g = tf.tidy(() => tf.grad((x) => tf.sum(tf.mul(maxPool3x3(x as tf.Tensor4D, stride), tf.tensor4d(r, [2, oh, oh, 3]))))(tf.tensor4d(xv, s)).dataSync());
      expectClose(g, maxPoolGradRef(xv, s, stride, r), 1e-6, `max pool gradient, stride ${stride}`);
    }
  });

  it("documents why: TF.js's WASM MaxPoolGrad misroutes the gradient of a window whose max is ≤ 0", () => {
    // One 2×2 window [−1, −1, 0, −1]: the max is cell 2, which must get dy.
    const x = tf.tensor4d([-1, -1, 0, -1], [1, 2, 2, 1]);
    const theirs = tf.tidy(() => tf.grad((a) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x).dataSync());
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(theirs)).not.toEqual([0, 0, 1, 0]); // TF.js 4.22 WASM: [1, 0, 0, 0]
    x.dispose();
  });

  it('depthwise convs (k 3, 5; dilation 1, 2; stride 1, 2) equal a plain-JS reference, and tf.depthwiseConv2d with dilations', () => {
    for (const s of [[2, 8, 8, 3], [1, 7, 6, 2]] as Shape[]) {
      for (const k of [3, 5]) {
        const rng = new Rng(k * 10 + s[1]);
        const xv = rng.fillUniform(new Float32Array(size(s)), -1, 1);
        const fv = rng.fillUniform(new Float32Array(k * k * s[3]), -1, 1);
        for (const d of [1, 2]) {
          for (const stride of [1, 2]) {
            const ref = depthwiseRef(xv, s, fv, k, stride, d);
            const ours = tf.tidy(() => {
              const y = depthwiseConvTorch(tf.tensor4d(xv, s), tf.tensor4d(fv, [k, k, s[3], 1]), stride, d);
              expect(y.shape).toEqual(ref.shape);
              return y.dataSync();
            });
            expectClose(ours, ref.y, 1e-5, `k${k} d${d} s${stride} on ${s}`);
          }
          // TF.js's own dilated forward (stride 1; it refuses stride and dilation both > 1).
          const p = (d * (k - 1)) / 2;
          const tfjs = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(xv, s), tf.tensor4d(fv, [k, k, s[3], 1]), 1, [[0, 0], [p, p], [p, p], [0, 0]], 'NHWC', d).dataSync());
          const ours = tf.tidy(() => depthwiseConvTorch(tf.tensor4d(xv, s), tf.tensor4d(fv, [k, k, s[3], 1]), 1, d).dataSync());
          expectClose(ours, tfjs, 1e-5, `k${k} d${d} vs tf.depthwiseConv2d`);
        }
      }
    }
  });

  it('documents why: TF.js has no gradient for a dilated depthwise conv', () => {
    const x = tf.zeros([1, 6, 6, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    expect(() => tf.grad((a) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, w, 1, 'same', 'NHWC', 2)))(x)).toThrow(/dilation/);
    tf.dispose([x, w]);
  });

  it('FactorizedReduce reads even pixels in one half and odd pixels (x[1:, 1:]) in the other, as DARTS', () => {
    const s: Shape = [2, 6, 6, 3];
    const params = new ParamStore(new Rng(5));
    const xv = new Rng(6).fillUniform(new Float32Array(size(s)), -1, 1);
    const y = tf.tidy(() => factorizedReduce(params, 'fr', tf.tensor4d(xv, s), 4).dataSync());
    const w1 = params.byName('fr.conv1.w').dataSync() as Float32Array;
    const w2 = params.byName('fr.conv2.w').dataSync() as Float32Array;
    expectClose(y, factorizedReduceRef(xv, s, w1, w2, 4), 1e-4, 'FactorizedReduce');
    expect(() => tf.tidy(() => factorizedReduce(params, 'fr', tf.zeros([1, 5, 5, 3]) as tf.Tensor4D, 4))).toThrow(/even/);
    params.dispose();
  });

  it('none adds nothing (null, as in the NAS-Bench-201 supernet; never in a DARTS genotype)', () => {
    const params = new ParamStore(new Rng(1));
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(dartsOp('none', params, 'op', x, 2, 2)).toBeNull();
    x.dispose();
    params.dispose();
  });

  const cases = DARTS_OPS.flatMap((op, i) => [[op, 1, i] as const, [op, 2, i] as const]);
  it.each(cases)('%s stride %d: gradients w.r.t. input and weights match finite differences (WASM)', (op, stride, i) => {
    checkOp(op, stride as Stride, 20 + i);
  });

  it('dil_conv 3×3 / 5×5, stride 1 / 2: gradients match finite differences on the CPU backend too', async () => {
    await useBackend('cpu');
    try {
      for (const op of ['dil_conv_3x3', 'dil_conv_5x5'] as const) for (const stride of [1, 2] as const) checkOp(op, stride, 40);
    } finally {
      await useBackend('wasm');
    }
  });
});

// ---- The supernet ----

const spec = { inChannels: 3, classes: 5, C: 4, layers: 5 };

function batch(seed: number, n: number, hw = 8, c = 3) {
  const rng = new Rng(seed);
  return { x: rng.fillUniform(new Float32Array(n * hw * hw * c), -1, 1), y: Array.from({ length: n }, (_, i) => i % 5), n, hw, c };
}

function loss(net: DartsSupernet, g: DartsGenotype, b: ReturnType<typeof batch>): tf.Scalar {
  const logits = net.forward(tf.tensor4d(b.x, [b.n, b.hw, b.hw, b.c]), g);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(b.y, 'int32'), net.spec.classes), logits) as tf.Scalar;
}

const randomGenotypes = (seed: number, k: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: k }, () => dartsSpace.sample(rng));
};

describe('DARTS supernet (single path)', () => {
  it('gives [B, classes] logits for DARTS_V2, PC_DARTS and random genotypes (3 and 5 layers)', () => {
    for (const layers of [3, 5]) {
      const net = new DartsSupernet({ ...spec, C: 2, layers }, new Rng(1));
      for (const g of [DARTS_V2, PC_DARTS, ...randomGenotypes(layers, 4)]) {
        const out = tf.tidy(() => {
          const y = net.forward(tf.tensor4d(batch(2, 3).x, [3, 8, 8, 3]), g);
          return { shape: y.shape, finite: y.dataSync().every(Number.isFinite) };
        });
        expect(out).toEqual({ shape: [3, 5], finite: true });
      }
      net.dispose();
    }
  });

  it('creates every (cell, node, input, op) weight up front, with the shapes of DARTS’s search network', () => {
    const net = new DartsSupernet(spec, new Rng(2));
    // Per edge position (affine=False: no BN parameters): sep_conv 4 convs, dil_conv 2, pools 0,
    // skip 0 at stride 1 and 2 (FactorizedReduce) at stride 2: 12 at stride 1, 14 at stride 2.
    // Normal cell: 14 positions × 12 = 168; reduction cell: 8 × 14 + 6 × 12 = 184. Preprocessing:
    // 1 conv each, FactorizedReduce 2. layers = 5: reductions at cells 1 and 3.
    // cells 0..4: 170 + 186 + 171 + 186 + 171 = 884, + stem conv, γ, β + fc w, b = 889.
    expect(net.params.names().length).toBe(889);
    const shape = (n: string) => net.params.byName(n).shape;
    expect(shape('stem.conv.w')).toEqual([3, 3, 3, 12]); // 3·C channels
    expect(shape('cell0.pre0.conv.w')).toEqual([1, 1, 12, 4]);
    expect(shape('cell1.n0.i0.sep_conv_5x5.dw1.w')).toEqual([5, 5, 8, 1]); // reduction doubles C
    expect(shape('cell1.n0.i1.skip_connect.conv2.w')).toEqual([1, 1, 8, 4]);
    expect(shape('cell2.pre0.conv1.w')).toEqual([1, 1, 16, 4]); // FactorizedReduce after a reduction
    expect(shape('cell3.n3.i4.dil_conv_5x5.dw.w')).toEqual([5, 5, 16, 1]);
    expect(shape('fc.w')).toEqual([64, 5]); // 4 nodes × 16 channels
    // Forward passes create nothing new.
    tf.tidy(() => randomGenotypes(3, 3).forEach((g) => net.forward(tf.zeros([2, 8, 8, 3]) as tf.Tensor4D, g)));
    expect(net.params.names().length).toBe(889);
    net.dispose();
  });

  it('the same seed gives identical parameters whatever is sampled first; another seed differs', () => {
    const a = new DartsSupernet({ ...spec, layers: 3 }, new Rng(9));
    tf.tidy(() => a.forward(tf.zeros([2, 8, 8, 3]) as tf.Tensor4D, PC_DARTS));
    const b = new DartsSupernet({ ...spec, layers: 3 }, new Rng(9));
    const c = new DartsSupernet({ ...spec, layers: 3 }, new Rng(10));
    const [sa, sb, sc] = [a, b, c].map((n) => n.params.snapshot());
    expect(Object.keys(sa)).toEqual(Object.keys(sb));
    for (const k of Object.keys(sa)) expect(Array.from(sb[k].values), k).toEqual(Array.from(sa[k].values));
    expect(Array.from(sc['cell0.n0.i0.sep_conv_3x3.dw1.w'].values)).not.toEqual(Array.from(sa['cell0.n0.i0.sep_conv_3x3.dw1.w'].values));
    [a, b, c].forEach((n) => n.dispose());
  });

  it.each([
    ['DARTS_V2', DARTS_V2],
    ['PC_DARTS', PC_DARTS],
    ['random', randomGenotypes(7, 1)[0]],
  ] as const)('pathParams(%s) are exactly the variables whose gradient the path reaches', (_name, g) => {
    const net = new DartsSupernet({ ...spec, layers: 3, affine: true }, new Rng(3));
    const b = batch(4, 4);
    const all = net.params.names().map((n) => net.params.byName(n));
    const reached = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss(net, g, b), all);
      return Object.entries(grads).map(([k, t]) => ({ name: net.params.localName(all.find((v) => v.name === k)!), nonzero: t.dataSync().some((v) => v !== 0) }));
    });
    const path = net.pathParams(g).map((v) => net.params.localName(v));
    expect(reached.map((r) => r.name).sort()).toEqual([...path].sort());
    expect(reached.filter((r) => !r.nonzero).map((r) => r.name)).toEqual([]);
    // Independent of the gradient: the genotype's own conv weights are on the path, other ops' not.
    const cell0 = new Set(g.normal.map(([op, i], j) => `cell0.n${j >> 1}.i${i}.${op}.`));
    for (const n of path.filter((p) => /^cell0\.n/.test(p))) expect([...cell0].some((pre) => n.startsWith(pre)), n).toBe(true);
    net.dispose();
  });

  it('a training step on a path changes only its weights and lowers the loss; no tensors leak', () => {
    const net = new DartsSupernet({ ...spec, C: 2, layers: 3 }, new Rng(5));
    const g = PC_DARTS;
    const b = batch(6, 5);
    const opt = tf.train.momentum(0.05, 0.9);
    const before = net.params.snapshot();
    const used = new Set(net.pathParams(g).map((v) => net.params.localName(v)));
    const l0 = tf.tidy(() => loss(net, g, b).dataSync()[0]);
    const step = () => tf.tidy(() => { opt.minimize(() => loss(net, g, b), false, net.pathParams(g)); });
    step(); // the optimiser creates its momentum accumulators once
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 14; i++) step();
    expect(tf.memory().numTensors).toBe(n0);
    expect(tf.tidy(() => loss(net, g, b).dataSync()[0])).toBeLessThan(l0 * 0.7);
    const after = net.params.snapshot();
    for (const name of Object.keys(before)) {
      const changed = before[name].values.some((v, i) => v !== after[name].values[i]);
      expect(changed, name).toBe(used.has(name));
    }
    opt.dispose();
    net.dispose();
  });

  it('repeated forward/backward passes on different paths inside tidy leave no tensors behind', () => {
    const net = new DartsSupernet({ ...spec, C: 2, layers: 3 }, new Rng(6));
    const b = batch(7, 3);
    const paths = [DARTS_V2, PC_DARTS, ...randomGenotypes(11, 2)];
    const pass = (g: DartsGenotype) => tf.tidy(() => { tf.variableGrads(() => loss(net, g, b), net.pathParams(g)); });
    paths.forEach(pass);
    const n0 = tf.memory().numTensors;
    for (let r = 0; r < 2; r++) paths.forEach(pass);
    expect(tf.memory().numTensors).toBe(n0);
    const vars = net.params.names().length;
    net.dispose(); // releases every variable
    expect(tf.memory().numTensors).toBe(n0 - vars);
  });

  it('rejects odd C, image sizes the reductions cannot halve, and malformed genotypes', () => {
    expect(() => new DartsSupernet({ ...spec, C: 3 }, new Rng(1))).toThrow(/even C/);
    const net = new DartsSupernet({ ...spec, C: 2, layers: 3 }, new Rng(1));
    expect(() => tf.tidy(() => net.forward(tf.zeros([1, 6, 6, 3]) as tf.Tensor4D, DARTS_V2))).toThrow(/divisible by 4/);
    const bad = { ...DARTS_V2, normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 0], ...DARTS_V2.normal.slice(2)] } as DartsGenotype;
    expect(() => net.pathParams(bad)).toThrow(/both pairs read input 0/);
    net.dispose();
  });
});


