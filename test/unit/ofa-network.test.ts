import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import { buildNetwork } from '../../src-main/core/network/build';
import { countNetwork } from '../../src-main/core/network/counts';
import { forwardNetwork, NetworkWeights, recalibrateBatchNorm } from '../../src-main/core/network/executor';
import { NetworkSpecError } from '../../src-main/core/network/network';
import { buildOfaNetwork, ofaActiveKernel, ofaNetConfig, ofaSubnetWeights } from '../../src-main/core/network/ofa-network';
import { ofaCost, OfaSupernet, ofaPlan } from '../../src-main/core/supernet/ofa-supernet';
import { useBackend } from '../helpers/tf-backend';

const fill = <T,>(n: number, v: T): T[] => new Array<T>(n).fill(v);
const uniform = (k: number, e: number, d: number): OfaConfig => ({ ks: fill(20, k), e: fill(20, e), d: fill(5, d) });
/** Every kernel and expand ratio, depths 2..4: the subnet the OFA reference script below also counted. */
const MIXED: OfaConfig = {
  ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5],
  e: [3, 4, 6, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6],
  d: [2, 3, 4, 3, 2],
};
const imagenet = (c: OfaConfig, side = 224, width = 100) => countNetwork(buildNetwork('ofa', JSON.stringify(c), { input: side, channels: width }));

describe('OFA subnet network: counts', () => {
  /*
   * OFA's own code, run once (mit-han-lab/once-for-all at f03b267, torch 2.13 CPU):
   * OFAMobileNetV3(n_classes=1000, dropout_rate=0, width_mult=w, ks_list=[3,5,7],
   * expand_ratio_list=[3,4,6], depth_list=[2,3,4]); set_active_subnet(ks, e, d);
   * sub = get_active_subnet(); ofa.utils.pytorch_utils.count_net_flops(sub, (1, 3, r, r)) and
   * count_parameters(sub). Exact integers; docs/NETWORKS.md has the table.
   */
  it.each([
    ['w1.0 largest (k7 e6 d4)', uniform(7, 6, 4), 224, 100, 566_170_688, 7_664_760],
    ['w1.0 smallest (k3 e3 d2)', uniform(3, 3, 2), 224, 100, 121_278_672, 3_410_792],
    ['w1.0 mixed', MIXED, 224, 100, 236_773_088, 4_363_424],
    ['w1.0 mixed at 160 px', MIXED, 160, 100, 122_378_720, 4_363_424],
    ['w1.2 largest', uniform(7, 6, 4), 224, 120, 843_101_056, 10_701_632],
    ['w1.2 smallest', uniform(3, 3, 2), 224, 120, 193_078_208, 4_602_456],
    ['w1.2 mixed', MIXED, 224, 120, 359_049_024, 5_990_960],
  ] as const)("%s: params equal OFA's count_parameters; MACs equal count_net_flops, which sums per-layer counts in float32", (_n, c, side, width, macs, params) => {
    const got = imagenet(c, side, width);
    expect(got.params).toBe(params);
    // OFA's profile() keeps each layer's count in a float32 buffer (torch.zeros(1).fill_) and
    // adds them up in float32, layer by layer: above 2^24 its total is rounded (by up to 32 MACs
    // here). Our count is exact; the same float32 sum in OFA's layer order gives OFA's figure.
    let f32 = 0;
    for (const r of got.layers) if (r.macs) f32 = Math.fround(f32 + Math.fround(r.macs));
    expect(f32).toBe(macs);
    expect(Math.abs(got.macs - macs)).toBeLessThanOrEqual(64);
  });

  it("equals the supernet's cost model (ofa-cost.ts) on random subnets, widths, stride layouts and resolutions", () => {
    const rng = new Rng(4);
    for (let i = 0; i < 20; i++) {
      const c = ofaSpace.sample(rng);
      const width = [25, 50, 100, 120][i % 4], downsamples = 1 + (i % 5), side = [28, 32, 64, 224][(i >> 2) % 4], inChannels = 1 + (i % 3);
      const net = countNetwork(buildNetwork('ofa', JSON.stringify(c), { input: side, channels: width, layers: downsamples, classes: 10, inChannels }));
      const plan = ofaPlan({ widthMult: width / 100, downsamples });
      expect(net).toMatchObject(ofaCost(plan, { inChannels, classes: 10 }, c, side));
    }
  });

  it("a config's r is its resolution; defaults are OFA's ImageNet network; bad settings are named", () => {
    const d = buildNetwork('ofa', JSON.stringify({ ...MIXED, r: 160 }));
    expect(d.input).toEqual([160, 160, 3]);
    expect(d.classes).toBe(1000);
    expect(JSON.parse(d.arch)).toEqual({ ...MIXED, r: 160 });
    expect(() => buildNetwork('ofa', JSON.stringify({ ...MIXED, r: 160 }), { input: 224 })).toThrow(/r = 160 differs from the input 224/);
    expect(() => buildNetwork('ofa', JSON.stringify({ ...MIXED, ks: [3] }))).toThrow(NetworkSpecError);
    expect(() => buildNetwork('ofa', JSON.stringify({ ...MIXED, ks: [3] }))).toThrow(/"ks" needs 20 kernel sizes, got 1/);
    expect(() => buildNetwork('ofa', JSON.stringify({ ...MIXED, e: fill(20, 5) }))).toThrow(/e\[0\] = 5/);
    expect(() => buildNetwork('ofa', '{"ks": ')).toThrow(/--arch: OFA config: not JSON/);
    expect(() => buildNetwork('ofa', JSON.stringify(MIXED), { channels: 5 })).toThrow(/width multiplier/);
    expect(() => buildNetwork('ofa', JSON.stringify(MIXED), { layers: 6 })).toThrow(/stride-2 steps/);
    expect(() => buildNetwork('ofa', JSON.stringify(MIXED), { input: 8, layers: 5 })).not.toThrow(); // 8 → 1×1 after five stride-2 steps
  });
});

