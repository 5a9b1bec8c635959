import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { DARTS_V2, PC_DARTS, parseGenotype } from '../../src-main/common/spaces/darts';
import { parseNb201 } from '../../src-main/common/spaces/nb201';
import { countNetwork, layersCsv } from '../../src-main/core/network/counts';
import { buildDartsNetwork } from '../../src-main/core/network/darts-network';
import { forwardNetwork, NetworkTrainer, NetworkWeights, type ForwardOptions } from '../../src-main/core/network/executor';
import { buildNb201Network } from '../../src-main/core/network/nb201-network';
import { NetworkSpecError, type NetworkDescription } from '../../src-main/core/network/network';
import { DartsSupernet } from '../../src-main/core/supernet/darts-supernet';
import { useBackend } from '../helpers/tf-backend';

const ALL_CONV = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
const ALL_NONE = parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
const MIXED_NB201 = parseNb201('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
/** Every DARTS operation at least once, pools and stride-2 skip (FactorizedReduce) in the reduction cell. */
const EVERY_OP = parseGenotype(
  "Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_5x5', 1), ('skip_connect', 0), ('max_pool_3x3', 2), ('avg_pool_3x3', 1), ('sep_conv_5x5', 3), ('dil_conv_3x3', 4), ('skip_connect', 1)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 2), ('dil_conv_3x3', 1), ('skip_connect', 3), ('sep_conv_5x5', 0), ('dil_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])",
);
/** No pools: DARTS's search network follows a pool with BN(affine=False), the evaluation network does not. */
const NO_POOLS = parseGenotype(
  "Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_5x5', 1), ('skip_connect', 0), ('sep_conv_5x5', 2), ('dil_conv_3x3', 1), ('skip_connect', 3), ('sep_conv_3x3', 0), ('dil_conv_3x3', 4)], normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_3x3', 0), ('sep_conv_5x5', 2), ('skip_connect', 2), ('dil_conv_5x5', 1), ('sep_conv_3x3', 4), ('skip_connect', 1)], reduce_concat=[2, 3, 4, 5])",
);

const within = (got: number, want: number, rel: number) => expect(Math.abs(got - want) / want, `${got} vs ${want}`).toBeLessThan(rel);

describe('network counts (full-size descriptions, no weights)', () => {
  it('DARTS_V2 at C=36, 20 cells, 10 classes, 32×32: 3.349342 M params (aux excluded), ≈ 528 M MACs', () => {
    const c = countNetwork(buildDartsNetwork(DARTS_V2, { input: [32, 32, 3], classes: 10, C: 36, layers: 20, auxiliary: true }));
    within(c.params, 3349342, 0.005);
    within(c.macs, 528e6, 0.01);
    expect(c.auxParams).toBeGreaterThan(0); // built, but not counted
  });

  it('PC-DARTS: 3.63 M params, ≈ 557 M MACs', () => {
    const c = countNetwork(buildDartsNetwork(PC_DARTS, { input: [32, 32, 3], classes: 10, C: 36, layers: 20, auxiliary: true }));
    within(c.params, 3.63e6, 0.005);
    within(c.macs, 557e6, 0.01);
  });

  it('NAS-Bench-201 C=16 N=5: all nor_conv_3x3 1.5313 M params, 220.11 M FLOPs (MACs); all none ≈ 0.073 M', () => {
    const conv = countNetwork(buildNb201Network(ALL_CONV, { input: [32, 32, 3], classes: 10, C: 16, N: 5 }));
    within(conv.params, 1.5313e6, 0.005);
    within(conv.macs, 220.11e6, 0.01);
    const none = countNetwork(buildNb201Network(ALL_NONE, { input: [32, 32, 3], classes: 10, C: 16, N: 5 }));
    within(none.params, 0.073e6, 0.01);
  });

  it('the per-layer table adds up to the totals and the description is plain JSON', () => {
    const d = buildNb201Network(MIXED_NB201, { input: [32, 32, 3], classes: 10, C: 16, N: 5 });
    const c = countNetwork(d);
    expect(c.layers.reduce((a, r) => a + r.params, 0)).toBe(c.params);
    expect(c.layers.reduce((a, r) => a + r.macs, 0)).toBe(c.macs);
    const csv = layersCsv(c).trim().split('\n');
    expect(csv[0]).toBe('layer,op,output_shape,params,macs,aux');
    expect(csv.at(-1)).toBe(`total,,,${c.params},${c.macs},0`);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('bad settings are refused with the setting named', () => {
    const spec = { input: [32, 32, 3] as [number, number, number], classes: 10, C: 36, layers: 20 };
    expect(() => buildDartsNetwork(DARTS_V2, { ...spec, C: 35 })).toThrow(/C = 35 is odd/);
    expect(() => buildDartsNetwork(DARTS_V2, { ...spec, layers: 0 })).toThrow(NetworkSpecError);
    expect(() => buildDartsNetwork(DARTS_V2, { ...spec, input: [30, 30, 3] })).toThrow(/must divide by 4/);
    expect(() => buildDartsNetwork({ ...DARTS_V2, normal: [['conv_7x7' as never, 0], ...DARTS_V2.normal.slice(1)] }, spec)).toThrow(/unknown operation "conv_7x7"/);
    expect(() => buildNb201Network(ALL_CONV, { input: [32, 32, 3], classes: 10, C: 0, N: 5 })).toThrow(/C \(channels\)/);
    expect(() => buildNb201Network([1, 2, 3], { input: [32, 32, 3], classes: 10, C: 16, N: 5 })).toThrow(/6 edges/);
  });
});

describe('network executor (TF.js cpu)', () => {
  beforeAll(() => useBackend('cpu'));

  const tinyDarts = (g = EVERY_OP, aux = false): NetworkDescription => buildDartsNetwork(g, { input: aux ? [32, 32, 1] : [8, 8, 1], classes: 3, C: 4, layers: 3, auxiliary: aux });
  const batchOf = (d: NetworkDescription, n: number, seed: number) => tf.tensor4d(new Rng(seed).fillUniform(new Float32Array(n * d.input[0] * d.input[1] * d.input[2]), -1, 1), [n, ...d.input]);

  it('equals the DARTS supernet path for the same weights (batch statistics, no pools)', () => {
    const sn = new DartsSupernet({ inChannels: 1, classes: 3, C: 4, layers: 3 }, new Rng(1));
    const d = tinyDarts(NO_POOLS);
    const names = new Set(sn.params.names());
    const w = new NetworkWeights(d, new Rng(2));
    let copied = 0;
    for (const [name, v] of w.vars) {
      if (names.has(name)) {
        v.assign(sn.params.byName(name));
        copied++;
      }
    }
    // Every conv/dense weight of the evaluation network exists in the supernet under the same name.
    // (plus the stem's affine BN; the supernet's operation BNs are affine=False, γ = 1, β = 0 as initialised here).
    expect(copied).toBe(d.tensors.filter((t) => t.name.endsWith('.w') || t.name.endsWith('.b')).length + 2);
    const x = batchOf(d, 3, 5);
    const a = tf.tidy(() => forwardNetwork(w, x, { mode: 'train', updateStats: false }).logits.arraySync());
    const b = tf.tidy(() => sn.forward(x, NO_POOLS).arraySync());
    expect(Math.max(...a.flat().map((v, i) => Math.abs(v - b.flat()[i])))).toBeLessThan(1e-4);
    x.dispose();
    w.dispose();
    sn.dispose();
  });

  it.each([
    ['nb201', () => buildNb201Network(MIXED_NB201, { input: [8, 8, 1], classes: 3, C: 2, N: 1 })],
    ['darts', () => tinyDarts()],
  ] as const)('%s: inference-mode gradients match finite differences; training mode matches TF.js autodiff of batch norm', (_name, make) => {
    const d = make();
    const w = new NetworkWeights(d, new Rng(3));
    const x = batchOf(d, 2, 7);
    const r = tf.tensor2d(new Rng(8).fillUniform(new Float32Array(2 * 3), -1, 1), [2, 3]);
    // Running statistics away from 0/1, so they matter.
    for (const t of d.tensors) if (!t.trainable) w.get(t.name).assign(tf.tensor(new Rng(t.name.length).fillUniform(new Float32Array(t.shape[0]), 0.5, 1.5), t.shape));
    const vars = w.trainable(false);
    const loss = (o: Partial<ForwardOptions>) => () => tf.sum(tf.mul(forwardNetwork(w, x, { mode: 'infer', updateStats: false, ...o }).logits, r)) as tf.Scalar;
    const f = loss({ mode: 'infer' });
    const { grads } = tf.variableGrads(f, vars);
    const h = 1e-2;
    let checked = 0;
    // A sample of tensors (every 5th): the directional derivative along a random direction.
    for (let i = 0; i < vars.length; i += 5) {
      const v = vars[i];
      const base = v.dataSync().slice();
      const dir = new Rng(i).fillUniform(new Float32Array(base.length), -1, 1);
      const analytic = Array.from(grads[v.name].dataSync()).reduce((a, gi, j) => a + gi * dir[j], 0);
      const at = (s: number) => {
        v.assign(tf.tensor(base.map((b0, j) => b0 + s * dir[j]), v.shape));
        return tf.tidy(() => f().dataSync()[0]);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      expect(Math.abs(fd - analytic), `${w.localName(v)}: fd ${fd} vs ${analytic}`).toBeLessThan(3e-3 + 3e-2 * Math.abs(fd));
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
    // Training mode differs only in batch norm (batch statistics): its closed-form gradient
    // (fast-ops.ts) against TF.js's own gradient of tf.moments → tf.batchNorm, every tensor.
    const fast = tf.variableGrads(loss({ mode: 'train' }), vars).grads;
    const ref = tf.variableGrads(loss({ mode: 'train', referenceBatchNorm: true }), vars).grads;
    for (const v of vars) {
      const a = fast[v.name].dataSync(), b = ref[v.name].dataSync();
      const scale = Math.max(1e-3, ...Array.from(b, Math.abs));
      const diff = Math.max(...Array.from(a, (ai, j) => Math.abs(ai - b[j])));
      expect(diff / scale, w.localName(v)).toBeLessThan(1e-3);
    }
    for (const gs of [grads, fast, ref]) Object.values(gs).forEach((t) => t.dispose());
    x.dispose();
    r.dispose();
    w.dispose();
  });

  it('inference uses the running statistics (kept in training): one image’s logits do not depend on its batch', () => {
    const d = buildNb201Network(MIXED_NB201, { input: [8, 8, 1], classes: 3, C: 2, N: 1 });
    const w = new NetworkWeights(d, new Rng(4));
    const x = batchOf(d, 4, 9);
    tf.tidy(() => forwardNetwork(w, x, { mode: 'train' }));
    // PyTorch's momentum 0.1: running mean = 0.9·0 + 0.1·batch mean of the stem conv's output.
    const stemMean = tf.tidy(() => tf.mean(forwardNetwork(w, x, { mode: 'infer' }).logits).dataSync()[0]);
    expect(Number.isFinite(stemMean)).toBe(true);
    const conv = tf.tidy(() => tf.mean(tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), w.get('stem.conv.w') as never, 1, 'valid'), [0, 1, 2]).dataSync());
    const run = w.get('stem.bn.mean').dataSync();
    for (let c = 0; c < conv.length; c++) expect(run[c]).toBeCloseTo(0.1 * conv[c], 5);
    const one = tf.tidy(() => forwardNetwork(w, tf.slice(x, [0, 0, 0, 0], [1, 8, 8, 1]), { mode: 'infer' }).logits.dataSync());
    const all = tf.tidy(() => forwardNetwork(w, x, { mode: 'infer' }).logits.dataSync());
    for (let k = 0; k < 3; k++) expect(one[k]).toBeCloseTo(all[k], 5);
    x.dispose();
    w.dispose();
  });

  it('SGD steps lower the loss without leaking tensors', () => {
    const d = tinyDarts();
    const w = new NetworkWeights(d, new Rng(5));
    const trainer = new NetworkTrainer(w, 0.05, 0.9, 3e-4);
    const x = batchOf(d, 6, 10);
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const rng = new Rng(6);
    const before = tf.memory().numTensors;
    const first = trainer.step(x, labels, { dropPath: 0.2, rng }).loss;
    const afterFirst = tf.memory().numTensors; // momentum buffers are created by the first step
    expect(afterFirst - before).toBe(w.trainable(false).length);
    let last = first;
    for (let i = 0; i < 4; i++) last = trainer.step(x, labels, { dropPath: 0, rng }).loss;
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(last).toBeLessThan(first);
    trainer.dispose();
    x.dispose();
    w.dispose();
  });

  it('the auxiliary head (CIFAR-size map) trains with its loss weight and is left out of inference', () => {
    const d = buildDartsNetwork(EVERY_OP, { input: [32, 32, 1], classes: 3, C: 2, layers: 2, auxiliary: true });
    expect(d.auxOutput).toBeDefined();
    const w = new NetworkWeights(d, new Rng(5));
    const trainer = new NetworkTrainer(w, 0.05, 0.9, 0);
    const x = batchOf(d, 2, 11);
    const auxW = w.get('aux.fc.w').dataSync().slice();
    trainer.step(x, Int32Array.from([0, 1]), { auxWeight: 0.4 });
    expect(w.get('aux.fc.w').dataSync().some((v, i) => v !== auxW[i])).toBe(true);
    const out = tf.tidy(() => {
      const r = forwardNetwork(w, x, { mode: 'infer' });
      return { shape: r.logits.shape, aux: r.aux };
    });
    expect(out).toEqual({ shape: [2, 3], aux: undefined });
    trainer.dispose();
    x.dispose();
    w.dispose();
  });
});
