import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { registerWasmZeroCopyIdentity } from '../../src-main/core/kernels/wasm-identity';
import { Nb201Supernet } from '../../src-main/core/supernet/nb201-supernet';
import { SgdMomentum } from '../../src-main/core/supernet/sgd-momentum';
import { useBackend } from '../helpers/tf-backend';

/** Weights and momentum buffers (as bytes) after `steps` SGD steps of a small NB201 supernet, and the backend's data count after each step (from before the network). */
function train(steps: number): { bytes: Buffer; dataIds: number[] } {
  const base = tf.backend().numDataIds();
  const net = new Nb201Supernet({ inChannels: 1, classes: 4, C: 4, N: 1 }, new Rng(3));
  const opt = new SgdMomentum(0.05, 0.9, 3e-4, (v) => net.params.localName(v));
  const rng = new Rng(9);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(4 * 8 * 8), -1, 1), [4, 8, 8, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
  const dataIds: number[] = [];
  for (let s = 0; s < steps; s++) {
    const arch = [s % 5, (s + 1) % 5, (s + 2) % 5, (s + 3) % 5, s % 4, (s + 1) % 4];
    const l = opt.update(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, arch)) as tf.Scalar, net.params.variables());
    l.dispose();
    dataIds.push(tf.backend().numDataIds() - base);
  }
  const bytes = Buffer.concat(net.params.variables().map((v) => Buffer.from((v.dataSync() as Float32Array).buffer)));
  tf.dispose([x, y, ...net.params.variables()]);
  return { bytes, dataIds };
}

describe('zero-copy Identity on TF.js WASM (core/kernels/wasm-identity.ts)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmConvGradients();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('trains to the same bits as the copying Identity, without leaking data', () => {
    const copying = train(6);
    registerWasmZeroCopyIdentity();
    const shared = train(6);
    expect(shared.bytes.equals(copying.bytes)).toBe(true);
    // The data count after each step (it grows while new paths create momentum buffers) is
    // the copying run's: nothing shared is left behind.
    expect(shared.dataIds).toEqual(copying.dataIds);
    const again = train(6);
    expect(again.dataIds).toEqual(shared.dataIds);
  });

  it('a clone shares its data, outlives the original, and the data goes with the last of them', () => {
    registerWasmZeroCopyIdentity();
    const base = tf.backend().numDataIds();
    const x = tf.tensor1d([1, -2, 3.5]);
    const c = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(base + 1);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, -2, 3.5]);
    expect(tf.backend().numDataIds()).toBe(base + 1);
    c.dispose();
    expect(tf.backend().numDataIds()).toBe(base);
    const s = tf.tensor1d(['a', 'b'], 'string');
    expect(tf.clone(s).dataSync()).toEqual(['a', 'b']);
  });
});
