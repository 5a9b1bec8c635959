import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { MAX_POOL_GRAD_KERNEL, wasmMaxPoolAvailable } from '../../src-main/core/kernels/wasm-max-pool';
import { maxPool3x3, maxPoolGradComposed, type Stride } from '../../src-main/core/supernet/darts-ops';
import { sameBits as bits, useBackend } from '../helpers/tf-backend';

type Shape4 = [number, number, number, number];

/** x with many ties (values on a coarse grid), negative values and a few −0s and +0s. */
function tiedValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = rng.fillUniform(new Float32Array(n), -3, 3);
  for (let i = 0; i < n; i++) v[i] = Math.round(v[i] * 2) / 2;
  for (let i = 0; i < n; i += 7) v[i] = i % 2 ? -0 : 0;
  return v;
}

describe('the 3×3 max pool gradient as one TF.js WASM kernel (core/kernels/wasm-max-pool.ts)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  // DARTS's shapes (C = 4 · 2ᵏ channels at 28, 14, 7 pixels), odd and tiny sides.
  const cases: [Shape4, Stride][] = [
    [[16, 28, 28, 4], 1], [[16, 28, 28, 8], 2], [[16, 14, 14, 16], 1], [[16, 14, 14, 16], 2], [[16, 7, 7, 16], 1],
    [[2, 7, 5, 4], 2], [[3, 5, 6, 8], 1], [[1, 1, 1, 4], 1], [[2, 2, 3, 4], 2],
  ];
  for (const [shape, stride] of cases) {
    it(`[${shape.join(', ')}] stride ${stride}: the composition's float32 bits (ties, ±0, −∞ borders), one kernel, no leaks`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = tiedValues(n, 3 + stride);
      const [N, H, W, C] = shape;
      const oh = Math.floor((H + 2 - 3) / stride) + 1, ow = Math.floor((W + 2 - 3) / stride) + 1;
      const dyv = tiedValues(N * oh * ow * C, 11);
      const before = tf.memory().numTensors;
      const [ours, ref] = tf.tidy(() => {
        const x = tf.tensor4d(xv, shape), dy = tf.tensor4d(dyv, [N, oh, ow, C]);
        const g = tf.grad((a) => tf.sum(tf.mul(maxPool3x3(a as tf.Tensor4D, stride), dy)))(x);
        const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], -Infinity) as tf.Tensor4D;
        const y = tf.maxPool(xp, 3, stride, 'valid');
        return [(g.dataSync() as Float32Array).slice(), (maxPoolGradComposed(xp, y, dy, stride).dataSync() as Float32Array).slice()];
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(ours.length).toBe(n);
      expect(bits(ours, ref)).toBe(true);
      // The gradient of the sum of the pool is a count per cell: every window sends its 1 somewhere.
      const total = tf.tidy(() => tf.sum(tf.grad((a) => tf.sum(maxPool3x3(a as tf.Tensor4D, stride)))(tf.tensor4d(xv, shape))).dataSync()[0]);
      expect(total).toBe(N * oh * ow * C);
      const x = tf.variable(tf.tensor4d(xv, shape));
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(maxPool3x3(x as unknown as tf.Tensor4D, stride)), [x]).grads);
      x.dispose();
      const names = p.kernels.map((k) => k.name);
      expect(names.filter((k) => k === MAX_POOL_GRAD_KERNEL).length).toBe(1);
      expect(names).not.toContain('LogicalAnd');
    });
  }

  it('refuses inputs of the wrong shapes by name', () => {
    expect(wasmMaxPoolAvailable(tf.backend())).toBe(true);
    tf.tidy(() => {
      const xp = tf.zeros([2, 6, 6, 4]), y = tf.zeros([2, 4, 4, 4]);
      expect(() => tf.engine().runKernel(MAX_POOL_GRAD_KERNEL, { xp, y, dy: tf.zeros([2, 3, 4, 4]) }, { stride: 1 } as never)).toThrow(/L2nasMaxPool3x3Grad: dy must be \[2, 4, 4, 4\]/);
      expect(() => tf.engine().runKernel(MAX_POOL_GRAD_KERNEL, { xp: tf.zeros([2, 6, 6, 3]), y, dy: y }, { stride: 1 } as never)).toThrow(/multiple of 4 channels/);
      expect(() => tf.engine().runKernel(MAX_POOL_GRAD_KERNEL, { xp, y, dy: y }, { stride: 3 } as never)).toThrow(/stride must be 1 or 2/);
    });
  });
});
