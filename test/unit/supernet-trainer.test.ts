import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { SupernetEstimator } from '../../src-main/core/estimators/supernet-estimator';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { Rng } from '../../src-main/common/rng';
import { fillBatch, type ImageData } from '../../src-main/core/supernet/image-data';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { Nb201Supernet } from '../../src-main/core/supernet/nb201-supernet';
import { SupernetTrainer, type BatchProgress, type SupernetTrainerState } from '../../src-main/core/supernet/supernet-trainer';
import { useBackend } from '../helpers/tf-backend';

/** Two classes told apart by which half of an 8×8 image is bright. */
function toyData(n: number, seed: number): ImageData {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * 64);
  const labels = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 64; p++) {
      const top = p < 32;
      images[i * 64 + p] = Math.floor((top === (labels[i] === 0) ? 150 : 60) + rng.uniform(-40, 40));
    }
  }
  return { images, labels, n, height: 8, width: 8, channels: 1, classes: 2 };
}

beforeAll(async () => {
  await useBackend('wasm');
  registerWasmConvGradients();
});

describe('supernet training (single-path uniform sampling)', () => {
  it('learns a toy task: sampled paths beat chance, Acc(Env) is recorded, queries are deterministic, no leaks', () => {
    const net = new Nb201Supernet({ inChannels: 1, classes: 2, C: 4, N: 1 }, new Rng(1));
    const cfg = { epochs: 3, batchSize: 16, lrMax: 0.05, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 2, evalPaths: 3, evalBatches: 4 };
    const trainer = new SupernetTrainer(net, nb201Space, toyData(128, 2), toyData(64, 3), cfg, new Rng(4));
    const progress: BatchProgress[] = [];
    trainer.trainEpoch((p) => progress.push(p));
    expect(progress).toHaveLength(8);
    expect(progress[7]).toMatchObject({ epoch: 1, epochs: 3, batch: 8, of: 8 });
    // The ETA is the images left in the whole training at the epoch's rate so far (not a timing
    // comparison between batches: the rate varies with the machine's load).
    for (const p of progress) expect(p.etaSeconds).toBeCloseTo((((p.of - p.batch) + (p.epochs - p.epoch) * p.of) * 16) / p.imagesPerSecond, 6);
    expect(progress[7].etaSeconds).toBeGreaterThan(0);
    expect(progress.every((p) => p.imagesPerSecond > 0 && Number.isFinite(p.loss))).toBe(true);
    trainer.trainEpoch();
    // Momentum buffers appear as new paths get trained: count tensors that are not variables.
    const loose = () => tf.memory().numTensors - Object.keys(tf.engine().registeredVariables).length;
    const mid = loose();
    const last = trainer.trainEpoch();
    expect(last.epoch).toBe(3);
    expect(last.imagesPerSecond).toBeGreaterThan(0);
    expect(trainer.accEnv).toBeGreaterThanOrEqual(last.valAccuracy);
    expect(trainer.accEnv).toBeGreaterThan(75);
    const est = new SupernetEstimator(trainer);
    const conv = [3, 3, 3, 3, 3, 3];
    expect(est.query(conv)).toBe(est.query(conv));
    expect(est.query([0, 0, 0, 0, 0, 0])).toBeLessThanOrEqual(100);
    expect(loose()).toBe(mid);
    trainer.dispose();
    net.dispose();
  });

  it('snapshot/restore continues exactly: a restored trainer in a fresh supernet ends bit-identical', () => {
    const cfg = { epochs: 3, batchSize: 16, lrMax: 0.05, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 2, evalPaths: 2, evalBatches: 2, evalBatchSize: 32 };
    const make = () => {
      const rng = new Rng(11);
      const net = new Nb201Supernet({ inChannels: 1, classes: 2, C: 2, N: 1 }, rng);
      return { net, trainer: new SupernetTrainer(net, nb201Space, toyData(64, 2), toyData(64, 3), cfg, rng) };
    };
    const a = make();
    a.trainer.trainEpoch();
    const mid: SupernetTrainerState = a.trainer.snapshot();
    expect(Object.keys(mid.momentum).length).toBeGreaterThan(0);
    expect(Object.keys(mid.momentum).every((k) => k in mid.params)).toBe(true); // keyed by parameter names
    a.trainer.trainEpoch();
    a.trainer.trainEpoch();
    const b = make();
    b.trainer.restore(mid);
    expect(b.trainer.epoch).toBe(1);
    b.trainer.trainEpoch();
    b.trainer.trainEpoch();
    const [sa, sb] = [a.trainer.snapshot(), b.trainer.snapshot()];
    expect(sb.epoch).toBe(3);
    expect(sb.accEnv).toBe(sa.accEnv);
    expect(sb.rng).toEqual(sa.rng);
    for (const k of Object.keys(sa.params)) expect(Array.from(sb.params[k].values), k).toEqual(Array.from(sa.params[k].values));
    for (const k of Object.keys(sa.momentum)) expect(Array.from(sb.momentum[k].values), k).toEqual(Array.from(sa.momentum[k].values));
    const arch = [3, 1, 2, 4, 3, 1];
    expect(b.trainer.evaluate(arch)).toBe(a.trainer.evaluate(arch));
    for (const { net, trainer } of [a, b]) {
      trainer.dispose();
      net.dispose();
    }
  });

  it('cutout zeroes a square of the normalised image', () => {
    const d = toyData(1, 5);
    const out = new Float32Array(64);
    fillBatch(d, [0], { mean: [0], std: [1] }, out, 4, new Rng(6));
    expect(out.filter((v) => v === 0).length).toBeGreaterThanOrEqual(4);
    fillBatch(d, [0], { mean: [0], std: [1] }, out, 0);
    expect(out.filter((v) => v === 0).length).toBe(0);
  });
});
