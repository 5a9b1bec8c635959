import * as tf from '@tensorflow/tfjs-core';
import { checkGradients } from '../helpers/finite-differences';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import { supernetCostModel } from '../../src-main/core/supernet/cost-models';
import { hSwish, makeDivisible, OFA_SMALLEST, OfaSupernet, ofaPlan } from '../../src-main/core/supernet/ofa-supernet';
import { SupernetTrainer } from '../../src-main/core/supernet/supernet-trainer';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { useBackend } from '../helpers/tf-backend';

const fill = <T,>(n: number, v: T): T[] => new Array<T>(n).fill(v);
const config = (k: number, e: number, d: number): OfaConfig => ({ ks: fill(20, k), e: fill(20, e), d: fill(5, d) });
const LARGEST = config(7, 6, 4);

/** A small MNIST-shaped supernet: w0.25, OFA's five stride-2 steps (28 → 1). */
const small = (seed = 1, downsamples = 5) => new OfaSupernet({ inChannels: 1, classes: 10, widthMult: 0.25, downsamples }, new Rng(seed));

function setValues(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape);
  v.assign(t);
  t.dispose();
}

/** Overwrites every variable of `net` whose name starts with `prefix` with U(−1, 1) values (identity matrices included). */
function randomise(net: OfaSupernet, prefix: string, seed: number): void {
  const rng = new Rng(seed);
  for (const name of net.params.names()) if (name.startsWith(prefix)) {
    const v = net.params.byName(name);
    setValues(v, rng.fillUniform(new Float32Array(v.size), -1, 1));
  }
}

/**
 * The shared finite-difference check (test/helpers/finite-differences.ts) at OFA's tolerances:
 * float32 forward noise over BN and ~100 channels is ±0.01 in a difference at h = 1e-3 (measured),
 * so h = 2e-3; each variable is checked at its first entries (inside every slice) and spread over it.
 */
function checkOfaGradients(out: (x: tf.Tensor4D) => tf.Tensor, xv: Float32Array, shape: [number, number, number, number], vars: tf.Variable[], label: string): void {
  const y0 = tf.tidy(() => out(tf.tensor4d(xv, shape)).shape);
  const r = new Rng(99).fillUniform(new Float32Array(y0.reduce((a, b) => a * b, 1)), -1, 1);
  checkGradients(out, xv, shape, vars, label, {
    r, h: 2e-3, tol: (fd) => 6e-3 + 2e-2 * Math.abs(fd), xStride: 7,
    varIndices: (n) => new Set([0, 1, 2, ...Array.from({ length: 6 }, (_, j) => Math.floor((j * n) / 6))]),
  });
}

