import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe, expect, it } from 'vitest';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { Rng } from '../../src-main/common/rng';
import { useBackend } from '../helpers/tf-backend';

interface Case {
  name: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  dilation: number;
  pad: 'same' | 'valid';
}

const CONV: Case[] = [];
for (const pad of ['same', 'valid'] as const) {
  // Dilation > 1: TF.js core has no gradient for dilated convolutions at all (any backend).
  for (const [stride, dilation] of [[1, 1], [2, 1]]) {
    for (const k of [1, 3, 5]) {
      CONV.push({ name: `k${k} s${stride} d${dilation} ${pad}`, x: [2, 8, 7, 3], k, co: 4, stride, dilation, pad });
    }
  }
}

/** d/dx and d/dW of Σ conv(x, W)·R on the current backend. */
function grads(c: Case, depthwise: boolean, xv: Float32Array, wv: Float32Array, rv: Float32Array) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, [c.k, c.k, c.x[3], depthwise ? 1 : c.co]);
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) =>
      depthwise ? tf.depthwiseConv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation) : tf.conv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation);
    const y = f(x, w);
    const r = tf.tensor(rv.subarray(0, y.size), y.shape);
    const [gx, gw] = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
    return { gx: (gx.dataSync() as Float32Array).slice(), gw: (gw.dataSync() as Float32Array).slice(), y: (y.dataSync() as Float32Array).slice() };
  });
}

function data(c: Case, depthwise: boolean) {
  const rng = new Rng(c.k * 100 + c.stride * 10 + c.dilation);
  const xv = rng.fillUniform(new Float32Array(c.x.reduce((a, b) => a * b)), -1, 1);
  const wv = rng.fillUniform(new Float32Array(c.k * c.k * c.x[3] * (depthwise ? 1 : c.co)), -1, 1);
  const rv = rng.fillUniform(new Float32Array(4096), -1, 1);
  return { xv, wv, rv };
}

function close(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * scale);
}

describe('WASM convolution gradients (registered where TF.js WASM has none)', () => {
  for (const depthwise of [false, true]) {
    for (const c of CONV) {
      it(`${depthwise ? 'depthwise' : 'conv2d'} ${c.name}: equals the CPU backend's gradients`, async () => {
        const d = data(c, depthwise);
        await useBackend('cpu');
        const ref = grads(c, depthwise, d.xv, d.wv, d.rv);
        await useBackend('wasm');
        registerWasmConvGradients();
        const before = tf.memory().numTensors;
        const got = grads(c, depthwise, d.xv, d.wv, d.rv);
        expect(tf.memory().numTensors).toBe(before);
        close(got.y, ref.y);
        close(got.gw, ref.gw);
        close(got.gx, ref.gx);
      });
    }
  }

  it('agrees with central finite differences (conv2d, stride 2, same)', async () => {
    await useBackend('wasm');
    registerWasmConvGradients();
    const c: Case = { name: 'fd', x: [1, 6, 6, 2], k: 3, co: 2, stride: 2, dilation: 1, pad: 'same' };
    const d = data(c, false);
    const { gw } = grads(c, false, d.xv, d.wv, d.rv);
    const loss = (wv: Float32Array) =>
      tf.tidy(() => {
        const y = tf.conv2d(tf.tensor4d(d.xv, c.x), tf.tensor4d(wv, [3, 3, 2, 2]), 2, 'same');
        return tf.sum(tf.mul(y, tf.tensor(d.rv.subarray(0, y.size), y.shape))).dataSync()[0];
      });
    for (let i = 0; i < d.wv.length; i += 3) {
      const p = d.wv.slice(); p[i] += 1e-2;
      const m = d.wv.slice(); m[i] -= 1e-2;
      expect(Math.abs((loss(p) - loss(m)) / 2e-2 - gw[i])).toBeLessThan(5e-3);
    }
  });
});
