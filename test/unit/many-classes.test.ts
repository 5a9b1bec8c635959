import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace } from '../../src-main/common/spaces/ofa';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { SupernetTrainer } from '../../src-main/core/supernet/supernet-trainer';
import { loadDataset, splitHalves } from '../../src-main/node/datasets';
import { tempDir } from '../helpers/fixture-tables';
import { png } from '../helpers/image-folder';
import { writeIdxPair } from '../helpers/idx';
import { useBackend } from '../helpers/tf-backend';

beforeAll(async () => {
  await useBackend('wasm');
  registerWasmConvGradients();
});

/** 300 class folders c000..c299 of two 6×6 PNGs each, coloured by class. */
function folder300(): string {
  const root = path.join(tempDir('classes300'), 'data');
  for (let c = 0; c < 300; c++) {
    const dir = path.join(root, `c${String(c).padStart(3, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    const rgb: [number, number, number] = [(c % 10) * 25, (Math.floor(c / 10) % 10) * 25, Math.floor(c / 100) * 80];
    for (const k of [0, 1]) fs.writeFileSync(path.join(dir, `${k}.png`), png(6, 6, (x, y) => [...rgb.map((v) => Math.min(255, v + ((x + y + k) % 3) * 5)) as [number, number, number], 255]));
  }
  return root;
}

describe('more than 256 classes (16-bit labels)', () => {
  it('an image folder of 300 classes loads with labels up to 299, splits, and an OFA supernet trains an epoch and answers a query on it', () => {
    const ds = loadDataset({ kind: 'image-folder', root: folder300(), size: 8 });
    expect([ds.n, ds.classes]).toEqual([600, 300]);
    expect(ds.labels).toBeInstanceOf(Uint16Array);
    expect(Array.from(ds.labels.subarray(510, 514))).toEqual([255, 255, 256, 256]);
    expect(Math.max(...ds.labels)).toBe(299);
    const { train, val } = splitHalves(ds, 3);
    const seen = new Set([...train.labels, ...val.labels]);
    expect(seen.size).toBe(300);
    const before = tf.memory().numTensors;
    const net = new OfaSupernet({ inChannels: 3, classes: 300, widthMult: 0.25, downsamples: 3 }, new Rng(1));
    const trainer = new SupernetTrainer(net, ofaSpace, train, val, { epochs: 1, batchSize: 50, lrMax: 0.05, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 0, evalPaths: 1, evalBatches: 2, evalBatchSize: 100, evalBatchNorm: 'recalibrate', calibrationImages: 100 }, new Rng(2));
    const r = trainer.trainEpoch();
    // Cross-entropy over 300 classes starts near ln 300 = 5.7 (labels ≥ 256 reach the one-hot targets).
    expect(r.loss).toBeGreaterThan(4);
    expect(r.loss).toBeLessThan(8);
    const acc = trainer.evaluate(ofaSpace.sample(new Rng(3)));
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(100);
    trainer.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an IDX pair with 16-bit labels of 300 classes loads through the dataset spec', () => {
    const dir = tempDir('idx300');
    const [images, labels] = writeIdxPair(dir, 'c300', 600, 4, (i, p) => (i + p) % 256, (i) => i % 300, 2);
    const ds = loadDataset({ kind: 'idx', images, labels });
    expect([ds.n, ds.classes, ds.labels[299], ds.labels[300]]).toEqual([600, 300, 299, 0]);
  });
});
