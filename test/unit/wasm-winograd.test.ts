import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { directConv2d, directConv2dFilterGrad } from '../../src-main/core/kernels/wasm-conv';
import { CONV2D_KERNEL, WINOGRAD_MIN_INPUT_CHANNELS, wasmConvAvailable } from '../../src-main/core/kernels/wasm-conv-kernel';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { winogradConv2d, winogradCovers, winogradFilterGrad, winogradTile, type WinogradTile } from '../../src-main/core/kernels/wasm-winograd';
import { readOutput as read, sameBits as bits, useBackend } from '../helpers/tf-backend';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Geometry {
  n: number; h: number; w: number; ci: number; co: number; oh: number; ow: number; top: number; left: number;
}

function geometry(xs: Shape4, co: number, pad: Pad): Geometry {
  const info = tf.backend_util.computeConv2DInfo(xs, [3, 3, xs[3], co], 1, 1, pad);
  return { n: xs[0], h: xs[1], w: xs[2], ci: xs[3], co, oh: info.outHeight, ow: info.outWidth, top: info.padInfo.top, left: info.padInfo.left };
}

/** The float64 sums of a 3×3 stride-1 conv (y) and of its filter gradient (dw): the truth both kernels are measured against. */
function reference(g: Geometry, x: Float32Array, w: Float32Array, dy: Float32Array): { y: Float64Array; dw: Float64Array; yScale: Float64Array; dwScale: Float64Array } {
  const { n, h, w: wd, ci, co, oh, ow, top, left } = g;
  const y = new Float64Array(n * oh * ow * co), yScale = new Float64Array(y.length);
  const dw = new Float64Array(9 * ci * co), dwScale = new Float64Array(dw.length);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const o = ((b * oh + i) * ow + j) * co;
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const r = i + ky - top, c = j + kx - left;
      if (r < 0 || r >= h || c < 0 || c >= wd) continue;
      const xi = ((b * h + r) * wd + c) * ci, wi = (ky * 3 + kx) * ci * co;
      for (let a = 0; a < ci; a++) for (let q = 0; q < co; q++) {
        const p = x[xi + a] * w[wi + a * co + q], d = x[xi + a] * dy[o + q];
        y[o + q] += p;
        yScale[o + q] += Math.abs(p);
        dw[wi + a * co + q] += d;
        dwScale[wi + a * co + q] += Math.abs(d);
      }
    }
  }
  return { y, dw, yScale, dwScale };
}

/** The largest error relative to Σ|terms| of each sum (the scale any float32 summation's error grows with). */
function worstError(got: Float32Array, exact: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < exact.length; i++) if (scale[i] > 0) worst = Math.max(worst, Math.abs(got[i] - exact[i]) / scale[i]);
  return worst;
}