describe('OFA net.config', () => {
  it("equals, field for field and in key order, what OFA's get_active_subnet().config gives for the mixed w1.0 subnet", () => {
    // test/fixtures/ofa-mixed-w1.0.net.config.json: json.dump(sub.config) from OFA's code (the
    // script in the counts test above; OFAMobileNetV3(..., dropout_rate=0, width_mult=1.0)).
    const want = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ofa-mixed-w1.0.net.config.json'), 'utf8');
    const got = ofaNetConfig(buildNetwork('ofa', JSON.stringify(MIXED)));
    expect(JSON.stringify(got)).toBe(JSON.stringify(JSON.parse(want)));
    // A small grey-image version names its own widths and channels.
    const small = ofaNetConfig(buildNetwork('ofa', JSON.stringify(MIXED), { channels: 25, layers: 3, input: 28, inChannels: 1, classes: 10 })) as { first_conv: { in_channels: number; stride: number }; classifier: { out_features: number } };
    expect(small.first_conv).toMatchObject({ in_channels: 1, stride: 1 });
    expect(small.classifier.out_features).toBe(10);
  });
});

describe('OFA subnet network: weights from the supernet (TF.js cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  afterAll(() => tf.disposeVariables());

  it('the kernel transform (hand-computed): identity matrices crop the centre; a matrix mixes the centre cells', () => {
    // One channel of a 5×5 filter with values 0..24 (row-major), midMax 2 (channel 1 = −v), to 3×3.
    const w = new Float32Array(50);
    for (let p = 0; p < 25; p++) [w[2 * p], w[2 * p + 1]] = [p, -p];
    const eye = (n: number) => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
    expect(Array.from(ofaActiveKernel(w, 5, 2, 1, 3, () => eye(9)))).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
    // M = identity + 1 in row 0 column 8: output cell 0 = centre[0] + centre[8] = 6 + 18.
    const m = eye(9);
    m[8] = 1;
    expect(Array.from(ofaActiveKernel(w, 5, 2, 2, 3, () => m))).toEqual([24, -24, 7, -7, 8, -8, 11, -11, 12, -12, 13, -13, 16, -16, 17, -17, 18, -18]);
  });

  it('with the sliced supernet weights the network equals the supernet subnet (batch statistics) for kernels 3/5/7, every expand ratio, SE and depths 2..4', () => {
    const spec = { inChannels: 2, classes: 5, widthMult: 0.25, downsamples: 3 };
    const sn = new OfaSupernet(spec, new Rng(1));
    // Every weight random, the kernel-transform matrices too (they start as the identity).
    const rng = new Rng(2);
    for (const name of sn.params.names()) {
      const v = sn.params.byName(name);
      const t = tf.tensor(rng.fillUniform(new Float32Array(v.size), name.includes('to') ? -0.3 : -1, name.includes('to') ? 0.3 : 1), v.shape);
      v.assign(t);
      t.dispose();
    }
    const x = tf.tensor4d(new Rng(3).fillUniform(new Float32Array(4 * 16 * 16 * 2), -1, 1), [4, 16, 16, 2]);
    for (const c of [MIXED, uniform(7, 6, 4), { ...MIXED, ks: MIXED.ks.map((k) => (k === 7 ? 3 : 7)), e: MIXED.e.slice().reverse(), d: [4, 2, 3, 2, 4] }]) {
      const d = buildOfaNetwork(c, { input: [16, 16, 2], classes: 5, widthMult: spec.widthMult, downsamples: spec.downsamples });
      const weights = ofaSubnetWeights(d, sn.params.snapshot(), sn.plan);
      // The subnet's own parameter count: weights taken, nothing left over.
      expect(d.tensors.filter((t) => t.trainable).reduce((a, t) => a + weights[t.name].values.length, 0)).toBe(sn.cost(c, 16).params);
      const w = new NetworkWeights(d, weights);
      const a = tf.tidy(() => forwardNetwork(w, x, { mode: 'train', updateStats: false }).logits.dataSync());
      const b = tf.tidy(() => sn.forward(x, c).dataSync());
      let diff = 0, spread = 0, scale = 1;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        spread = Math.max(spread, Math.abs(b[i] - b[0]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      // float32 over ~15 layers of U(−1, 1) weights: logits reach tens, so relative to their size.
      expect(diff / scale).toBeLessThan(1e-5);
      expect(spread).toBeGreaterThan(1e-3);
      w.dispose();
    }
    x.dispose();
    sn.dispose();
  });

  it('a supernet of other widths, or one missing a tensor, is refused naming the tensor', () => {
    const sn = new OfaSupernet({ inChannels: 1, classes: 3, widthMult: 0.25, downsamples: 3 }, new Rng(1));
    const d = buildOfaNetwork(MIXED, { input: [16, 16, 1], classes: 3, widthMult: 0.5, downsamples: 3 });
    expect(() => ofaSubnetWeights(d, sn.params.snapshot(), ofaPlan({ widthMult: 0.5, downsamples: 3 }))).toThrow(/supernet tensor "blocks\.1\.project\.w" has 384 values, 768 expected/);
    const snap = sn.params.snapshot();
    delete snap['blocks.1.dw.5to3'];
    const d2 = buildOfaNetwork({ ...MIXED, ks: fill(20, 3) }, { input: [16, 16, 1], classes: 3, widthMult: 0.25, downsamples: 3 });
    expect(() => ofaSubnetWeights(d2, snap, sn.plan)).toThrow(/no tensor "blocks\.1\.dw\.5to3"/);
    sn.dispose();
  });

  it("batch-norm recalibration averages the batch mean and biased variance over batches, weighted by size (OFA's set_running_statistics)", () => {
    const d = buildOfaNetwork(MIXED, { input: [8, 8, 1], classes: 3, widthMult: 0.25, downsamples: 3 });
    const w = new NetworkWeights(d, new Rng(5));
    const all = new Rng(6).fillUniform(new Float32Array(5 * 64), -1, 1);
    const b1 = tf.tensor4d(all.subarray(0, 3 * 64), [3, 8, 8, 1]);
    const b2 = tf.tensor4d(all.subarray(3 * 64), [2, 8, 8, 1]);
    expect(recalibrateBatchNorm(w, [b1, b2])).toBe(5);
    // The first BN's input is the first conv's output, which no statistics change: by hand.
    const conv = (xb: tf.Tensor4D) => tf.tidy(() => {
      const f = w.get('first_conv.w') as tf.Tensor as tf.Tensor4D;
      return tf.conv2d(tf.pad(xb, [[0, 0], [1, 1], [1, 1], [0, 0]]), f, 1, 'valid');
    });
    const m1 = tf.moments(conv(b1), [0, 1, 2]), m2 = tf.moments(conv(b2), [0, 1, 2]);
    const want = (a: tf.Tensor, b: tf.Tensor) => Array.from(a.dataSync(), (v, i) => (3 * v + 2 * b.dataSync()[i]) / 5);
    const close = (got: ArrayLike<number>, exp: number[]) => exp.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
    close(w.get('first_conv.bn.mean').dataSync(), want(m1.mean, m2.mean));
    close(w.get('first_conv.bn.var').dataSync(), want(m1.variance, m2.variance));
    // One batch: inference with the recalibrated statistics equals the batch-statistics forward on it.
    const both = tf.concat([b1, b2]) as tf.Tensor4D;
    recalibrateBatchNorm(w, [both]);
    const inf = tf.tidy(() => forwardNetwork(w, both, { mode: 'infer' }).logits.dataSync());
    const bat = tf.tidy(() => forwardNetwork(w, both, { mode: 'train', updateStats: false }).logits.dataSync());
    inf.forEach((v, i) => expect(Math.abs(v - bat[i])).toBeLessThan(1e-4));
    for (const t of [b1, b2, both, m1.mean, m1.variance, m2.mean, m2.variance]) t.dispose();
    w.dispose();
  });
});
