import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, wasmBatchNormAvailable } from '../../src-main/core/kernels/wasm-batch-norm';
import { AVG_POOL_KERNEL } from '../../src-main/core/kernels/wasm-avg-pool';
import { ROTATE_FILTER_KERNEL, registerWasmRotateFilter } from '../../src-main/core/kernels/wasm-rotate-filter';
import { SGD_MOMENTUM_KERNEL, wasmSgdAvailable } from '../../src-main/core/kernels/wasm-sgd';
import { RELU_GRAD_KERNEL, RELU_KERNEL } from '../../src-main/core/kernels/wasm-relu';
import { INTERLEAVE_2X2_KERNEL, wasmTranspose } from '../../src-main/core/kernels/wasm-transpose';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { avgPool2x2, avgPool3x3ExcludePad, conv2dSame, relu, avgPool3x3ExcludePadTf, batchNormTrain, batchNormTrainTf } from '../../src-main/core/supernet/fast-ops';
import { SgdMomentum } from '../../src-main/core/supernet/sgd-momentum';
import { checkGradients } from '../helpers/finite-differences';
import { sameBits as bits, useBackend } from '../helpers/tf-backend';

type Shape4 = [number, number, number, number];
type Bn = (x: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor4D;

/** y and the three gradients of Σ bn(x)·r. */
function run(fn: Bn, shape: Shape4, seed: number) {
  const rng = new Rng(seed);
  const c = shape[3];
  const n = shape.reduce((a, b) => a * b);
  return tf.tidy(() => {
    // An offset and scale per channel, so the statistics are not those of the raw noise.
    const x = tf.add(tf.mul(tf.tensor4d(rng.fillUniform(new Float32Array(n), -1, 1), shape), tf.tensor1d(rng.fillUniform(new Float32Array(c), 0.1, 3))), tf.tensor1d(rng.fillUniform(new Float32Array(c), -2, 2))) as tf.Tensor4D;
    const g = tf.tensor1d(rng.fillUniform(new Float32Array(c), 0.5, 1.5));
    const b = tf.tensor1d(rng.fillUniform(new Float32Array(c), -0.5, 0.5));
    const r = tf.tensor4d(rng.fillUniform(new Float32Array(n), -1, 1), shape);
    const y = fn(x, g, b);
    const [dx, dg, db] = tf.grads((a, gg, bb) => tf.sum(tf.mul(fn(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D), r)))([x, g, b]);
    return [y, dx, dg, db].map((t) => (t.dataSync() as Float32Array).slice());
  });
}

describe('WASM SIMD batch norm (training mode) against the TF.js composition', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('runs as one kernel each way on TF.js WASM for channel counts that are multiples of 4, else the TF.js composition', async () => {
    expect(wasmBatchNormAvailable(tf.backend())).toBe(true);
    const kernelsOf = async (c: number) => {
      const x = tf.variable(tf.randomNormal([2, 3, 3, c]));
      const g = tf.ones([c]) as tf.Tensor1D, b = tf.zeros([c]) as tf.Tensor1D;
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(batchNormTrain(x as unknown as tf.Tensor4D, g, b)), [x]).value);
      tf.dispose([x, g, b]);
      return new Set(p.kernels.map((k) => k.name));
    };
    const aligned = await kernelsOf(8);
    expect(aligned.has(BN_TRAIN_KERNEL) && aligned.has(BN_TRAIN_GRAD_KERNEL)).toBe(true);
    expect(aligned.has('Mean')).toBe(false);
    const odd = await kernelsOf(6);
    expect(odd.has(BN_TRAIN_KERNEL)).toBe(false);
    expect(odd.has('Mean')).toBe(true);
  });

  it('refuses a channel count that is not a multiple of 4 and a gamma of the wrong size, naming the kernel', () => {
    const x = tf.zeros([1, 2, 2, 6]);
    expect(() => tf.engine().runKernel(BN_TRAIN_KERNEL, { x, gamma: tf.ones([6]), beta: tf.zeros([6]) }, { epsilon: 1e-5 } as never)).toThrow(`${BN_TRAIN_KERNEL}: the channel count must be a multiple of 4 (got 6)`);
    const x8 = tf.zeros([1, 2, 2, 8]);
    expect(() => tf.engine().runKernel(BN_TRAIN_KERNEL, { x: x8, gamma: tf.ones([4]), beta: tf.zeros([8]) }, { epsilon: 1e-5 } as never)).toThrow(`${BN_TRAIN_KERNEL}: gamma must have 8 values (got [4])`);
    // The gradient kernel takes x, its mean and 1/σ (it computes x̂ again): each checked by name.
    const grad = (o: Record<string, tf.Tensor>) => () => tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, { dy: tf.zeros([1, 2, 2, 8]), x: x8, mean: tf.zeros([8]), gamma: tf.ones([8]), invStd: tf.ones([8]), ...o }, {});
    expect(grad({ mean: tf.zeros([4]) })).toThrow(`${BN_TRAIN_GRAD_KERNEL}: mean must be float32 [8] (got float32 [4])`);
    expect(grad({ dy: tf.zeros([1, 2, 1, 8]) })).toThrow(`${BN_TRAIN_GRAD_KERNEL}: dy must be float32 [1, 2, 2, 8] (got float32 [1, 2, 1, 8])`);
    expect(grad({ invStd: tf.ones([8], 'int32') })).toThrow(`${BN_TRAIN_GRAD_KERNEL}: invStd must be float32 [8] (got int32 [8])`);
    tf.dispose([x, x8]);
  });

  it('has the gradient central finite differences give (w.r.t. x, γ and β)', () => {
    const shape: Shape4 = [2, 4, 3, 8];
    const rng = new Rng(3);
    const n = shape.reduce((a, b) => a * b);
    const g = tf.variable(tf.tensor1d(rng.fillUniform(new Float32Array(8), 0.5, 1.5)));
    const b = tf.variable(tf.tensor1d(rng.fillUniform(new Float32Array(8), -0.5, 0.5)));
    checkGradients((x) => batchNormTrain(x, g as unknown as tf.Tensor1D, b as unknown as tf.Tensor1D), rng.fillUniform(new Float32Array(n), -2, 2), shape, [g, b], 'simd batch norm', { r: rng.fillUniform(new Float32Array(n), -1, 1), xStride: 3 });
    tf.dispose([g, b]);
  });

  // The demo supernet's three stages, a DARTS-sized and an odd-sized one.
  for (const shape of [[16, 28, 28, 8], [16, 14, 14, 16], [16, 7, 7, 32], [4, 56, 56, 12], [3, 5, 3, 4]] as Shape4[]) {
    it(`[${shape.join(', ')}]: y, dx, dγ, dβ have the same float32 bits as the TF.js composition's, without leaks`, () => {
      const before = tf.memory().numTensors;
      const ref = run(batchNormTrainTf, shape, 7);
      const ours = run(batchNormTrain, shape, 7);
      expect(tf.memory().numTensors).toBe(before);
      ['y', 'dx', 'dγ', 'dβ'].forEach((name, i) => {
        expect(ours[i].length, name).toBe(ref[i].length);
        expect(Buffer.from(ours[i].buffer).equals(Buffer.from(ref[i].buffer)), `${name} bit-identical`).toBe(true);
        expect(ours[i].every(Number.isFinite), name).toBe(true);
      });
    });
  }
});

