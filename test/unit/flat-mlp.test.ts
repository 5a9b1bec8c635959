import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { FlatAdam } from '../../src-main/core/agent/flat-adam';
import { FlatMlp } from '../../src-main/core/agent/flat-mlp';
import { Rng } from '../../src-main/common/rng';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { useBackend } from '../helpers/tf-backend';

/** Reference loss through TF.js autodiff on ordinary per-layer tensors cut from θ. */
function referenceLoss(mlp: FlatMlp, theta: tf.Tensor1D, x: tf.Tensor2D, w: tf.Tensor2D): tf.Scalar {
  let off = 0;
  let h: tf.Tensor2D = x;
  for (let l = 0; l + 1 < mlp.sizes.length; l++) {
    const fi = mlp.sizes[l], fo = mlp.sizes[l + 1];
    const W = tf.reshape(tf.slice(theta, [off], [fi * fo]), [fi, fo]) as tf.Tensor2D;
    const b = tf.slice(theta, [off + fi * fo], [fo]);
    off += fi * fo + fo;
    const z = tf.add(tf.matMul(h, W), b) as tf.Tensor2D;
    const last = l + 2 === mlp.sizes.length;
    h = last ? (mlp.output === 'sigmoid' ? tf.sigmoid(z) : z) : tf.relu(z);
  }
  return tf.sum(tf.mul(h, w));
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`FlatMlp backward on ${backend}`, () => {
    for (const output of ['sigmoid', 'linear'] as const) {
      it(`matches autodiff and finite differences (${output} output)`, async () => {
        await useBackend(backend);
        const rng = new Rng(5);
        const mlp = new FlatMlp([6, 9, 7, 4], output, rng);
        const xv = rng.fillUniform(new Float32Array(3 * 6), -1, 1);
        const wv = rng.fillUniform(new Float32Array(3 * 4), -1, 1);
        // The cached per-layer views and θ as a tensor (made on demand on the host path) belong to the MLP.
        mlp.layers();
        void mlp.theta;
        const before = tf.memory().numTensors;
        const [ours, dxOurs] = tf.tidy(() => {
          const x = tf.tensor2d(xv, [3, 6]);
          const acts = mlp.forward(x);
          const { grad, dx } = mlp.backward(acts, tf.tensor2d(wv, [3, 4]), true);
          return [grad.dataSync().slice(), dx!.dataSync().slice()];
        });
        const [auto, dxAuto] = tf.tidy(() => {
          const x = tf.tensor2d(xv, [3, 6]);
          const w = tf.tensor2d(wv, [3, 4]);
          const g = tf.grad((t: tf.Tensor) => referenceLoss(mlp, t as tf.Tensor1D, x, w))(mlp.theta);
          const gx = tf.grad((xx: tf.Tensor) => referenceLoss(mlp, mlp.theta, xx as tf.Tensor2D, w))(x);
          return [g.dataSync().slice(), gx.dataSync().slice()];
        });
        for (let i = 0; i < auto.length; i++) expect(ours[i]).toBeCloseTo(auto[i], 5);
        for (let i = 0; i < dxAuto.length; i++) expect(dxOurs[i]).toBeCloseTo(dxAuto[i], 5);
        const dxOnly = tf.tidy(() => mlp.inputGrad(mlp.forward(tf.tensor2d(xv, [3, 6])), tf.tensor2d(wv, [3, 4])).dataSync().slice());
        for (let i = 0; i < dxAuto.length; i++) expect(dxOnly[i]).toBeCloseTo(dxAuto[i], 5);

        // Central finite differences on a sample of parameters (float32: h = 1e-2, loose tolerance).
        const theta = (mlp.theta.dataSync() as Float32Array).slice();
        const lossAt = (v: Float32Array) =>
          tf.tidy(() => referenceLoss(mlp, tf.tensor1d(v), tf.tensor2d(xv, [3, 6]), tf.tensor2d(wv, [3, 4])).dataSync()[0]);
        for (let k = 0; k < 25; k++) {
          const i = (k * 7919) % theta.length;
          const h = 1e-2;
          const p = theta.slice(); p[i] += h;
          const m = theta.slice(); m[i] -= h;
          const fd = (lossAt(p) - lossAt(m)) / (2 * h);
          expect(Math.abs(fd - ours[i])).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
        }
        expect(tf.memory().numTensors).toBe(before);
        mlp.dispose();
      });
    }
  });
}

describe('FlatAdam', () => {
  it('equals PyTorch-form Adam (bias-corrected, ε outside the root)', async () => {
    await useBackend('cpu');
    const lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8;
    const adam = new FlatAdam(3, lr, b1, b2, eps);
    let theta = tf.tensor1d([0.5, -1, 2]);
    const ref = [0.5, -1, 2], m = [0, 0, 0], v = [0, 0, 0];
    const grads = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.2, 0.0]];
    grads.forEach((g, k) => {
      const t = k + 1;
      const next = adam.step(theta, tf.tensor1d(g));
      theta.dispose();
      theta = next;
      for (let i = 0; i < 3; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        ref[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    });
    const got = theta.dataSync();
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(ref[i], 5);
    theta.dispose();
    adam.dispose();
  });
});

afterAll(() => tf.disposeVariables());
