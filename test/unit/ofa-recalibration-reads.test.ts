import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace } from '../../src-main/common/spaces/ofa';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { SupernetTrainer } from '../../src-main/core/supernet/supernet-trainer';
import { useBackend } from '../helpers/tf-backend';

/*
 * A recalibrating OFA query reads through one generator (OfaSupernet.recalibrateSteps inside
 * SupernetTrainer's evaluation): read synchronously (cpu, wasm) or with `await data()` (every
 * backend; WebGPU in Node only so, test/unit/webgpu-ofa-query.test.ts) it must give the same
 * statistics and accuracies bit for bit. (The synchronous form also gave the same statistics,
 * bit for bit, as the code before the generator: SHA-256 of this test's statistics on cpu
 * ef694580…, on wasm 1e528e46…, before and after, 2026-12-02.)
 */

function data(seed: number, n: number): ImageData {
  const r = new Rng(seed);
  return { images: Uint8Array.from({ length: n * 16 * 16 * 3 }, () => r.int(256)), labels: Uint16Array.from({ length: n }, (_, i) => i % 10), n, height: 16, width: 16, channels: 3, classes: 10 };
}

async function queries(read: 'sync' | 'async') {
  const net = new OfaSupernet({ inChannels: 3, classes: 10, widthMult: 0.25, downsamples: 5 }, new Rng(21));
  const t = new SupernetTrainer(net, ofaSpace, data(22, 60), data(23, 32), { epochs: 1, batchSize: 8, lrMax: 0.1, lrMin: 1e-3, momentum: 0.9, weightDecay: 0, cutout: 0, evalPaths: 1, evalBatches: 2, evalBatchSize: 16, evalBatchNorm: 'recalibrate', calibrationImages: 50 }, new Rng(24));
  const before = tf.memory().numTensors;
  const accuracies: number[] = [];
  const stats: Float32Array[] = [];
  for (const s of [0, 1, 2]) {
    const arch = ofaSpace.sample(new Rng(s));
    accuracies.push(read === 'sync' ? t.evaluate(arch) : await t.evaluateAsync(arch));
    for (const { name } of net.bnLayers()) {
      const st = read === 'sync' ? net.getRunningStats(name) : await net.getRunningStatsAsync(name);
      stats.push(st.mean.slice(), st.variance.slice());
    }
  }
  const leaked = tf.memory().numTensors - before;
  t.dispose();
  net.dispose();
  return { accuracies, stats, leaked };
}

describe('OFA BN recalibration: synchronous and asynchronous reads agree bit for bit', () => {
  it.each(['cpu', 'wasm'] as const)('on %s: three recalibrating queries, every BN statistic, no tensor leak', async (backend) => {
    await useBackend(backend);
    const a = await queries('sync');
    const b = await queries('async');
    expect(b.accuracies).toEqual(a.accuracies);
    expect(b.stats.length).toBe(a.stats.length);
    b.stats.forEach((s, i) => expect(Buffer.from(s.buffer).equals(Buffer.from(a.stats[i].buffer)), `statistic ${i}`).toBe(true));
    // The three subnets differ: some statistics changed from query to query.
    const per = a.stats.length / 3;
    expect(a.stats.slice(0, per).some((s, i) => !Buffer.from(s.buffer).equals(Buffer.from(a.stats[per + i].buffer)))).toBe(true);
    expect(a.leaked).toBe(0);
    expect(b.leaked).toBe(0);
  });

  it('a calibration pass that fails midway leaves no kept tensors and the supernet out of calibration mode', async () => {
    await useBackend('wasm');
    const net = new OfaSupernet({ inChannels: 3, classes: 10, widthMult: 0.25, downsamples: 5 }, new Rng(3));
    const x = tf.randomUniform([4, 16, 16, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    function* batches() {
      yield x;
      throw new Error('data ran out');
    }
    const arch = ofaSpace.sample(new Rng(5));
    expect(() => net.recalibrate(batches(), arch)).toThrow('data ran out');
    expect(tf.memory().numTensors).toBe(before);
    await net.recalibrateAsync([x], arch);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
