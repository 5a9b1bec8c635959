import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import { SupernetEstimator } from '../../src-main/core/estimators/supernet-estimator';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { SupernetTrainer } from '../../src-main/core/supernet/supernet-trainer';
import { webgpuTestFile } from '../helpers/webgpu';

/*
 * An OFA query as OFA makes it (BN recalibrated for the subnet on fixed training images, then
 * validation accuracy with those running statistics) on TF.js's WebGPU backend (the software
 * adapter here), against the same query on WASM from the same seed. WebGPU in Node reads only
 * asynchronously: the query goes through evaluateAsync and OfaSupernet.recalibrateSteps.
 * Tolerances: running statistics within 1e-4 of each BN's scale (its largest variance; for
 * means, that variance's square root), the recalibrated subnet's logits within 1e-4 of the
 * largest |logit|, the accuracy within one validation image (measured on llvmpipe, 2026-12-02:
 * 7.4e-6 and 6.8e-6, float32 rounding through 17 blocks).
 */

webgpuTestFile();

const MIXED: OfaConfig = { ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5], e: [6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4], d: [2, 3, 4, 3, 2] };

function data(seed: number, n: number): ImageData {
  const r = new Rng(seed);
  return { images: Uint8Array.from({ length: n * 16 * 16 * 3 }, () => r.int(256)), labels: Uint16Array.from({ length: n }, (_, i) => i % 10), n, height: 16, width: 16, channels: 3, classes: 10 };
}

interface Query {
  accuracy: number;
  stats: Map<string, { mean: Float32Array; variance: Float32Array }>;
  logits: Float32Array;
  leaked: number;
}

/** One recalibrating query of MIXED on the active backend, from seed 21 (random weights: a speed-free, value-only check). */
async function query(): Promise<Query> {
  const net = new OfaSupernet({ inChannels: 3, classes: 10, widthMult: 0.25, downsamples: 4 }, new Rng(21));
  const trainer = new SupernetTrainer(net, ofaSpace, data(22, 60), data(23, 32), { epochs: 1, batchSize: 8, lrMax: 0.1, lrMin: 1e-3, momentum: 0.9, weightDecay: 0, cutout: 0, evalPaths: 1, evalBatches: 2, evalBatchSize: 16, evalBatchNorm: 'recalibrate', calibrationImages: 40 }, new Rng(24));
  const before = tf.memory().numTensors;
  const accuracy = await new SupernetEstimator(trainer).query(MIXED);
  const leaked = tf.memory().numTensors - before;
  const stats = new Map<string, { mean: Float32Array; variance: Float32Array }>();
  for (const { name } of net.bnLayers()) stats.set(name, await net.getRunningStatsAsync(name));
  net.bnMode = 'running';
  const x = tf.tensor4d(new Rng(25).fillUniform(new Float32Array(4 * 16 * 16 * 3), -2, 2), [4, 16, 16, 3]);
  const y = tf.tidy(() => net.forward(x, MIXED));
  const logits = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  trainer.dispose();
  net.dispose();
  return { accuracy, stats, logits, leaked };
}

describe('OFA queries on WebGPU', () => {
  it('a BN-recalibrated OFA query equals the WASM backend’s: statistics, logits, accuracy; no tensor leak', async () => {
    await tf.setBackend('webgpu');
    const onGpu = await query();
    await tf.setBackend('wasm');
    const onWasm = await query();
    await tf.setBackend('webgpu');
    expect(onGpu.leaked).toBe(0);
    expect(onWasm.leaked).toBe(0);
    let recalibrated = 0, worstStats = 0;
    for (const [name, w] of onWasm.stats) {
      const g = onGpu.stats.get(name)!;
      // A mean is measured against the BN's standard deviation (means sit near 0), a variance against the largest variance.
      const scales = { mean: Math.sqrt(Math.max(...w.variance)), variance: Math.max(...w.variance) };
      for (const k of ['mean', 'variance'] as const) {
        const worst = Math.max(...Array.from(w[k], (v, i) => Math.abs(v - g[k][i])));
        worstStats = Math.max(worstStats, worst / scales[k]);
        expect(worst / scales[k], `${name}.${k}: max difference ${worst} of ${scales[k]}`).toBeLessThan(1e-4);
      }
      if (w.variance.some((v) => v !== 1)) recalibrated++;
    }
    expect(recalibrated, 'BNs the query recalibrated').toBeGreaterThan(20);
    const scale = Math.max(...Array.from(onWasm.logits, Math.abs));
    const worst = Math.max(...Array.from(onWasm.logits, (v, i) => Math.abs(v - onGpu.logits[i])));
    console.log(`OFA recalibrated query, WebGPU vs WASM: statistics ${worstStats.toExponential(2)} of scale, logits ${(worst / scale).toExponential(2)} of ${scale.toFixed(3)}`);
    expect(worst / scale).toBeLessThan(1e-4);
    expect(Math.abs(onGpu.accuracy - onWasm.accuracy)).toBeLessThanOrEqual(100 / 32);
  });
});
