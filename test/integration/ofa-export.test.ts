import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunResultSchema } from '../../src-main/contracts/run';
import { Rng } from '../../src-main/common/rng';
import { parseOfaConfig } from '../../src-main/common/spaces/ofa';
import { tempDir } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * `l2nas export <ofa-run-dir>` on a small OFA search of the embedded MNIST (w0.25, OFA's five
 * stride-2 steps): the issue's `--format ofa` contract, and the best subnet as a standalone
 * network with the supernet's weights (BN recalibrated) that tf.loadGraphModel and
 * onnxruntime-node run alike.
 */
describe('l2nas export of an OFA supernet search', () => {
  let root: string, run: string;
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
    root = tempDir('ofa-export');
    run = path.join(root, 'run');
    const r = l2nas('demo', '--space', 'ofa', '--epochs', '1', '--train-images', '128', '--cells', '5', '--steps', '4', '--random', '1', '--out', run);
    expect(r.code, r.err).toBe(0);
  }, 180_000);

  it('--format ofa writes the best subnet as {"ks": [20], "e": [20], "d": [5], "r": resolution}', () => {
    const out = path.join(root, 'ofa');
    const r = l2nas('export', run, '--format', 'ofa', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['README.txt', 'ofa-subnet.json']);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'ofa-subnet.json'), 'utf8'));
    expect(Object.keys(j)).toEqual(['ks', 'e', 'd', 'r']);
    expect(j.ks).toHaveLength(20);
    expect(j.e).toHaveLength(20);
    expect(j.d).toHaveLength(5);
    const best = parseOfaConfig(RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'))).best.arch);
    expect(j).toEqual({ ...best, r: 28 });
  });

  it('tfjs, onnx, layers and ofa-net: the graph model and onnxruntime agree; MACs are the ones the search recorded', async () => {
    const out = path.join(root, 'net');
    const r = l2nas('export', run, '--format', 'tfjs,onnx,layers,ofa-net', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/recalibrated batch norm on 128 training images/);
    expect(r.out).toMatch(/% on 1000 held-out images/);
    expect(fs.readdirSync(out).sort()).toEqual(['README.txt', 'group1-shard1of1.bin', 'layers.csv', 'model.json', 'model.onnx', 'net.config']);
    const result = RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8')));
    const total = fs.readFileSync(path.join(out, 'layers.csv'), 'utf8').trim().split('\n').at(-1)!.split(',');
    expect(Number(total[4])).toBe(result.best.metrics.macs);
    expect(Number(total[3])).toBe(result.best.metrics.params);
    const netConfig = JSON.parse(fs.readFileSync(path.join(out, 'net.config'), 'utf8'));
    expect(netConfig).toMatchObject({ name: 'MobileNetV3', first_conv: { in_channels: 1, out_channels: 8 }, classifier: { out_features: 10 } });
    expect(netConfig.blocks).toHaveLength(1 + parseOfaConfig(result.best.arch).d.reduce((a, b) => a + b, 0));
    expect(fs.readFileSync(path.join(out, 'README.txt'), 'utf8')).toMatch(/BN statistics recalibrated on 128 training images in batches of 200/);

    await tf.setBackend('cpu');
    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(out, 'group1-shard1of1.bin'));
    const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), format: json.format }));
    const n = 4;
    const xs = new Rng(3).fillUniform(new Float32Array(n * 28 * 28), -1, 2);
    const pred = model.predict(tf.tensor4d(xs, [n, 28, 28, 1])) as tf.Tensor;
    const graph = pred.dataSync();
    // Grey images: NHWC and NCHW are the same bytes.
    const s = await ort.InferenceSession.create(path.join(out, 'model.onnx'));
    const res = await s.run({ input: new ort.Tensor('float32', xs, [n, 1, 28, 28]) });
    expect(res.logits.dims).toEqual([n, 10]);
    const onnx = res.logits.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < graph.length; i++) diff = Math.max(diff, Math.abs(graph[i] - onnx[i]));
    expect(diff).toBeLessThan(1e-4);
    expect(Math.abs(graph[0] - graph[10])).toBeGreaterThan(1e-4);
    model.dispose();
  }, 120_000);

  it('l2nas train --from-run trains the found subnet from scratch at the supernet\'s width and layout; its export runs in onnxruntime', async () => {
    const t = path.join(root, 'train');
    const r = l2nas('train', '--from-run', run, '--epochs', '1', '--train-images', '96', '--val-images', '32', '--batch', '32', '--out', t, '-q');
    expect(r.code, r.err).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(t, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ kind: 'train', space: 'ofa', settings: { channels: 25, layers: 5, lrMax: 0.03, weightDecay: 3e-5 } });
    const out = path.join(root, 'train-export');
    expect(l2nas('export', t, '--format', 'onnx,ofa', '--out', out).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'ofa-subnet.json'), 'utf8')).r).toBe(28);
    const s = await ort.InferenceSession.create(path.join(out, 'model.onnx'));
    const res = await s.run({ input: new ort.Tensor('float32', new Float32Array(2 * 28 * 28).fill(0.3), [2, 1, 28, 28]) });
    expect(res.logits.dims).toEqual([2, 10]);
    // A config made for another resolution is refused before a folder is written.
    const bad = l2nas('train', '--space', 'ofa', '--arch', JSON.stringify({ ks: new Array(20).fill(3), e: new Array(20).fill(3), d: new Array(5).fill(2), r: 224 }), '--epochs', '1', '--out', path.join(root, 'bad-train'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/r = 224 differs from the input 28×28/);
    expect(fs.existsSync(path.join(root, 'bad-train'))).toBe(false);
  }, 180_000);

  it('bad input exits 2 naming what: an OFA format on another network, a folder without a trained supernet, a non-empty --out', () => {
    const nb = path.join(root, 'nb201');
    fs.mkdirSync(nb);
    const copy = path.join(root, 'no-checkpoint');
    fs.cpSync(run, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'supernet-checkpoint.bin'));
    let r = l2nas('export', copy, '--format', 'onnx', '--out', path.join(root, 'x1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no trained supernet \(no supernet-checkpoint\.bin\)/);
    expect(fs.existsSync(path.join(root, 'x1'))).toBe(false);
    // A checkpoint of other widths (config.json edited) or a damaged one: named, exit 2, nothing written.
    const other = path.join(root, 'other-width');
    fs.cpSync(run, other, { recursive: true });
    const cfg = JSON.parse(fs.readFileSync(path.join(other, 'config.json'), 'utf8'));
    cfg.estimator.C = 50;
    fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify(cfg));
    r = l2nas('export', other, '--format', 'onnx', '--out', path.join(root, 'x6'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/supernet-checkpoint\.bin: OFA weights: supernet tensor "[\w.]+" has \d+ values, \d+ expected .*C = 50, N = 5/);
    const ck = path.join(other, 'supernet-checkpoint.bin');
    fs.truncateSync(ck, 100);
    r = l2nas('export', other, '--format', 'tfjs', '--out', path.join(root, 'x7'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/supernet-checkpoint\.bin/);
    expect(fs.existsSync(path.join(root, 'x6')) || fs.existsSync(path.join(root, 'x7'))).toBe(false);
    // Descriptive formats need no weights: they still work.
    expect(l2nas('export', copy, '--format', 'ofa,arch', '--out', path.join(root, 'x2')).code).toBe(0);
    fs.rmSync(path.join(copy, 'result.json'));
    r = l2nas('export', copy, '--format', 'ofa', '--out', path.join(root, 'x3'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no best subnet yet \(no result\.json/);
    r = l2nas('export', run, '--format', 'ofa', '--out', path.join(root, 'ofa'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not empty/);
    r = l2nas('export', run, '--format', 'pickle', '--out', path.join(root, 'x4'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown export format "pickle"/);
    r = l2nas('inspect', '--space', 'nb201', '--arch', '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', '--export', 'ofa', '--out', path.join(root, 'x5'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/export format ofa: only for OFA subnets \(this is a nb201 network\)/);
    expect(fs.existsSync(path.join(root, 'x5'))).toBe(false);
  });
});