describe('OFA MobileNetV3 supernet', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmConvGradients();
  });
  afterAll(() => tf.disposeVariables());

  it("widths follow OFA's make_divisible for w1.0, w1.2 and a small w0.25", () => {
    const widths = (w: number) => [16, 16, 24, 40, 80, 112, 160, 960, 1280].map((b) => makeDivisible(b * w));
    expect(widths(1)).toEqual([16, 16, 24, 40, 80, 112, 160, 960, 1280]);
    // Python: [make_divisible(b * 1.2, 8) for b in base_stage_width]
    expect(widths(1.2)).toEqual([24, 24, 32, 48, 96, 136, 192, 1152, 1536]);
    expect(widths(0.25)).toEqual([8, 8, 8, 16, 24, 32, 40, 240, 320]);
    const p = ofaPlan({ widthMult: 1, downsamples: 5 });
    expect(p.stemStride).toBe(2);
    expect(p.blocks.map((b) => b.stride)).toEqual([2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1]);
    expect(p.blocks.filter((b) => b.se).map((b) => b.unit)).toEqual([1, 1, 1, 1, 3, 3, 3, 3, 4, 4, 4, 4]);
    expect(p.blocks.map((b) => b.act)).toEqual([...fill(8, 'relu'), ...fill(12, 'h_swish')]);
    // Residual blocks: every non-first block of a unit (stride 1, widths agree).
    expect(p.blocks.map((b) => b.residual)).toEqual(Array.from({ length: 20 }, (_, i) => i % 4 !== 0));
    expect(p.blocks[0].midMax).toBe(96); // 16 · 6
    expect(p.blocks[12].seMax).toBe(makeDivisible(Math.floor(p.blocks[12].midMax / 4)));
    // Fewer stride-2 steps drop the earliest: 3 keeps units 2, 3, 5.
    const s3 = ofaPlan({ widthMult: 1, downsamples: 3 });
    expect([s3.stemStride, ...s3.blocks.filter((_, i) => i % 4 === 0).map((b) => b.stride)]).toEqual([1, 1, 2, 2, 1, 2]);
    expect(() => ofaPlan({ widthMult: 1, downsamples: 6 })).toThrow(/1\.\.5 stride-2/);
  });

  it('keeps the ImageNet network: w1.0 and w1.2 at N = 5 build, give 1000 logits, and the largest subnet uses every weight', () => {
    for (const C of [100, 120]) {
      const net = new OfaSupernet({ inChannels: 3, classes: 1000, widthMult: C / 100, downsamples: 5 }, new Rng(1));
      const weights = net.params.variables().filter((v) => !/\dto\d$/.test(net.params.localName(v))).reduce((s, v) => s + v.size, 0);
      expect(net.cost(LARGEST, 224).params).toBe(weights);
      expect(net.params.byName('first_conv.w').shape).toEqual([3, 3, 3, C === 100 ? 16 : 24]);
      expect(net.params.byName('feature_mix.w').shape).toEqual(C === 100 ? [960, 1280] : [1152, 1536]);
      // 224 → 7 before the final expand: five stride-2 steps (here on a 32×32 input: 32 → 1).
      const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
      expect(tf.tidy(() => net.forward(x, OFA_SMALLEST).shape)).toEqual([1, 1000]);
      x.dispose();
      net.dispose();
    }
  });

  it('an inference forward frees each block\'s intermediates as it goes (a batch of 64 at 224×224 fits the WASM heap)', async () => {
    // Before: one scope for the whole forward held every expanded-width intermediate at once, so
    // w1.0's largest subnet on 64 images of 224×224 aborted WASM (4 GiB heap). Measured here as
    // the peak against everything the forward allocates, on a small input.
    const net = new OfaSupernet({ inChannels: 3, classes: 1000, widthMult: 1.0, downsamples: 5 }, new Rng(1));
    const x = tf.randomNormal([4, 64, 64, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => { tf.tidy(() => void net.forward(x, LARGEST)); });
    const allocated = info.kernels.reduce((s, k) => s + k.bytesAdded, 0);
    expect(tf.memory().numTensors).toBe(before);
    expect(allocated).toBeGreaterThan(0);
    expect(info.peakBytes - tf.memory().numBytes, `peak ${info.peakBytes} B of ${allocated} B allocated`).toBeLessThan(0.35 * allocated);
    x.dispose();
    net.dispose();
  });

  it('h-swish is x·ReLU6(x + 3)/6', () => {
    const x = [-4, -3, -1.5, 0, 1, 3, 5];
    const y = tf.tidy(() => Array.from(hSwish(tf.tensor1d(x)).dataSync()));
    x.forEach((v, i) => expect(y[i]).toBeCloseTo((v * Math.min(6, Math.max(0, v + 3))) / 6, 6));
  });

  it('the kernel transform takes 5×5 and 3×3 from the 7×7 centre through the learned matrices (hand-computed)', () => {
    const net = small(3);
    randomise(net, 'blocks.1.dw', 5);
    const b = net.plan.blocks[0];
    const mid = 24;
    const w7 = net.params.byName('blocks.1.dw.w').dataSync();
    const m75 = net.params.byName('blocks.1.dw.7to5').dataSync();
    const m53 = net.params.byName('blocks.1.dw.5to3').dataSync();
    const C = b.midMax;
    // PyTorch: v = weight[c, 0, 1:6, 1:6].flatten(); v5 = v @ M75ᵀ; then the same on v5's centre with M53.
    const ref5 = (c: number) => {
      const v: number[] = [];
      for (let a = 1; a < 6; a++) for (let q = 1; q < 6; q++) v.push(w7[(a * 7 + q) * C + c]);
      return Array.from({ length: 25 }, (_, j) => v.reduce((s, vi, i) => s + vi * m75[j * 25 + i], 0));
    };
    const ref3 = (c: number) => {
      const v5 = ref5(c);
      const v: number[] = [];
      for (let a = 1; a < 4; a++) for (let q = 1; q < 4; q++) v.push(v5[a * 5 + q]);
      return Array.from({ length: 9 }, (_, j) => v.reduce((s, vi, i) => s + vi * m53[j * 9 + i], 0));
    };
    const f7 = tf.tidy(() => net.activeDepthwiseFilter(b, mid, 7).dataSync());
    const f5 = tf.tidy(() => net.activeDepthwiseFilter(b, mid, 5).dataSync());
    const f3 = tf.tidy(() => net.activeDepthwiseFilter(b, mid, 3).dataSync());
    expect(f7.length).toBe(49 * mid);
    expect(f5.length).toBe(25 * mid);
    expect(f3.length).toBe(9 * mid);
    for (const c of [0, 7, mid - 1]) {
      for (let p = 0; p < 49; p++) expect(f7[p * mid + c]).toBe(w7[p * C + c]); // first `mid` channels, untouched
      const r5 = ref5(c), r3 = ref3(c);
      for (let p = 0; p < 25; p++) expect(f5[p * mid + c]).toBeCloseTo(r5[p], 4);
      for (let p = 0; p < 9; p++) expect(f3[p * mid + c]).toBeCloseTo(r3[p], 4);
    }
    net.dispose();
  });

  it('expand ratios slice the first channels of the expand conv, depthwise conv, SE and BN; depth runs the first d blocks', () => {
    const net = small(4);
    const x = tf.tensor4d(new Rng(8).fillUniform(new Float32Array(2 * 16 * 16), -1, 1), [2, 16, 16, 1]);
    const b = net.plan.blocks[4]; // unit 2, block 1: SE, 8 → 16 channels
    const hx = tf.tensor4d(new Rng(9).fillUniform(new Float32Array(2 * 6 * 6 * b.cin), -1, 1), [2, 6, 6, b.cin]);
    randomise(net, `blocks.${b.index}.`, 10);
    const out = () => tf.tidy(() => net.block(b, hx, 5, 3).dataSync().slice());
    const base = out();
    expect(base.length).toBe(2 * 3 * 3 * b.cout); // stride 2 → 3×3
    const mid = makeDivisible(b.cin * 3); // 24 of 48
    expect(mid).toBe(24);
    // Changing a channel past `mid` of every elastic weight changes nothing; one before it does.
    const poke = (name: string, index: (shape: number[]) => number, delta = 1) => {
      const v = net.params.byName(`blocks.${b.index}.${name}`);
      const old = (v.dataSync() as Float32Array).slice();
      const p = old.slice();
      p[index(v.shape)] += delta;
      setValues(v, p);
      const y = out();
      setValues(v, old);
      return Math.max(...Array.from(y, (yi, i) => Math.abs(yi - base[i])));
    };
    const C = b.midMax, S = b.seMax;
    const cases: [string, (c: number) => (s: number[]) => number][] = [
      ['expand.w', (c) => () => c], // [1, 1, cin, midMax]: input 0, output c
      ['expand.bn.gamma', (c) => () => c],
      ['dw.w', (c) => () => (3 * 7 + 3) * C + c], // centre tap of channel c
      ['dw.bn.beta', (c) => () => c],
      ['se.reduce.w', (c) => () => c * S], // row c = input channel c
      ['se.expand.b', (c) => () => c],
      ['project.w', (c) => () => c * b.cout], // [1, 1, midMax, cout]: input c
    ];
    for (const [name, at] of cases) {
      expect(poke(name, at(mid)), `${name}: channel ${mid} (unused at e = 3)`).toBe(0);
      expect(poke(name, at(mid - 1)), `${name}: channel ${mid - 1}`).toBeGreaterThan(1e-6);
    }
    // The SE's middle width is make_divisible(24 // 4, 8) = 8 of 16: its unit 8 is unused (a
    // large bias makes the unit's ReLU pass whatever its input).
    expect(poke('se.reduce.b', () => 8, 10)).toBe(0);
    expect(poke('se.reduce.b', () => 7, 10)).toBeGreaterThan(1e-6);
    // Depth: unit 3 at depth 2 never reads blocks 11, 12; at depth 4 it does.
    const cfg = (d3: number) => ({ ...config(3, 4, 3), d: [3, 3, d3, 3, 3] });
    const names = (c: OfaConfig) => net.pathParams(c).map((v) => net.params.localName(v));
    expect(names(cfg(2)).some((n) => n.startsWith('blocks.11.') || n.startsWith('blocks.12.'))).toBe(false);
    expect(names(cfg(4)).some((n) => n.startsWith('blocks.12.'))).toBe(true);
    const logits = (c: OfaConfig) => tf.tidy(() => net.forward(x, c).dataSync().slice());
    const before = logits(cfg(2));
    randomise(net, 'blocks.12.', 11);
    expect(logits(cfg(2))).toEqual(before);
    // Kernel 3 everywhere reads both transform matrices of each active block; kernel 7 reads none.
    expect(names(config(3, 3, 2)).filter((n) => n.endsWith('to5') || n.endsWith('to3')).length).toBe(2 * 10);
    expect(names(config(7, 3, 2)).filter((n) => n.endsWith('to5') || n.endsWith('to3')).length).toBe(0);
    hx.dispose();
    x.dispose();
    net.dispose();
  });

  it('gradients through h-swish, SE, the kernel transform and channel slicing match finite differences (WASM)', () => {
    const net = small(5);
    const b = net.plan.blocks[12]; // unit 4, block 1: SE, h-swish, stride 1, 24 → 32
    randomise(net, `blocks.${b.index}.`, 12);
    const vars = net.params.names().filter((n) => n.startsWith(`blocks.${b.index}.`)).map((n) => net.params.byName(n));
    expect(vars.map((v) => net.params.localName(v))).toContain(`blocks.${b.index}.dw.5to3`);
    const shape: [number, number, number, number] = [2, 4, 4, b.cin];
    const xv = new Rng(13).fillUniform(new Float32Array(shape.reduce((a, c) => a * c, 1)), -2, 2);
    checkOfaGradients((x) => net.block(b, x, 3, 4), xv, shape, vars, 'block 13 (k3, e4)');
    // A strided block (the depthwise conv read at every other pixel) with ReLU and SE.
    const s = net.plan.blocks[4];
    randomise(net, `blocks.${s.index}.`, 14);
    const svars = net.params.names().filter((n) => n.startsWith(`blocks.${s.index}.`) && !n.includes('to3')).map((n) => net.params.byName(n));
    const sshape: [number, number, number, number] = [2, 5, 5, s.cin];
    checkOfaGradients((x) => net.block(s, x, 5, 3), new Rng(15).fillUniform(new Float32Array(2 * 5 * 5 * s.cin), -1, 1), sshape, svars, 'block 5 (k5, e3, stride 2)');
    net.dispose();
  });

  it('MACs and parameters of a small subnet equal the layer formulas (hand-checked), and params of the largest equal its weights', () => {
    const net = small(6);
    // 32×32, 1 channel, w0.25: widths 8, 8 | 8, 16, 24, 32, 40 | 240, 320; strides /2 at the first conv and units 1, 2, 3, 5.
    const c: OfaConfig = { ...config(3, 3, 2), ks: [5, ...fill(19, 3)], e: [6, ...fill(19, 3)] };
    const conv = (cin: number, cout: number, k: number, hw: number) => cin * cout * k * k * hw * hw; // MACs, groups = 1
    const dw = (ch: number, k: number, hw: number) => ch * k * k * hw * hw;
    const macs =
      conv(1, 8, 3, 16) + // first conv 32 → 16
      dw(8, 3, 16) + conv(8, 8, 1, 16) + // first block (e = 1)
      // unit 1 (stride 2: 16 → 8): block 1 at k5, e6 (mid 48), block 2 at k3, e3 (mid 24)
      conv(8, 48, 1, 16) + dw(48, 5, 8) + conv(48, 8, 1, 8) +
      conv(8, 24, 1, 8) + dw(24, 3, 8) + conv(24, 8, 1, 8) +
      // unit 2 (8 → 4, SE): mid 24 (SE 8), then 16 · 3 = 48 (SE 16)
      conv(8, 24, 1, 8) + dw(24, 3, 4) + 2 * 24 * 8 + conv(24, 16, 1, 4) +
      conv(16, 48, 1, 4) + dw(48, 3, 4) + 2 * 48 * 16 + conv(48, 16, 1, 4) +
      // unit 3 (4 → 2): mid 48, then 24 · 3 = 72
      conv(16, 48, 1, 4) + dw(48, 3, 2) + conv(48, 24, 1, 2) +
      conv(24, 72, 1, 2) + dw(72, 3, 2) + conv(72, 24, 1, 2) +
      // unit 4 (stride 1, SE): mid 72 (SE 24 → make_divisible(18) = 24), then 32 · 3 = 96 (SE 24)
      conv(24, 72, 1, 2) + dw(72, 3, 2) + 2 * 72 * 24 + conv(72, 32, 1, 2) +
      conv(32, 96, 1, 2) + dw(96, 3, 2) + 2 * 96 * 24 + conv(96, 32, 1, 2) +
      // unit 5 (2 → 1, SE): mid 96 (SE 24), then 40 · 3 = 120 (SE make_divisible(30) = 32)
      conv(32, 96, 1, 2) + dw(96, 3, 1) + 2 * 96 * 24 + conv(96, 40, 1, 1) +
      conv(40, 120, 1, 1) + dw(120, 3, 1) + 2 * 120 * 32 + conv(120, 40, 1, 1) +
      conv(40, 240, 1, 1) + 240 * 320 + 320 * 10; // final expand, feature mix, classifier
    expect(net.cost(c, 32).macs).toBe(macs);
    const bn = (ch: number) => 2 * ch;
    const mb = (cin: number, mid: number, k: number, cout: number, se = 0) => cin * mid + bn(mid) + k * k * mid + bn(mid) + (se ? mid * se + se + se * mid + mid : 0) + mid * cout + bn(cout);
    const params =
      9 * 8 + bn(8) + 9 * 8 + bn(8) + 8 * 8 + bn(8) +
      mb(8, 48, 5, 8) + mb(8, 24, 3, 8) + mb(8, 24, 3, 16, 8) + mb(16, 48, 3, 16, 16) + mb(16, 48, 3, 24) + mb(24, 72, 3, 24) +
      mb(24, 72, 3, 32, 24) + mb(32, 96, 3, 32, 24) + mb(32, 96, 3, 40, 24) + mb(40, 120, 3, 40, 32) +
      40 * 240 + bn(240) + 240 * 320 + 320 * 10 + 10;
    expect(net.cost(c, 32).params).toBe(params);
    // The largest subnet uses every weight whole; only the transform matrices fold away.
    const weights = net.params.variables().filter((v) => !/\dto\d$/.test(net.params.localName(v))).reduce((s, v) => s + v.size, 0);
    expect(net.cost(LARGEST, 32).params).toBe(weights);
    // Cost grows with kernel, expand and depth: the smallest config is the cheapest of many samples.
    const rng = new Rng(7);
    const min = net.cost(OFA_SMALLEST, 28).macs;
    for (let i = 0; i < 200; i++) expect(net.cost(ofaSpace.sample(rng), 28).macs).toBeGreaterThanOrEqual(min);
    expect(supernetCostModel('ofa', { inChannels: 1, classes: 10 }, 25, 5)!.minimum(28, 28).macs).toBe(min);
    expect(supernetCostModel('nb201', { inChannels: 1, classes: 10 }, 8, 1)).toBeNull();
    net.dispose();
  });

  it('forward gives logits for 28×28 and 32×32 inputs, is deterministic per seed, and trains on tiny data', () => {
    const a = small(7, 3), b2 = small(7, 3);
    const x28 = tf.randomUniform([2, 28, 28, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    const c = ofaSpace.sample(new Rng(4));
    const ya = tf.tidy(() => a.forward(x28, c).dataSync().slice());
    expect(ya.length).toBe(20);
    expect(ya.every(Number.isFinite)).toBe(true);
    expect(tf.tidy(() => b2.forward(x28, c).dataSync().slice())).toEqual(ya);
    const x32 = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    expect(tf.tidy(() => a.forward(x32, LARGEST).shape)).toEqual([1, 10]);
    expect(() => tf.tidy(() => a.forward(x32, { ...c, ks: [4, ...c.ks.slice(1)] }))).toThrow(/ks\[0\] = 4/);
    // Two classes (a bright square top-left or bottom-right): 160 training and 96 validation images, 16×16.
    const n = 256, hw = 16;
    const images = new Uint8Array(n * hw * hw), labels = new Uint16Array(n);
    const rng = new Rng(5);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      const o = labels[i] ? 8 : 0;
      for (let y = 0; y < hw; y++) for (let xx = 0; xx < hw; xx++) images[i * hw * hw + y * hw + xx] = (y >= o && y < o + 8 && xx >= o && xx < o + 8 ? 200 : 20) + rng.int(40);
    }
    const data = (lo: number, hi: number): ImageData => ({ images: images.subarray(lo * hw * hw, hi * hw * hw), labels: labels.subarray(lo, hi), n: hi - lo, height: hw, width: hw, channels: 1, classes: 2 });
    const net = new OfaSupernet({ inChannels: 1, classes: 2, widthMult: 0.25, downsamples: 5 }, new Rng(8));
    const trainer = new SupernetTrainer(net, ofaSpace, data(0, 160), data(160, 256), { epochs: 2, batchSize: 16, lrMax: 0.1, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 0, evalPaths: 2, evalBatches: 2, evalBatchSize: 32 }, new Rng(9));
    const r1 = trainer.trainEpoch();
    const r2 = trainer.trainEpoch();
    expect(Number.isFinite(r1.loss) && Number.isFinite(r2.loss)).toBe(true);
    expect(r2.loss).toBeLessThan(r1.loss);
    expect(r1.loss).toBeLessThan(Math.log(2) + 0.2);
    expect(trainer.accEnv).toBeGreaterThan(80);
    trainer.dispose();
    for (const t of [x28, x32]) t.dispose();
    for (const m of [a, b2, net]) m.dispose();
  });
});
