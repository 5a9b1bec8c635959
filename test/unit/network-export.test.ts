import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { formatGenotype, parseGenotype } from '../../src-main/common/spaces/darts';
import { buildNetwork } from '../../src-main/core/network/build';
import { forwardNetwork, initialWeights, NetworkWeights, recalibrateBatchNorm } from '../../src-main/core/network/executor';
import type { NetworkDescription } from '../../src-main/core/network/network';
import type { NamedTensors } from '../../src-main/core/supernet/param-store';
import { writeNetworkExports } from '../../src-main/node/exporters/network-export';
import { TFJS_WEIGHTS_FILE } from '../../src-main/node/exporters/tfjs-graph';
import { UsageError } from '../../src-main/node/usage-error';

/** Every DARTS op, in both cells: strided dilated convs, −∞-padded max pools, FactorizedReduce. */
const EVERY_OP = parseGenotype(
  "Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_5x5', 1), ('skip_connect', 0), ('max_pool_3x3', 2), ('avg_pool_3x3', 1), ('sep_conv_5x5', 3), ('dil_conv_3x3', 4), ('skip_connect', 1)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 2), ('dil_conv_3x3', 1), ('skip_connect', 3), ('sep_conv_5x5', 0), ('dil_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])",
);
const NB201 = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';
/** OFA: kernels 3/5/7 (strided depthwise convs), every expand ratio, SE (units 2, 4, 5), h-swish, residuals, depths 2..4. */
const OFA = JSON.stringify({
  ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5],
  e: [3, 4, 6, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6],
  d: [2, 3, 4, 3, 2],
});

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'l2nas-export-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Seeded weights with BN statistics and affine terms away from 0/1, so inference BN is exercised. */
function weightsOf(d: NetworkDescription, seed: number): NamedTensors {
  const w = initialWeights(d, new Rng(seed));
  const rng = new Rng(seed + 100);
  for (const t of d.tensors) {
    const v = w[t.name].values;
    if (t.name.endsWith('.var')) rng.fillUniform(v, 0.5, 2);
    else if (t.name.endsWith('.mean') || t.name.endsWith('.beta')) rng.fillUniform(v, -0.5, 0.5);
    else if (t.name.endsWith('.gamma')) rng.fillUniform(v, 0.5, 1.5);
  }
  return w;
}

async function loadGraphModelDir(dir: string): Promise<tf.GraphModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, TFJS_WEIGHTS_FILE));
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: data, format: json.format }));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe.each([
  ['nb201 C=4 N=1', () => buildNetwork('nb201', NB201, { channels: 4, layers: 1, classes: 5, input: 8, inChannels: 3 }), false],
  // Node 2's only way out is a `none` edge: an unread node (a dead branch) in the description.
  ['nb201 with a dead node', () => buildNetwork('nb201', '|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|none~2|', { channels: 4, layers: 1, classes: 5, input: 8, inChannels: 3 }), false],
  ['darts C=4, 3 cells', () => buildNetwork('darts', formatGenotype(EVERY_OP), { channels: 4, layers: 3, classes: 5, input: 16, inChannels: 3 }), false],
  // BN statistics recalibrated on random images (as the OFA export does): with random ones, 15
  // blocks of a w0.25 MobileNetV3 at PyTorch's default init map every image to the same logits.
  ['ofa w0.25, 4 stride-2 steps', () => buildNetwork('ofa', OFA, { channels: 25, layers: 4, classes: 5, input: 20, inChannels: 3 }), true],
] as const)('exports of %s', (_name, make, recalibrate: boolean) => {
  it('TF.js graph model equals the executor to 1e-5; ONNX in onnxruntime-node equals TF.js to 1e-4; arch, layers, README written', async () => {
    const d = make();
    let weights = weightsOf(d, 3);
    if (recalibrate) {
      const cal = new NetworkWeights(d, weights);
      const [H, W, C] = d.input;
      const xs = tf.tensor4d(new Rng(4).fillUniform(new Float32Array(16 * H * W * C), -2, 2), [16, H, W, C]);
      recalibrateBatchNorm(cal, [xs]);
      weights = cal.snapshot();
      xs.dispose();
      cal.dispose();
    }
    const dir = path.join(root, _name.replace(/[^a-z0-9]+/gi, '-'));
    const files = writeNetworkExports(d, weights, ['tfjs', 'onnx', 'arch', 'layers'], dir, 'test');
    expect(files.sort()).toEqual(['README.txt', 'architecture.txt', 'layers.csv', 'model.json', 'model.onnx', TFJS_WEIGHTS_FILE].sort());
    expect(fs.readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'architecture.txt'), 'utf8').trim()).toBe(d.arch);
    expect(fs.readFileSync(path.join(dir, 'layers.csv'), 'utf8').split('\n')[0]).toBe('layer,op,output_shape,params,macs,aux');
    expect(fs.readFileSync(path.join(dir, 'README.txt'), 'utf8')).toMatch(/NCHW/);

    const [H, W, C] = d.input;
    const n = 3;
    const xs = new Rng(9).fillUniform(new Float32Array(n * H * W * C), -2, 2);
    const x = tf.tensor4d(xs, [n, H, W, C]);
    const w = new NetworkWeights(d, weights);
    const ours = tf.tidy(() => forwardNetwork(w, x, { mode: 'infer' }).logits.dataSync());

    const model = await loadGraphModelDir(dir);
    expect(model.outputs.map((o) => o.name)).toEqual(['logits']); // one output, no dead branch taken for one
    const pred = model.predict(x) as tf.Tensor;
    expect(pred.shape).toEqual([n, d.classes]);
    const graph = pred.dataSync();
    expect(maxAbsDiff(graph, ours)).toBeLessThan(1e-5);

    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
    const res = await session.run({ input: new ort.Tensor('float32', nchw, [n, C, H, W]) });
    expect(res.logits.dims).toEqual([n, d.classes]);
    expect(maxAbsDiff(res.logits.data as Float32Array, graph)).toBeLessThan(1e-4);
    // The outputs are not trivially equal (a constant network would pass any comparison).
    expect(Math.abs(graph[0] - graph[d.classes])).toBeGreaterThan(1e-4);
    pred.dispose();
    model.dispose();
    x.dispose();
    w.dispose();
  });
});

describe('export folder', () => {
  const d = () => buildNetwork('nb201', NB201, { channels: 2, layers: 1, classes: 3, input: 8, inChannels: 1 });

  it('refuses a non-empty folder and leaves it as it was; no temp folder is left behind', () => {
    const dir = path.join(root, 'full');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
    const net = d();
    expect(() => writeNetworkExports(net, initialWeights(net, new Rng(0)), ['onnx'], dir, 'test')).toThrow(UsageError);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('a failing writer (weights missing a tensor) leaves nothing: neither the folder nor a temp folder', () => {
    const dir = path.join(root, 'broken');
    const net = d();
    const w = initialWeights(net, new Rng(0));
    delete w['fc.w'];
    expect(() => writeNetworkExports(net, w, ['arch', 'tfjs'], dir, 'test')).toThrow(/fc\.w/);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.broken'))).toEqual([]);
  });
});