/** Values of a tensor made inside fn, and the gradient of Σ fn(x)·r w.r.t. x. */
function valueAndGrad(fn: (x: tf.Tensor4D) => tf.Tensor4D, xv: Float32Array, rv: Float32Array, shape: Shape4): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, shape);
    const y = (fn(x).dataSync() as Float32Array).slice();
    const g = (tf.grad((a) => tf.sum(tf.mul(fn(a as tf.Tensor4D), tf.tensor4d(rv, shape))))(x).dataSync() as Float32Array).slice();
    return [y, g];
  });
}

describe('the other WASM training kernels against the TF.js compositions they replace', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  for (const shape of [[16, 28, 28, 8], [16, 7, 7, 32], [4, 7, 6, 8], [2, 1, 3, 4]] as Shape4[]) {
    it(`3×3 average pool (valid cells only) [${shape.join(', ')}]: one kernel each way, the same float32 bits as the composition`, async () => {
      const rng = new Rng(11);
      const n = shape.reduce((a, b) => a * b);
      const xv = rng.fillUniform(new Float32Array(n), -3, 3), rv = rng.fillUniform(new Float32Array(n), -1, 1);
      const before = tf.memory().numTensors;
      const [y0, g0] = valueAndGrad(avgPool3x3ExcludePadTf, xv, rv, shape);
      const [y1, g1] = valueAndGrad(avgPool3x3ExcludePad, xv, rv, shape);
      expect(tf.memory().numTensors).toBe(before);
      expect(bits(y1, y0), 'y').toBe(true);
      expect(bits(g1, g0), 'dx').toBe(true);
      const x = tf.variable(tf.tensor4d(xv, shape));
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(avgPool3x3ExcludePad(x as unknown as tf.Tensor4D)), [x]).value);
      x.dispose();
      expect(p.kernels.filter((k) => k.name === AVG_POOL_KERNEL).length).toBe(2);
      expect(p.kernels.some((k) => k.name === 'AvgPool')).toBe(false);
    });
  }

  it('the average pool kernel refuses a channel count that is not a multiple of 4 and counts of the wrong size', () => {
    tf.tidy(() => {
      expect(() => tf.engine().runKernel(AVG_POOL_KERNEL, { x: tf.zeros([1, 2, 2, 3]), counts: tf.ones([4]) }, { backward: false } as never)).toThrow(`${AVG_POOL_KERNEL}: a float32 NHWC tensor with a multiple of 4 channels is needed (got float32 [1, 2, 2, 3])`);
      expect(() => tf.engine().runKernel(AVG_POOL_KERNEL, { x: tf.zeros([1, 2, 2, 4]), counts: tf.ones([5]) }, { backward: false } as never)).toThrow(`${AVG_POOL_KERNEL}: counts must hold 4 float32 values (got float32 [5])`);
    });
    // Not a multiple of 4: the composition (and the same values on any channel count).
    const rng = new Rng(2);
    const xv = rng.fillUniform(new Float32Array(2 * 5 * 5 * 3), -1, 1), rv = rng.fillUniform(new Float32Array(2 * 5 * 5 * 3), -1, 1);
    const [a, ga] = valueAndGrad(avgPool3x3ExcludePad, xv, rv, [2, 5, 5, 3]);
    const [b, gb] = valueAndGrad(avgPool3x3ExcludePadTf, xv, rv, [2, 5, 5, 3]);
    expect(bits(a, b) && bits(ga, gb)).toBe(true);
  });

  it('2×2 average pool (the residual shortcut): its gradient has the same float32 bits as tf.avgPool\'s, odd sides fall back', () => {
    for (const shape of [[16, 28, 28, 8], [3, 6, 4, 5], [2, 5, 7, 4]] as Shape4[]) {
      const rng = new Rng(5);
      const n = shape.reduce((a, b) => a * b);
      const xv = rng.fillUniform(new Float32Array(n), -3, 3);
      const outShape: Shape4 = [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]];
      const rv = rng.fillUniform(new Float32Array(outShape.reduce((a, b) => a * b)), -1, 1);
      const grad = (fn: (x: tf.Tensor4D) => tf.Tensor4D) => tf.tidy(() => (tf.grad((a) => tf.sum(tf.mul(fn(a as tf.Tensor4D), tf.tensor4d(rv, outShape))))(tf.tensor4d(xv, shape)).dataSync() as Float32Array).slice());
      expect(bits(grad(avgPool2x2), grad((x) => tf.avgPool(x, 2, 2, 'valid'))), shape.join('x')).toBe(true);
    }
  });

  for (const fshape of [[3, 3, 8, 16], [1, 1, 4, 8], [5, 5, 3, 2], [3, 1, 2, 3]] as Shape4[]) {
    it(`filter rotation [${fshape.join(', ')}]: exactly reverse(0, 1) then swap the channel axes`, () => {
      registerWasmRotateFilter();
      const rng = new Rng(9);
      tf.tidy(() => {
        const w = tf.tensor4d(rng.fillUniform(new Float32Array(fshape.reduce((a, b) => a * b)), -1, 1), fshape);
        const ours = tf.engine().runKernel(ROTATE_FILTER_KERNEL, { w }, {}) as tf.Tensor;
        const ref = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
        expect(ours.shape).toEqual(ref.shape);
        expect(bits(ours.dataSync() as Float32Array, ref.dataSync() as Float32Array)).toBe(true);
      });
    });
  }

  for (const wd of [3e-4, 0]) {
    it(`SGD with momentum (weight decay ${wd}): the kernel and SgdMomentum on WASM give TF.js's tensor form's float32 bits, tails included`, () => {
      expect(wasmSgdAvailable(tf.backend())).toBe(true);
      const rng = new Rng(13);
      for (const n of [1, 7, 37, 1024]) {
        tf.tidy(() => {
          const [w, b, g] = [0, 1, 2].map(() => tf.tensor1d(rng.fillUniform(new Float32Array(n), -1, 1)));
          const [w1, b1] = tf.engine().runKernel(SGD_MOMENTUM_KERNEL, { w, b, g }, { lr: 0.0731, momentum: 0.9, weightDecay: wd } as never) as tf.Tensor[];
          const d = wd ? tf.add(g, tf.mul(w, wd)) : g;
          const b2 = tf.add(tf.mul(b, 0.9), d);
          const w2 = tf.sub(w, tf.mul(b2, 0.0731));
          expect(bits(b1.dataSync() as Float32Array, b2.dataSync() as Float32Array), `buffer, n=${n}`).toBe(true);
          expect(bits(w1.dataSync() as Float32Array, w2.dataSync() as Float32Array), `weights, n=${n}`).toBe(true);
        });
      }
      // Three optimizer steps on a quadratic against the same steps written with TF.js ops.
      const init = rng.fillUniform(new Float32Array(10), -1, 1);
      const v = tf.variable(tf.tensor1d(init));
      const opt = new SgdMomentum(0.05, 0.9, wd);
      let w: tf.Tensor = tf.tensor1d(init);
      let buf: tf.Tensor = tf.zerosLike(w);
      for (let s = 0; s < 3; s++) {
        opt.step(() => tf.sum(tf.square(v)) as tf.Scalar, [v]);
        const [nw, nb] = tf.tidy(() => {
          const g = tf.mul(w, 2);
          const nb2 = tf.add(tf.mul(buf, 0.9), wd ? tf.add(g, tf.mul(w, wd)) : g);
          return [tf.sub(w, tf.mul(nb2, 0.05)), nb2];
        });
        tf.dispose([w, buf]);
        [w, buf] = [nw, nb];
      }
      expect(bits(v.dataSync() as Float32Array, w.dataSync() as Float32Array)).toBe(true);
      tf.dispose([v, w, buf]);
      opt.dispose();
    });
  }

  it('the conv-gradient transposes: the same values as tf.transpose for perms [1,2,0,3] and [3,1,2,0]; null where not covered', () => {
    const rng = new Rng(21);
    for (const [shape, perm] of [
      [[16, 28, 28, 8], [1, 2, 0, 3]], [[16, 28, 28, 8], [3, 1, 2, 0]], [[16, 28, 28, 1], [3, 1, 2, 0]], [[3, 5, 2, 7], [3, 1, 2, 0]],
      [[8, 3, 3, 16], [1, 2, 0, 3]], [[2, 1, 1, 4], [1, 2, 0, 3]], [[5, 2, 3, 12], [1, 2, 0, 3]],
    ] as [Shape4, number[]][]) {
      tf.tidy(() => {
        const x = tf.tensor4d(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b)), -1, 1), shape);
        const info = wasmTranspose(tf.backend(), x, perm);
        expect(info, `${shape.join('x')} ${perm.join('')}`).not.toBeNull();
        const ours = tf.engine().makeTensorFromTensorInfo(info!);
        const ref = tf.transpose(x, perm);
        expect(ours.shape).toEqual(ref.shape);
        expect(bits(ours.dataSync() as Float32Array, ref.dataSync() as Float32Array), `${shape.join('x')} ${perm.join('')}`).toBe(true);
      });
    }
    tf.tidy(() => {
      expect(wasmTranspose(tf.backend(), tf.zeros([2, 3, 3, 6]), [1, 2, 0, 3])).toBeNull(); // C not a multiple of 4
      expect(wasmTranspose(tf.backend(), tf.zeros([2, 3, 3, 4]), [0, 2, 1, 3])).toBeNull(); // another perm
      expect(wasmTranspose(tf.backend(), tf.zeros([2, 3, 3, 4], 'int32'), [3, 1, 2, 0])).toBeNull();
    });
    // The filter gradient (which now uses these copies) against the same composition written with TF.js ops.
    registerWasmConvGradients();
    tf.tidy(() => {
      const x = tf.tensor4d(rng.fillUniform(new Float32Array(2 * 6 * 6 * 8), -1, 1), [2, 6, 6, 8]);
      const dy = tf.tensor4d(rng.fillUniform(new Float32Array(2 * 6 * 6 * 4), -1, 1), [2, 6, 6, 4]);
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 4] } as never) as tf.Tensor;
      const corr = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const ref = tf.transpose(corr, [1, 2, 0, 3]);
      expect(dw.shape).toEqual([3, 3, 8, 4]);
      expect(bits(dw.dataSync() as Float32Array, ref.dataSync() as Float32Array)).toBe(true);
    });
  });

  for (const [xs, co] of [[[16, 28, 28, 8], 16], [[16, 14, 14, 16], 32], [[2, 6, 4, 4], 8], [[3, 2, 2, 12], 4]] as [Shape4, number][]) {
    it(`stride-2 3×3 input gradient per phase [${xs.join(', ')}] → ${co}: the zero-inserted conv's float32 bits, a quarter of the MACs`, async () => {
      const rng = new Rng(31);
      const [n, h, w, ci] = xs;
      const h2 = h / 2, w2 = w / 2;
      const xv = rng.fillUniform(new Float32Array(n * h * w * ci), -1, 1);
      const wv = rng.fillUniform(new Float32Array(9 * ci * co), -1, 1);
      const dyv = rng.fillUniform(new Float32Array(n * h2 * w2 * co), -1, 1);
      const before = tf.memory().numTensors;
      const [ours, ref] = tf.tidy(() => {
        const x = tf.tensor4d(xv, xs), wt = tf.tensor4d(wv, [3, 3, ci, co]), dyT = tf.tensor4d(dyv, [n, h2, w2, co]);
        const dx = tf.grad((a) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, wt, 2), dyT)))(x);
        // The composition it replaces: dy spread onto the input grid (zeros between), padded 2
        // at the top and left, a 'valid' conv with the filter rotated by 180° and transposed.
        const z = new Float32Array(n * h * w * co);
        for (let b = 0; b < n; b++) for (let m = 0; m < h2; m++) for (let l = 0; l < w2; l++) for (let c = 0; c < co; c++) z[((b * h + 2 * m) * w + 2 * l) * co + c] = dyv[((b * h2 + m) * w2 + l) * co + c];
        const rot = tf.transpose(tf.reverse(wt, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const r = tf.conv2d(tf.tensor4d(z, [n, h, w, co]), rot, 1, [[0, 0], [2, 0], [2, 0], [0, 0]]);
        return [(dx.dataSync() as Float32Array).slice(), (r.dataSync() as Float32Array).slice()];
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(bits(ours, ref)).toBe(true);
      const x = tf.variable(tf.tensor4d(xv, xs));
      const wt = tf.tensor4d(wv, [3, 3, ci, co]);
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(conv2dSame(x as unknown as tf.Tensor4D, wt, 2)), [x]).value);
      tf.dispose([x, wt]);
      expect(p.kernels.filter((k) => k.name === INTERLEAVE_2X2_KERNEL).length).toBe(1);
      expect(p.kernels.some((k) => k.name === 'PadV2')).toBe(false);
    });
  }

  it('stride-2 input gradients the phases do not cover (channels not a multiple of 4, odd sides) keep the zero-inserted conv, with the same values', async () => {
    for (const [xs, co] of [[[2, 6, 6, 3], 4], [[2, 5, 7, 4], 4]] as [Shape4, number][]) {
      const x = tf.variable(tf.randomNormal(xs, 0, 1, 'float32', 3));
      const wt = tf.randomNormal([3, 3, xs[3], co], 0, 1, 'float32', 4) as tf.Tensor4D;
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(conv2dSame(x as unknown as tf.Tensor4D, wt, 2)), [x]).value);
      expect(p.kernels.some((k) => k.name === INTERLEAVE_2X2_KERNEL), xs.join('x')).toBe(false);
      const ours = tf.tidy(() => tf.grad((a) => tf.sum(conv2dSame(a as tf.Tensor4D, wt, 2)))(x).dataSync() as Float32Array);
      const ref = tf.tidy(() => tf.grad((a) => tf.sum(tf.conv2d(a as tf.Tensor4D, wt, 2, 'same')))(x).dataSync() as Float32Array);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i] - ref[i])).toBeLessThan(1e-4);
      tf.dispose([x, wt]);
    }
  });

  for (const shape of [[16, 28, 28, 8], [3, 5, 5, 3], [7]] as number[][]) {
    it(`ReLU [${shape.join(', ')}]: its gradient is one kernel with the bits of TF.js's dy · cast(step(x)), zeros' signs included`, async () => {
      const rng = new Rng(41);
      const n = shape.reduce((a, b) => a * b);
      const xv = rng.fillUniform(new Float32Array(n), -1, 1), dv = rng.fillUniform(new Float32Array(n), -1, 1);
      for (let i = 0; i < n; i += 5) xv[i] = i % 10 === 0 ? 0 : -0; // x exactly ±0: the gradient is dy·0, −0 for a negative dy
      // NaNs of both signs and infinities: ReLU keeps a NaN without its sign bit, zeroes one with it (as TF.js WASM does).
      const specials = [NaN, -NaN, Infinity, -Infinity, 1e-45, -1e-45];
      const words = new Uint32Array(xv.buffer, xv.byteOffset, xv.length);
      for (let i = 3, j = 0; i < n; i += 11, j++) {
        xv[i] = specials[j % specials.length];
        if (j % specials.length === 1) words[i] = 0xffc00000; // a negative quiet NaN (−NaN in JS may not keep its sign)
      }
      const before = tf.memory().numTensors;
      const [ours, ref] = [relu, tf.relu].map((f) => tf.tidy(() => {
        const [y, g] = [f(tf.tensor(xv, shape)), tf.grad((a) => tf.sum(tf.mul(f(a), tf.tensor(dv, shape))))(tf.tensor(xv, shape))];
        return [(y.dataSync() as Float32Array).slice(), (g.dataSync() as Float32Array).slice()];
      }));
      expect(tf.memory().numTensors).toBe(before);
      expect(bits(ours[0], ref[0]), 'y').toBe(true);
      expect(bits(ours[1], ref[1]), 'dx').toBe(true);
      expect(ours[1].some((v) => Object.is(v, -0))).toBe(true);
      const x = tf.variable(tf.tensor(xv, shape));
      const p = await tf.profile(() => tf.variableGrads(() => tf.sum(relu(x as unknown as tf.Tensor)), [x]).value);
      x.dispose();
      expect(p.kernels.filter((k) => k.name === RELU_GRAD_KERNEL).length).toBe(1);
      expect(p.kernels.filter((k) => k.name === RELU_KERNEL).length).toBe(1);
      expect(p.kernels.some((k) => k.name === 'Step' || k.name === 'Relu')).toBe(false);
    });
  }

  it('the ReLU gradient kernel refuses dy of another shape, naming both', () => {
    wasmBatchNormAvailable(tf.backend());
    relu(tf.zeros([1])).dispose(); // registers the kernels
    tf.tidy(() => {
      expect(() => tf.engine().runKernel(RELU_GRAD_KERNEL, { x: tf.zeros([4]), dy: tf.zeros([5]) }, {})).toThrow(`${RELU_GRAD_KERNEL}: float32 x and dy of one shape are needed (got x float32 [4], dy float32 [5])`);
    });
  });

  it('the interleave kernel refuses phases of different shapes or channels not a multiple of 4, naming the input', () => {
    tf.tidy(() => {
      const a = tf.zeros([1, 2, 2, 4]);
      expect(() => tf.engine().runKernel(INTERLEAVE_2X2_KERNEL, { p00: a, p01: a, p10: a, p11: tf.zeros([1, 2, 3, 4]) }, {})).toThrow(`${INTERLEAVE_2X2_KERNEL}: four float32 [N, H, W, C] tensors of one shape with C a multiple of 4 are needed (input p11: float32 [1, 2, 3, 4])`);
      const b = tf.zeros([1, 2, 2, 3]);
      expect(() => tf.engine().runKernel(INTERLEAVE_2X2_KERNEL, { p00: b, p01: b, p10: b, p11: b }, {})).toThrow('(input p00: float32 [1, 2, 2, 3])');
    });
  });

  it('the SGD kernel refuses a gradient of another shape, naming the input', () => {
    wasmSgdAvailable(tf.backend());
    tf.tidy(() => {
      expect(() => tf.engine().runKernel(SGD_MOMENTUM_KERNEL, { w: tf.zeros([4]), b: tf.zeros([4]), g: tf.zeros([5]) }, { lr: 0.1, momentum: 0.9, weightDecay: 0 } as never)).toThrow(`${SGD_MOMENTUM_KERNEL}: g must be float32 of w's shape [4] (got float32 [5])`);
    });
  });
});
