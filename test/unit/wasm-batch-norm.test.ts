import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, wasmBatchNormAvailable } from '../../src-main/core/kernels/wasm-batch-norm';
import { batchNormTrain, batchNormTrainTf } from '../../src-main/core/supernet/fast-ops';
import { checkGradients } from '../helpers/finite-differences';
import { useBackend } from '../helpers/tf-backend';

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
