import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { Rng } from '../../src-main/common/rng';
import { NB201_OPS } from '../../src-main/common/spaces/nb201';
import { avgPool3x3ExcludePad, batchNormTrain, conv2dSame } from '../../src-main/core/supernet/fast-ops';
import { Nb201Supernet } from '../../src-main/core/supernet/nb201-supernet';
import { useBackend } from '../helpers/tf-backend';

const spec = { inChannels: 1, classes: 3, C: 2, N: 1 };

function batch(seed: number, n = 6) {
  const rng = new Rng(seed);
  const x = rng.fillUniform(new Float32Array(n * 8 * 8), -1, 1);
  const y = Array.from({ length: n }, (_, i) => i % 3);
  return { x, y, n };
}

function loss(net: Nb201Supernet, arch: number[], b: ReturnType<typeof batch>): tf.Scalar {
  const logits = net.forward(tf.tensor4d(b.x, [b.n, 8, 8, 1]), arch);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(b.y, 'int32'), 3), logits) as tf.Scalar;
}

beforeAll(async () => {
  await useBackend('wasm');
  registerWasmConvGradients();
});

describe('NAS-Bench-201 supernet (single path)', () => {
  it('avg_pool_3x3 averages valid cells only (count_include_pad=False), like NAS-Bench-201', () => {
    const y = tf.tidy(() => avgPool3x3ExcludePad(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1])).dataSync());
    expect(Array.from(y)).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
  });

  it("documents why: TF.js avgPool 'same' has a wrong gradient at the border, ours is right", () => {
    const r = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 3, 1]); // d loss / d y[0,0] = 1
    const x = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    // y[0,0] averages the 4 valid cells of its window: d y[0,0] / d x[0,0] = 1/4.
    const theirs = tf.grad((a) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 3, 1, 'same'), r)))(x).dataSync()[0];
    const ours = tf.grad((a) => tf.sum(tf.mul(avgPool3x3ExcludePad(a as tf.Tensor4D), r)))(x).dataSync()[0];
    expect(ours).toBeCloseTo(0.25, 6);
    expect(theirs).not.toBeCloseTo(0.25, 3);
  });

  it('the fast conv and batch-norm gradients equal TF.js’s own (strides 1 and 2, even and odd sizes)', () => {
    const rng = new Rng(3);
    const t = (shape: number[]) => tf.tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    for (const [h, w, k, s] of [[8, 8, 3, 1], [7, 9, 1, 1], [8, 8, 3, 2], [7, 7, 3, 2], [9, 6, 3, 2]]) {
      tf.tidy(() => {
        const x = t([2, h, w, 3]) as tf.Tensor4D;
        const wt = t([k, k, 3, 4]) as tf.Tensor4D;
        const r = t(tf.conv2d(x, wt, s, 'same').shape);
        const theirs = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, 'same'), r)))([x, wt]);
        const ours = tf.grads((a, b) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, s), r)))([x, wt]);
        expect(maxDiff(theirs[0], ours[0]), `dx ${h}×${w} k${k} s${s}`).toBeLessThan(1e-4);
        expect(maxDiff(theirs[1], ours[1]), `dw ${h}×${w} k${k} s${s}`).toBeLessThan(1e-4);
      });
    }
    tf.tidy(() => {
      const x = tf.add(tf.mul(t([4, 5, 5, 3]), 3), 1) as tf.Tensor4D;
      const [g, b, r] = [t([3]), t([3]), t([4, 5, 5, 3])];
      const theirs = tf.grads((a, gg, bb) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, bb, gg, 1e-5), r));
      })([x, g, b]);
      const ours = tf.grads((a, gg, bb) => tf.sum(tf.mul(batchNormTrain(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D), r)))([x, g, b]);
      theirs.forEach((d, i) => expect(maxDiff(d, ours[i]), `batch norm input ${i}`).toBeLessThan(1e-4));
    });
  });

  it('gives [B, classes] logits for every path, including an all-none cell', () => {
    const net = new Nb201Supernet(spec, new Rng(1));
    for (const arch of [[0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 0, 3], [3, 3, 3, 3, 3, 3]]) {
      const shape = tf.tidy(() => net.forward(tf.zeros([4, 8, 8, 1]) as tf.Tensor4D, arch).shape);
      expect(shape).toEqual([4, 3]);
    }
    net.dispose();
  });

  it.each(NB201_OPS.map((op, i) => [op, i] as const))('%s: gradients w.r.t. input and weights match finite differences', (_op, opIndex) => {
    const net = new Nb201Supernet({ ...spec, C: 3 }, new Rng(2));
    const rng = new Rng(10 + opIndex);
    const xv = rng.fillUniform(new Float32Array(2 * 5 * 5 * 3), -1, 1);
    const rv = rng.fillUniform(new Float32Array(2 * 5 * 5 * 3), -1, 1);
    const f = (x: tf.Tensor4D) => {
      const y = net.edge('s0.c0.e0', opIndex, x);
      return y ? tf.sum(tf.mul(y, tf.tensor4d(rv, [2, 5, 5, 3]))) : tf.scalar(0);
    };
    const x0 = tf.tensor4d(xv, [2, 5, 5, 3]);
    const own = net.params.names().filter((n) => n.startsWith(`s0.c0.e0.${opIndex === 2 ? 'conv1x1' : 'conv3x3'}.`)).map((n) => net.params.byName(n));
    const vars = opIndex === 2 || opIndex === 3 ? own : [];
    if (NB201_OPS[opIndex] === 'none') {
      expect(net.edge('s0.c0.e0', opIndex, x0)).toBeNull(); // adds nothing: no gradient to check
      x0.dispose();
      net.dispose();
      return;
    }
    const gx = tf.grad((x) => f(x as tf.Tensor4D))(x0).dataSync();
    const { grads } = vars.length ? tf.variableGrads(() => f(x0) as tf.Scalar, vars) : { grads: {} as Record<string, tf.Tensor> };
    const h = 1e-2;
    const tol = (fd: number) => 2e-3 + 2e-2 * Math.abs(fd);
    for (let i = 0; i < xv.length; i += 7) {
      const at = (d: number) => { const p = xv.slice(); p[i] += d; return tf.tidy(() => f(tf.tensor4d(p, [2, 5, 5, 3])).dataSync()[0]); };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - gx[i]), `dx[${i}]`).toBeLessThan(tol(fd));
    }
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      for (let i = 0; i < base.length; i += Math.max(1, Math.floor(base.length / 6))) {
        const at = (d: number) => { const p = base.slice(); p[i] += d; v.assign(tf.tensor(p, v.shape)); return tf.tidy(() => f(x0).dataSync()[0]); };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(fd - g[i]), `${net.params.localName(v)}[${i}]`).toBeLessThan(tol(fd));
      }
    }
    Object.values(grads).forEach((t) => t.dispose());
    x0.dispose();
    net.dispose();
  });

  it('a step on one path changes only that path’s weights, and training lowers the loss', () => {
    const net = new Nb201Supernet(spec, new Rng(4));
    const arch = [3, 1, 2, 4, 3, 0];
    const b = batch(5);
    const before = net.params.snapshot();
    const used = new Set(net.pathParams(arch).map((v) => net.params.localName(v)));
    const opt = tf.train.momentum(0.05, 0.9);
    const l0 = tf.tidy(() => loss(net, arch, b).dataSync()[0]);
    for (let i = 0; i < 30; i++) {
      tf.tidy(() => {
        opt.minimize(() => loss(net, arch, b), false, net.pathParams(arch));
      });
    }
    const l1 = tf.tidy(() => loss(net, arch, b).dataSync()[0]);
    expect(l1).toBeLessThan(l0 * 0.7);
    const after = net.params.snapshot();
    for (const name of Object.keys(before)) {
      const changed = before[name].values.some((v, i) => v !== after[name].values[i]);
      if (!used.has(name)) expect(changed, name).toBe(false);
    }
    expect(used.has('s0.c0.e0.conv3x3.conv.w')).toBe(true);
    expect(used.has('s0.c0.e0.conv1x1.conv.w')).toBe(false);
    opt.dispose();
    net.dispose();
  });

  it('snapshot and restore give back the same weights, without leaking tensors', () => {
    const net = new Nb201Supernet(spec, new Rng(7));
    const arch = [3, 3, 3, 3, 3, 3];
    const b = batch(8);
    const snap = net.params.snapshot();
    const before = tf.memory().numTensors;
    const l0 = tf.tidy(() => loss(net, arch, b).dataSync()[0]);
    const opt = tf.train.sgd(0.5);
    tf.tidy(() => {
      opt.minimize(() => loss(net, arch, b), false, net.pathParams(arch));
    });
    expect(tf.tidy(() => loss(net, arch, b).dataSync()[0])).not.toBe(l0);
    net.params.restore(snap);
    expect(tf.tidy(() => loss(net, arch, b).dataSync()[0])).toBe(l0);
    opt.dispose(); // holds its learning-rate scalar
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
