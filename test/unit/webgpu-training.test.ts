import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { DARTS_V2, dartsSpace } from '../../src-main/common/spaces/darts';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { ofaSpace } from '../../src-main/common/spaces/ofa';
import { SupernetEstimator } from '../../src-main/core/estimators/supernet-estimator';
import { buildNetwork } from '../../src-main/core/network/build';
import { NetworkTrainer, NetworkWeights } from '../../src-main/core/network/executor';
import { DartsSupernet } from '../../src-main/core/supernet/darts-supernet';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { Nb201Supernet } from '../../src-main/core/supernet/nb201-supernet';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { SgdMomentum } from '../../src-main/core/supernet/sgd-momentum';
import type { PathSupernet } from '../../src-main/core/supernet/supernet';
import { SupernetTrainer, type BatchProgress, type SupernetTrainerState } from '../../src-main/core/supernet/supernet-trainer';
import { webgpuTestFile } from '../helpers/webgpu';

/*
 * Supernet and standalone-network training on TF.js's WebGPU backend (the software adapter
 * here), step for step against the WASM backend from the same seed: the same Rng draws, the same
 * batches, the same sampled paths, so losses and weights may differ only by float32 rounding
 * (accumulated over the steps). Tolerance: 1e-4 relative on each batch loss, 2e-4 of the largest
 * weight on the weights after the epoch (the op-level difference is ~2e-7,
 * test/unit/webgpu-ops.test.ts; momentum SGD compounds it).
 */

webgpuTestFile();

/** 3 classes told apart by which third of an 8×8 image is bright. */
function toyData(n: number, seed: number): ImageData {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 64);
  const labels = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = Math.floor((Math.floor(p / 22) === labels[i] ? 160 : 60) + rng.uniform(-40, 40));
  }
  return { images, labels, n, height: 8, width: 8, channels: 1, classes: 3 };
}

const cfg = { epochs: 2, batchSize: 8, lrMax: 0.05, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 2, evalPaths: 2, evalBatches: 2 };

interface EpochRun {
  losses: number[];
  valAccuracy: number;
  query: number;
  state: SupernetTrainerState;
}

/** One epoch of single-path training from seed 1 on the active backend, then one query. */
async function supernetEpoch<A>(make: () => PathSupernet<A>, space: Pick<typeof nb201Space, 'sample' | 'key'> | Pick<typeof dartsSpace, 'sample' | 'key'> | Pick<typeof ofaSpace, 'sample' | 'key'>, arch: A, trainImages: number, evalPaths = cfg.evalPaths): Promise<EpochRun> {
  const net = make();
  const trainer = new SupernetTrainer(net, space as never, toyData(trainImages, 2), toyData(16, 3), { ...cfg, evalPaths }, new Rng(4));
  const progress: BatchProgress[] = [];
  const report = await trainer.trainEpochAsync((p) => progress.push(p), () => Promise.resolve());
  const query = await new SupernetEstimator(trainer).query(arch);
  const state = await trainer.snapshotAsync();
  net.dispose();
  return { losses: progress.map((p) => p.loss), valAccuracy: report.valAccuracy, query, state };
}

function expectSameTraining(a: EpochRun, b: EpochRun): void {
  expect(a.losses).toHaveLength(b.losses.length);
  a.losses.forEach((l, i) => expect(Math.abs(l - b.losses[i]) / Math.abs(b.losses[i]), `batch ${i + 1} loss ${l} vs ${b.losses[i]}`).toBeLessThan(1e-4));
  let scale = 0, worst = 0;
  for (const [name, t] of Object.entries(b.state.params)) {
    const g = a.state.params[name];
    expect(g, name).toBeDefined();
    for (let i = 0; i < t.values.length; i++) {
      scale = Math.max(scale, Math.abs(t.values[i]));
      worst = Math.max(worst, Math.abs(g.values[i] - t.values[i]));
    }
  }
  expect(worst / scale, `weights after the epoch: max difference ${worst} of ${scale}`).toBeLessThan(2e-4);
  // Accuracies count images: equal unless a logit pair ties within rounding.
  expect(Math.abs(a.valAccuracy - b.valAccuracy)).toBeLessThanOrEqual(100 / 16);
  expect(Math.abs(a.query - b.query)).toBeLessThanOrEqual(100 / 16);
}