describe('Winograd F(2×2, 3×3) convolutions on TF.js WASM (core/kernels/wasm-winograd.ts)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmConvGradients();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  // The NB201 demo's three cell shapes, then odd sides (a last tile half outside), 'valid',
  // explicit pads larger than 1, a 1×1 image, 7×7 with 32 channels (planes 4 KiB apart unless offset).
  const cases: [Shape4, number, Pad][] = [
    [[16, 28, 28, 8], 8, 'same'],
    [[16, 14, 14, 16], 16, 'same'],
    [[16, 7, 7, 32], 32, 'same'],
    [[3, 7, 5, 8], 16, 'same'],
    [[2, 5, 6, 4], 8, 'valid'],
    [[2, 6, 7, 4], 8, [[0, 0], [2, 1], [0, 3], [0, 0]]],
    [[1, 1, 1, 4], 8, 'same'],
    [[2, 9, 4, 12], 24, 'same'],
  ];
  // Errors relative to Σ|terms| of each sum (float32's epsilon is 1.2e-7). F(2×2)'s transforms add
  // and scale by ½ (exact): measured here as close as the direct sums (worst 2.1e-7 and 2.2e-7).
  // F(4×4)'s have constants up to 8 and ⅙ (inexact): worst 2.7e-6, ≈ 13× the direct sums', still
  // a few millionths of the terms' magnitude (F(4×4, 3×3) is the float32 Winograd cuDNN uses).
  const bounds: Record<WinogradTile, { abs: number; vsDirect: number }> = { 2: { abs: 1e-6, vsDirect: 8 }, 4: { abs: 8e-6, vsDirect: 64 } };
  for (const [xs, co, pad] of cases) {
    it(`x [${xs.join(', ')}] → ${co} channels (${typeof pad === 'string' ? pad : 'explicit pads'}): the conv and its filter gradient, F(2×2) and F(4×4), close to the float64 sums, no leaks`, () => {
      const g = geometry(xs, co, pad);
      const rng = new Rng(17);
      const xv = rng.fillUniform(new Float32Array(xs.reduce((a, b) => a * b, 1)), -2, 2);
      const wv = rng.fillUniform(new Float32Array(9 * xs[3] * co), -2, 2);
      const dyv = rng.fillUniform(new Float32Array(g.n * g.oh * g.ow * co), -2, 2);
      const exact = reference(g, xv, wv, dyv);
      const x = tf.tensor4d(xv, xs), w = tf.tensor4d(wv, [3, 3, xs[3], co]), dy = tf.tensor4d(dyv, [g.n, g.oh, g.ow, co]);
      const attrs = { strides: [1, 1], pad, filterShape: [3, 3, xs[3], co], dataFormat: 'NHWC', dilations: [1, 1] };
      const b = tf.backend();
      const yd = read(directConv2d(b, x, w, pad)!), dwd = read(directConv2dFilterGrad(b, x, dy, attrs)!);
      const direct = { conv: worstError(yd, exact.y, exact.yScale), grad: worstError(dwd, exact.dw, exact.dwScale) };
      for (const tile of [2, 4] as WinogradTile[]) {
        const ids = b.numDataIds();
        const y = winogradConv2d(b, x, w, pad, undefined, tile);
        expect(y).not.toBeNull();
        expect(b.numDataIds(), 'only the output is left').toBe(ids + 1);
        expect(y!.shape).toEqual([g.n, g.oh, g.ow, co]);
        const dw = winogradFilterGrad(b, x, dy, attrs, tile);
        expect(dw).not.toBeNull();
        expect(b.numDataIds(), 'only the two outputs are left').toBe(ids + 2);
        const yw = read(y!), dww = read(dw!);
        const errs = { tile, conv: worstError(yw, exact.y, exact.yScale), grad: worstError(dww, exact.dw, exact.dwScale), direct };
        const bound = bounds[tile];
        expect(errs.conv, JSON.stringify(errs)).toBeLessThan(bound.abs);
        expect(errs.grad, JSON.stringify(errs)).toBeLessThan(bound.abs);
        expect(errs.conv, JSON.stringify(errs)).toBeLessThan(bound.vsDirect * direct.conv + 1e-7);
        expect(errs.grad, JSON.stringify(errs)).toBeLessThan(bound.vsDirect * direct.grad + 1e-7);
        // Deterministic: the same inputs give the same bits.
        expect(bits(read(winogradConv2d(b, x, w, pad, undefined, tile)!), yw)).toBe(true);
        expect(bits(read(winogradFilterGrad(b, x, dy, attrs, tile)!), dww)).toBe(true);
      }
      tf.dispose([x, w, dy]);
    });
  }

  it('chooses F(4×4) where its 4-row tiles waste no more than F(2×2)\'s, F(2×2) elsewhere', () => {
    expect(winogradTile(28, 28)).toBe(4);
    expect(winogradTile(7, 7)).toBe(4);
    expect(winogradTile(14, 14)).toBe(2);
    expect(winogradTile(32, 32)).toBe(4);
    expect(winogradTile(2, 2)).toBe(2);
  });

  it('declines what it does not cover (the callers keep the direct kernels)', () => tf.tidy(() => {
    const b = tf.backend();
    const t = (s: Shape4, seed: number) => tf.randomUniform(s, -1, 1, 'float32', seed) as tf.Tensor4D;
    const x8 = t([2, 6, 6, 8], 1), x6 = t([2, 6, 6, 6], 2);
    expect(winogradCovers([2, 6, 6, 8], [3, 3, 8, 8])).toBe(true);
    expect(winogradConv2d(b, x8, t([5, 5, 8, 8], 3), 'same'), '5×5').toBeNull();
    expect(winogradConv2d(b, x8, t([3, 3, 8, 12], 4), 'same'), 'output channels not a multiple of 8').toBeNull();
    expect(winogradConv2d(b, x6, t([3, 3, 6, 8], 5), 'same'), 'input channels not a multiple of 4').toBeNull();
    expect(winogradConv2d(b, tf.cast(x8, 'int32'), t([3, 3, 8, 8], 6), 'same'), 'int32').toBeNull();
    const dy = t([2, 6, 6, 8], 7);
    const attrs = (o: Record<string, unknown>) => ({ strides: [1, 1], pad: 'same', filterShape: [3, 3, 8, 8], dataFormat: 'NHWC', dilations: [1, 1], ...o });
    expect(winogradFilterGrad(b, x8, dy, attrs({ strides: [2, 2] })), 'stride 2').toBeNull();
    expect(winogradFilterGrad(b, x8, dy, attrs({ dilations: [2, 2] })), 'dilated').toBeNull();
    expect(winogradFilterGrad(b, x8, dy, attrs({ dataFormat: 'NCHW' })), 'NCHW').toBeNull();
    expect(winogradFilterGrad(b, x8, t([2, 5, 6, 8], 8), attrs({})), 'dy of another shape').toBeNull();
  }));

  it(`the registered kernels choose it: L2nasConv2D from ${WINOGRAD_MIN_INPUT_CHANNELS} input channels (stride 1, 3×3), Conv2DBackpropFilter for every stride-1 3×3 filter it covers`, () => {
    const b = tf.backend();
    expect(wasmConvAvailable(b)).toBe(true);
    tf.tidy(() => {
      for (const [xs, co, expectWinograd] of [[[4, 6, 6, 16], 8, true], [[4, 6, 6, 8], 16, false]] as [Shape4, number, boolean][]) {
        const x = tf.randomUniform(xs, -1, 1, 'float32', 9) as tf.Tensor4D, w = tf.randomUniform([3, 3, xs[3], co], -1, 1, 'float32', 10) as tf.Tensor4D;
        const viaKernel = tf.engine().runKernel(CONV2D_KERNEL, { x, filter: w }, { pad: 'same', stride: 1 } as never) as tf.Tensor;
        const want = read((expectWinograd ? winogradConv2d(b, x, w, 'same') : directConv2d(b, x, w, 'same'))!);
        expect(bits(viaKernel.dataSync() as Float32Array, want), xs.join('x')).toBe(true);
        const dy = tf.randomUniform([xs[0], 6, 6, co], -1, 1, 'float32', 11) as tf.Tensor4D;
        const attrs = { strides: [1, 1], pad: 'same', filterShape: [3, 3, xs[3], co], dataFormat: 'NHWC', dilations: [1, 1] };
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor;
        expect(bits(dw.dataSync() as Float32Array, read(winogradFilterGrad(b, x, dy, attrs)!)), xs.join('x')).toBe(true);
      }
    });
  });
});
