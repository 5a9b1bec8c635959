import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { forwardNetwork, NetworkWeights } from '../../src-main/core/network/executor';
import { TrainResultSchema } from '../../src-main/contracts/train';
import { decodeCheckpoint } from '../../src-main/node/checkpoint-codec';
import { readTrainConfig, readTrainNetwork } from '../../src-main/node/train-session';
import type { NamedTensors } from '../../src-main/core/supernet/param-store';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const ARCH = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';
const TRAIN = ['train', '--space', 'nb201', '--arch', ARCH, '--dataset', 'mnist', '--epochs', '3', '--channels', '2', '--cells', '1', '--batch', '16', '--train-images', '96', '--val-images', '64', '--seed', '5', '-q'];

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
interface Ck {
  epoch: number;
  rng: number[];
  weights: NamedTensors;
  momentum: NamedTensors;
  history: { trainLoss: number; valLoss: number; valAccuracy: number }[];
}
const checkpoint = (dir: string) => decodeCheckpoint(fs.readFileSync(path.join(dir, 'train-checkpoint.bin'))) as Ck;
const bytesOf = (t: NamedTensors) => Object.keys(t).sort().map((k) => Buffer.from(t[k].values.buffer, t[k].values.byteOffset, t[k].values.byteLength).toString('base64')).join('|');

let dir: string;
beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
  dir = tempDir('train');
  await tf.setBackend('cpu');
});

describe('l2nas train / resume / export', () => {
  it('a run killed with SIGKILL after its first epoch resumes bit-identically; its export reloads in onnxruntime with the trained network’s outputs', async () => {
    const a = path.join(dir, 'a'), b = path.join(dir, 'b');
    const full = l2nas(...TRAIN, '--out', a);
    expect(full.err).toBe('');
    expect(full.code).toBe(0);
    const result = TrainResultSchema.parse(JSON.parse(fs.readFileSync(path.join(a, 'result.json'), 'utf8')));
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    // No test files for the embedded MNIST: the held-out half's second half (2,500 digits) is the test set.
    expect(result.testImages).toBe(2500);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0);

    // The same run, killed as soon as its first epoch checkpoint lands.
    const child = spawn(process.execPath, [BIN, ...TRAIN, '--out', b], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const ck = path.join(b, 'train-checkpoint.bin');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(ck) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    expect(fs.existsSync(path.join(b, 'result.json'))).toBe(false); // killed mid-run, not after it
    expect(checkpoint(b).epoch).toBeLessThan(3);
    const resumed = l2nas('resume', b, '-q');
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    const [ca, cb] = [checkpoint(a), checkpoint(b)];
    expect(cb.epoch).toBe(3);
    expect(bytesOf(cb.weights)).toBe(bytesOf(ca.weights));
    expect(bytesOf(cb.momentum)).toBe(bytesOf(ca.momentum));
    expect(cb.rng).toEqual(ca.rng);
    expect(cb.history.map((e) => [e.trainLoss, e.valLoss, e.valAccuracy])).toEqual(ca.history.map((e) => [e.trainLoss, e.valLoss, e.valAccuracy]));
    expect(l2nas('resume', b).code).toBe(2); // complete: nothing to resume

    const ex = path.join(dir, 'export');
    const r = l2nas('export', b, '--format', 'onnx,tfjs,arch,layers', '--out', ex);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(ex, 'README.txt'), 'utf8')).toMatch(/mean = \[0\.\d+\], std = \[0\.\d+\]/);
    const desc = readTrainNetwork(b, readTrainConfig(b));
    const w = new NetworkWeights(desc, cb.weights);
    const [H, W, C] = desc.input;
    const xs = new Rng(1).fillUniform(new Float32Array(2 * H * W * C), -1, 1);
    const ours = tf.tidy(() => forwardNetwork(w, tf.tensor4d(xs, [2, H, W, C]), { mode: 'infer' }).logits.dataSync());
    w.dispose();
    const s = await ort.InferenceSession.create(path.join(ex, 'model.onnx'));
    const out = await s.run({ input: new ort.Tensor('float32', xs, [2, C, H, W]) }); // C = 1: NHWC and NCHW bytes agree
    const got = out.logits.data as Float32Array;
    expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - ours[i])))).toBeLessThan(1e-4);
  });

  it('--from-run trains the best architecture of a finished search run; a run without a result is refused', () => {
    const csv = writeSyntheticNb201(path.join(dir, 'nb201.csv'));
    const search = path.join(dir, 'search');
    expect(l2nas('search', '--space', 'nb201', '--benchmark', csv, '--metric', 'acc', '--steps', '20', '--preset', 'nb201', '--out', search, '-q').code).toBe(0);
    const best = JSON.parse(fs.readFileSync(path.join(search, 'result.json'), 'utf8')).best.arch;
    const t = path.join(dir, 'from-run');
    const r = l2nas('train', '--from-run', search, '--preset', 'cpu', '--epochs', '1', '--channels', '2', '--batch', '16', '--train-images', '32', '--val-images', '32', '--test-images', '32', '--out', t, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const c = readTrainConfig(t);
    expect(c.arch).toBe(best);
    // The preset's values (cpu: one cell per stage), the flags' overrides.
    expect(c.preset).toBe('cpu');
    expect(c.settings).toMatchObject({ layers: 1, channels: 2, epochs: 1, lrMax: 0.1, testImages: 32 });
    fs.rmSync(path.join(search, 'result.json'));
    const none = l2nas('train', '--from-run', search, '--out', path.join(dir, 'from-run-2'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no best architecture/);
    expect(fs.existsSync(path.join(dir, 'from-run-2'))).toBe(false);
  });

  it('bad input exits 2 and leaves no run folder', () => {
    const out = path.join(dir, 'bad');
    for (const args of [
      ['--arch', '|nor_conv_3x3~0|'],
      ['--arch', ARCH, '--channels', '0'],
      ['--arch', ARCH, '--dataset', 'idx'],
      ['--arch', ARCH, '--preset', 'fast'],
      ['--arch', ARCH, '--test-data', '/nonexistent/t'],
    ]) {
      const r = l2nas('train', '--space', 'nb201', '--epochs', '1', ...args, '--out', out);
      expect(r.code, r.err).toBe(2);
      expect(fs.existsSync(out)).toBe(false);
    }
    expect(l2nas('export', dir, '--format', 'onnx', '--out', path.join(dir, 'x')).code).toBe(2);
  });
});