describe('training on WebGPU', () => {
  it('NB201 supernet: an epoch of single-path steps and a query equal the WASM backend’s', async () => {
    const make = () => new Nb201Supernet({ inChannels: 1, classes: 3, C: 2, N: 1 }, new Rng(1));
    const arch = [3, 1, 2, 4, 3, 0];
    await tf.setBackend('webgpu');
    const onGpu = await supernetEpoch(make, nb201Space, arch, 48);
    await tf.setBackend('wasm');
    const onWasm = await supernetEpoch(make, nb201Space, arch, 48);
    await tf.setBackend('webgpu');
    expect(onGpu.losses).toHaveLength(6);
    expectSameTraining(onGpu, onWasm);
  });

  it('DARTS supernet: an epoch on WebGPU equals the WASM backend’s (smoke: C = 2, 3 cells)', async () => {
    const make = () => new DartsSupernet({ inChannels: 1, classes: 3, C: 2, layers: 3 }, new Rng(1));
    const arch = dartsSpace.sample(new Rng(7));
    await tf.setBackend('webgpu');
    const onGpu = await supernetEpoch(make, dartsSpace, arch, 16);
    await tf.setBackend('wasm');
    const onWasm = await supernetEpoch(make, dartsSpace, arch, 16);
    await tf.setBackend('webgpu');
    expectSameTraining(onGpu, onWasm);
  });

  it('OFA supernet (elastic MobileNetV3): an epoch on WebGPU equals the WASM backend’s (smoke: width 0.25, 2 stride-2 steps, one batch)', async () => {
    const make = () => new OfaSupernet({ inChannels: 1, classes: 3, widthMult: 0.25, downsamples: 2 }, new Rng(1));
    const arch = ofaSpace.sample(new Rng(7));
    await tf.setBackend('webgpu');
    const onGpu = await supernetEpoch(make, ofaSpace, arch, 8, 1);
    await tf.setBackend('wasm');
    const onWasm = await supernetEpoch(make, ofaSpace, arch, 8, 1);
    await tf.setBackend('webgpu');
    expectSameTraining(onGpu, onWasm);
  });

  it('no tensor or GPU-buffer leak over 12 supernet steps (tf.memory() flat)', async () => {
    await tf.setBackend('webgpu');
    const net = new Nb201Supernet({ inChannels: 1, classes: 3, C: 2, N: 1 }, new Rng(1));
    const opt = new SgdMomentum(0.05, 0.9, 3e-4, (v) => net.params.localName(v));
    const data = toyData(8, 5);
    const x = tf.tensor4d(Float32Array.from(data.images, (v) => v / 255 - 0.5), [8, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(Int32Array.from(data.labels), 'int32'), 3);
    const archs = [[3, 1, 2, 4, 3, 0], [0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 1, 2], [4, 4, 4, 4, 4, 4]];
    // Every path once first: momentum buffers and the buffer pool reach their size.
    const step = (i: number) => opt.stepAsync(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, archs[i % archs.length])) as tf.Scalar, net.params.variables());
    for (let i = 0; i < archs.length; i++) await step(i);
    type GpuMemory = tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
    const before = tf.memory() as GpuMemory;
    let last = 0;
    for (let i = 0; i < 12; i++) last = await step(i);
    const after = tf.memory() as GpuMemory;
    expect(Number.isFinite(last)).toBe(true);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(before.numBytesInGPU, 'the WebGPU backend reports its buffers').toBeGreaterThan(0);
    expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
    // Nor do the GPU buffers allocated (in use + the pool of freed ones kept for reuse).
    expect(before.numBytesAllocatedInGPU).toBeGreaterThanOrEqual(before.numBytesInGPU!);
    expect(after.numBytesAllocatedInGPU).toBe(before.numBytesAllocatedInGPU);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it.each([
    ['nb201', '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|', { channels: 2, layers: 1 }],
    ['darts', dartsSpace.format(DARTS_V2), { channels: 4, layers: 3 }],
  ] as const)('standalone %s network (core/network/executor.ts): training steps equal the WASM backend’s', async (space, arch, o) => {
    const desc = buildNetwork(space, arch, { ...o, classes: 3, input: 8, inChannels: 1, auxiliary: false });
    const data = toyData(8, 6);
    const xv = Float32Array.from(data.images, (v) => v / 255 - 0.5);
    const labels = Int32Array.from(data.labels);
    const train = async () => {
      const w = new NetworkWeights(desc, new Rng(2));
      const t = new NetworkTrainer(w, 0.05, 0.9, 3e-4);
      const x = tf.tensor4d(xv, [8, 8, 8, 1]);
      const rng = new Rng(3);
      const out: { loss: number; correct: number }[] = [];
      for (let i = 0; i < 3; i++) out.push(await t.stepAsync(x, labels, { dropPath: space === 'darts' ? 0.2 : 0, rng }));
      const weights = await w.snapshotAsync();
      x.dispose();
      t.dispose();
      w.dispose();
      return { out, weights };
    };
    await tf.setBackend('webgpu');
    const g = await train();
    await tf.setBackend('wasm');
    const c = await train();
    await tf.setBackend('webgpu');
    g.out.forEach((s, i) => {
      expect(Math.abs(s.loss - c.out[i].loss) / c.out[i].loss, `step ${i + 1} loss ${s.loss} vs ${c.out[i].loss}`).toBeLessThan(1e-4);
      expect(Math.abs(s.correct - c.out[i].correct)).toBeLessThanOrEqual(1);
    });
    for (const [name, t] of Object.entries(c.weights)) {
      const a = g.weights[name].values;
      let scale = 1e-3, worst = 0;
      t.values.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); worst = Math.max(worst, Math.abs(a[i] - v)); });
      expect(worst / scale, `${name}: max difference ${worst} of ${scale}`).toBeLessThan(5e-4);
    }
  });
});
