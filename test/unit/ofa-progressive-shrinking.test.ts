import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { OFA_DEPTHS, OFA_EXPANDS, OFA_KERNELS, ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import { SUPERNET_IDS, supernetSpec } from '../../src-main/common/supernets';
import { registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { OFA_PROGRESSIVE_SHRINKING, ofaProgressiveShrinking, progressiveShrinkingPhase, progressiveShrinkingStarts, sampleOfaPhase, type ProgressiveShrinkingPhase } from '../../src-main/core/supernet/ofa-progressive-shrinking';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { supernetBuilder } from '../../src-main/core/supernet/registry';
import { SupernetTrainer } from '../../src-main/core/supernet/supernet-trainer';
import { supernetRunConfig, UsageError } from '../../src-main/node/run-config';
import { useBackend } from '../helpers/tf-backend';

beforeAll(async () => {
  await useBackend('wasm');
  registerWasmConvGradients();
});

/** Whether `c` uses only the phase's choices (every layer's kernel and expand ratio, every unit's depth). */
const within = (c: OfaConfig, p: ProgressiveShrinkingPhase) => c.ks.every((k) => p.kernels.includes(k)) && c.e.every((e) => p.expands.includes(e)) && c.d.every((d) => p.depths.includes(d));

describe("OFA's progressive shrinking (train_ofa_net.py's phases)", () => {
  it('has OFA\'s phase order and choice sets, each phase\'s sets containing the last\'s, ending at the whole space', () => {
    expect(OFA_PROGRESSIVE_SHRINKING.map((p) => `${p.name} K${p.kernels.join('')} E${p.expands.join('')} D${p.depths.join('')} ${p.weight}`)).toEqual([
      'largest K7 E6 D4 180', 'kernel K357 E6 D4 120', 'depth-1 K357 E6 D34 25', 'depth-2 K357 E6 D234 120', 'expand-1 K357 E46 D234 25', 'expand-2 K357 E346 D234 120',
    ]);
    for (let i = 1; i < OFA_PROGRESSIVE_SHRINKING.length; i++) {
      const [a, b] = [OFA_PROGRESSIVE_SHRINKING[i - 1], OFA_PROGRESSIVE_SHRINKING[i]];
      for (const k of ['kernels', 'expands', 'depths'] as const) expect(a[k].every((v) => b[k].includes(v)), `${b.name}.${k}`).toBe(true);
    }
    const last = OFA_PROGRESSIVE_SHRINKING.at(-1)!;
    expect([[...last.kernels].sort(), [...last.expands].sort(), [...last.depths].sort()]).toEqual([[...OFA_KERNELS], [...OFA_EXPANDS], [...OFA_DEPTHS]]);
  });

  it('splits a training\'s steps in OFA\'s proportions: 590 steps are OFA\'s epochs; phases follow in order; a phase too short for a step is skipped', () => {
    expect(progressiveShrinkingStarts(590)).toEqual([0, 180, 300, 325, 445, 470, 590]);
    expect(progressiveShrinkingStarts(24)).toEqual([0, 7, 12, 13, 18, 19, 24]);
    const names = (total: number) => Array.from({ length: total }, (_, s) => progressiveShrinkingPhase(s, total).name);
    const order = OFA_PROGRESSIVE_SHRINKING.map((p) => p.name);
    for (const total of [2, 5, 24, 62, 590]) {
      const seen = names(total);
      expect(seen[0]).toBe('largest');
      expect(seen.map((n) => order.indexOf(n)).every((v, i, a) => i === 0 || v >= a[i - 1]), `${total} steps`).toBe(true);
    }
    expect(new Set(names(5))).toEqual(new Set(['largest', 'kernel', 'depth-2', 'expand-2']));
    expect(() => progressiveShrinkingPhase(24, 24)).toThrow(/outside the training's 24 steps/);
  });

  it('each phase samples only its choices, and every one of them (uniformly: each within 15 % of its share over 400 subnets); the largest draws nothing', () => {
    for (const p of OFA_PROGRESSIVE_SHRINKING) {
      const rng = new Rng(7);
      const before = rng.getState();
      const counts = { ks: new Map<number, number>(), e: new Map<number, number>(), d: new Map<number, number>() };
      for (let i = 0; i < 400; i++) {
        const c = sampleOfaPhase(p, rng);
        ofaSpace.key(c); // a valid config of the space
        expect(within(c, p), `${p.name}: ${JSON.stringify(c)}`).toBe(true);
        for (const k of ['ks', 'e', 'd'] as const) for (const v of c[k]) counts[k].set(v, (counts[k].get(v) ?? 0) + 1);
      }
      for (const [k, set] of [['ks', p.kernels], ['e', p.expands], ['d', p.depths]] as const) {
        const total = [...counts[k].values()].reduce((s, v) => s + v, 0);
        expect([...counts[k].keys()].sort(), `${p.name}.${k}`).toEqual([...set].sort());
        for (const v of set) expect(Math.abs(counts[k].get(v)! / total - 1 / set.length), `${p.name}.${k} = ${v}`).toBeLessThan(0.15 / set.length);
      }
      if (p.name === 'largest') {
        expect(rng.getState()).toEqual(before);
        expect(sampleOfaPhase(p, rng)).toEqual({ ks: new Array(20).fill(7), e: new Array(20).fill(6), d: new Array(5).fill(4) });
      }
    }
  });

  it('the supernet trainer trains, step by step, a subnet of the step\'s phase; a snapshot after an epoch mid-phase continues bit-identically', () => {
    const n = 128, hw = 16;
    const r = new Rng(5);
    const data = (lo: number): ImageData => ({ images: Uint8Array.from({ length: n * hw * hw }, () => r.int(256)), labels: Uint16Array.from({ length: n }, (_, i) => (i + lo) % 2), n, height: hw, width: hw, channels: 1, classes: 2 });
    const [train, val] = [data(0), data(1)];
    const before = tf.memory().numTensors;
    const cfg = { epochs: 3, batchSize: 16, lrMax: 0.05, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: 0, evalPaths: 1, evalBatches: 1, evalBatchSize: 32 };
    const make = () => {
      const log: { step: number; c: OfaConfig }[] = [];
      const rng = new Rng(11);
      const net = new OfaSupernet({ inChannels: 1, classes: 2, widthMult: 0.25, downsamples: 4 }, rng);
      const sampler = (g: Rng, step: number, total: number) => {
        const c = ofaProgressiveShrinking(g, step, total);
        log.push({ step, c });
        return c;
      };
      return { net, log, trainer: new SupernetTrainer(net, ofaSpace, train, val, cfg, rng, sampler) };
    };
    const a = make();
    a.trainer.trainEpoch();
    const mid = a.trainer.snapshot();
    a.trainer.trainEpoch();
    a.trainer.trainEpoch();
    // 24 steps: largest 0–6, kernel 7–11 (the epoch ends at 8, mid-phase), depth 12–17, expand 18–23.
    expect(a.log.map((l) => l.step)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    for (const { step, c } of a.log) expect(within(c, progressiveShrinkingPhase(step, 24)), `step ${step}`).toBe(true);
    expect(a.log.slice(0, 7).every(({ c }) => c.ks.every((k) => k === 7) && c.e.every((e) => e === 6) && c.d.every((d) => d === 4))).toBe(true);
    expect(a.log.slice(7, 12).some(({ c }) => c.ks.some((k) => k !== 7))).toBe(true);
    expect(a.log.slice(18).some(({ c }) => c.e.some((e) => e === 3))).toBe(true);
    const b = make();
    b.trainer.restore(mid);
    b.trainer.trainEpoch();
    b.trainer.trainEpoch();
    expect(b.log).toEqual(a.log.slice(8));
    const [sa, sb] = [a.trainer.snapshot(), b.trainer.snapshot()];
    expect(sb.rng).toEqual(sa.rng);
    for (const k of Object.keys(sa.params)) expect(Buffer.from(sb.params[k].values.buffer).equals(Buffer.from(sa.params[k].values.buffer)), k).toBe(true);
    for (const m of [a, b]) {
      m.trainer.dispose();
      m.net.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is an option of ofa runs only (spec and builder in step); config.json records it; the default stays uniform sampling', () => {
    for (const id of SUPERNET_IDS) {
      const spec = supernetSpec(id);
      expect(spec.samplings[0], id).toBe('uniform');
      expect(Object.keys(supernetBuilder(id).samplers ?? {}).sort(), id).toEqual(spec.samplings.filter((s) => s !== 'uniform').sort());
    }
    const base = { space: 'ofa', dataset: { kind: 'mnist-embedded' as const }, method: 'l2nas', seed: 1 };
    const ps = supernetRunConfig({ ...base, settings: { sampling: 'progressive-shrinking' } });
    expect(ps.estimator).toMatchObject({ kind: 'supernet', sampling: 'progressive-shrinking' });
    const uniform = supernetRunConfig(base);
    expect(uniform.estimator).not.toHaveProperty('sampling');
    expect(supernetRunConfig({ ...base, settings: { sampling: 'uniform' } }).estimator).not.toHaveProperty('sampling');
    expect(() => supernetRunConfig({ ...base, space: 'nb201', settings: { sampling: 'progressive-shrinking' } })).toThrow(UsageError);
    expect(() => supernetRunConfig({ ...base, space: 'nb201', settings: { sampling: 'progressive-shrinking' } })).toThrow('--sampling progressive-shrinking: the nb201 supernet trains with uniform sampling only');
  });
});
