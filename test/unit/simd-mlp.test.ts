import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { FlatAdam } from '../../src-main/core/agent/flat-adam';
import { FlatMlp } from '../../src-main/core/agent/flat-mlp';
import { L2nasAgent, type L2nasSnapshot } from '../../src-main/core/agent/l2nas-agent';
import { defaultEngine, type NetworkEngine } from '../../src-main/core/agent/networks';
import { SimdMlp } from '../../src-main/core/agent/simd-mlp';
import { resolveAgentConfig } from '../../src-main/common/presets';
import { reward } from '../../src-main/common/rewards';
import { Rng } from '../../src-main/common/rng';
import { dartsSpace } from '../../src-main/common/spaces/darts';
import { nb201Space, type Nb201Arch } from '../../src-main/common/spaces/nb201';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import { useBackend } from '../helpers/tf-backend';

/** Unpadded rows of a padded buffer. */
function rows(buf: Float32Array, M: number, width: number, stride: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++) out.push(...buf.subarray(i * stride, i * stride + width));
  return out;
}

/** One forward + backward + Adam step of FlatMlp/FlatAdam (TF.js ops) and of SimdMlp from the same θ. */
function compareOnce(output: 'sigmoid' | 'linear') {
  const sizes = [6, 9, 7, 5]; // no width a multiple of 4: the padding is exercised everywhere
  const M = 3;
  const rng = new Rng(5);
  const flat = new FlatMlp(sizes, output, rng);
  const theta0 = flat.values();
  const simd = new SimdMlp(sizes, output, theta0, 4, 1e-2);
  const xv = rng.fillUniform(new Float32Array(M * 6), -1, 1);
  const wv = rng.fillUniform(new Float32Array(M * 5), -1, 1);
  // TF.js path
  const ref = tf.tidy(() => {
    const acts = flat.forward(tf.tensor2d(xv, [M, 6]));
    const { grad, dx } = flat.backward(acts, tf.tensor2d(wv, [M, 5]), true);
    const out = Array.from(acts[acts.length - 1].dataSync());
    const g = grad.dataSync().slice();
    const dxs = Array.from(dx!.dataSync());
    const adam = new FlatAdam(flat.numParams, 1e-2, 0.9, 0.99, 1e-8, flat.onHost ? 'host' : 'tensor');
    flat.update(grad, adam);
    adam.dispose();
    return { out, g, dx: dxs, after: Array.from(flat.values()) };
  });
  // SIMD path
  const P0 = simd.width(0), PL = simd.width(sizes.length - 1);
  const inp = simd.input();
  for (let i = 0; i < M; i++) inp.set(xv.subarray(i * 6, (i + 1) * 6), i * P0);
  simd.forward(M);
  const out = rows(simd.outputs(), M, 5, PL);
  const dOut = simd.outputGrad();
  for (let i = 0; i < M; i++) dOut.set(wv.subarray(i * 5, (i + 1) * 5), i * PL);
  simd.backward(M, true);
  const dx = rows(simd.inputGradient(), M, 6, P0);
  simd.adamStep();
  flat.dispose();
  return { ref, out, dx, after: Array.from(simd.values()), theta0: Array.from(theta0) };
}

describe('SimdMlp', () => {
  for (const output of ['sigmoid', 'linear'] as const) {
    it(`forward, input gradient and an Adam step: FlatMlp's bits on WASM, its values to 1e-6 on CPU (${output})`, async () => {
      for (const backend of ['wasm', 'cpu'] as const) {
        await useBackend(backend);
        const r = compareOnce(output);
        // The step moved θ (the comparison is not of two untouched copies).
        expect(r.after.filter((v, i) => v !== r.theta0[i]).length).toBeGreaterThan(100);
        if (backend === 'wasm') {
          expect(r.out).toEqual(r.ref.out);
          expect(r.dx).toEqual(r.ref.dx);
          expect(r.after).toEqual(r.ref.after);
        } else {
          // TF.js CPU sums matMuls in blocks (another order) and has its own sigmoid.
          r.out.forEach((v, i) => expect(v).toBeCloseTo(r.ref.out[i], 6));
          r.dx.forEach((v, i) => expect(v).toBeCloseTo(r.ref.dx[i], 6));
          r.after.forEach((v, i) => expect(v).toBeCloseTo(r.ref.after[i], 6));
        }
      }
    });
  }

  it('predict runs inputs longer than its buffers in chunks, each row as alone', async () => {
    await useBackend('wasm');
    const mlp = new SimdMlp([5, 8, 3], 'sigmoid', new Rng(2), 4, 1e-3);
    const x = new Rng(3).fillUniform(new Float32Array(11 * 5), -1, 1);
    const all = Array.from(mlp.predict(x, 11));
    const one = Array.from({ length: 11 }, (_, i) => Array.from(mlp.predict(x.subarray(i * 5, (i + 1) * 5), 1))).flat();
    expect(all).toEqual(one);
    expect(all.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('values and the Adam state round-trip through the unpadded layout; wrong sizes are refused', () => {
    const mlp = new SimdMlp([6, 9, 5], 'linear', new Rng(1), 2, 1e-3);
    const v = new Rng(8).fillUniform(new Float32Array(mlp.numParams), -1, 1);
    mlp.setValues(v);
    expect(Array.from(mlp.values())).toEqual(Array.from(v));
    mlp.setAdamState({ t: 7, m: v, v: v.map(Math.abs) });
    const s = mlp.getAdamState();
    expect(s.t).toBe(7);
    expect(Array.from(s.m)).toEqual(Array.from(v));
    expect(() => mlp.setValues(new Float32Array(3))).toThrow(`θ has 3 values, expected ${mlp.numParams}`);
    expect(() => mlp.forward(3)).toThrow('3 rows, the buffers hold 2');
  });
});

const toyAccuracy = (a: Nb201Arch) => 60 + 5 * a.filter((op) => op === 3).length + a.filter((op) => op === 2).length;

function runAgent<A>(space: SearchSpace<A>, preset: string, overrides: object, steps: number, engine: NetworkEngine, acc: (a: A, t: number) => number) {
  const agent = new L2nasAgent(space, resolveAgentConfig(preset as 'nb201', overrides), new Rng(4), { engine });
  const trace: string[] = [];
  for (let t = 0; t < steps; t++) {
    const p = agent.propose(t);
    const a = acc(p.arch, t);
    const info = agent.observe(p, a, reward(a));
    trace.push(`${space.format(p.arch)} ${info.criticLoss} ${info.actorLoss}`);
  }
  return { agent, trace, snap: agent.snapshot() };
}

function expectSameNetworks(a: L2nasSnapshot, b: L2nasSnapshot) {
  for (const k of ['actor', 'critic'] as const) {
    expect(Array.from(a[k])).toEqual(Array.from(b[k]));
    expect(Array.from(a[`${k}Adam`].m)).toEqual(Array.from(b[`${k}Adam`].m));
    expect(Array.from(a[`${k}Adam`].v)).toEqual(Array.from(b[`${k}Adam`].v));
    expect(a[`${k}Adam`].t).toBe(b[`${k}Adam`].t);
  }
}

describe('L²NAS agent: the SIMD engine against the TF.js engine on WASM', () => {
  it('is the default on WASM', async () => {
    await useBackend('wasm');
    expect(defaultEngine()).toBe('simd');
  });

  it('nb201: the same run, losses and final networks bit for bit', async () => {
    await useBackend('wasm');
    const simd = runAgent(nb201Space, 'nb201', { actorLr: 1e-3 }, 40, 'simd', toyAccuracy);
    const tfjs = runAgent(nb201Space, 'nb201', { actorLr: 1e-3 }, 40, 'tf', toyAccuracy);
    expect(simd.trace).toEqual(tfjs.trace);
    expectSameNetworks(simd.snap, tfjs.snap);
    simd.agent.dispose();
    tfjs.agent.dispose();
  });

  it('DARTS (dims not a multiple of 4, batch 16, critic screening off): the same bits too', async () => {
    await useBackend('wasm');
    const s = dartsSpace as SearchSpace<unknown>;
    const acc = (_a: unknown, t: number) => 50 + (t % 7);
    const o = { warmupSteps: 20, batchSize: 16, hidden: 32 };
    const simd = runAgent(s, 'darts', o, 28, 'simd', acc);
    const tfjs = runAgent(s, 'darts', o, 28, 'tf', acc);
    expect(simd.trace).toEqual(tfjs.trace);
    expectSameNetworks(simd.snap, tfjs.snap);
  });

  it('a snapshot of one engine restores into the other and continues identically', async () => {
    await useBackend('wasm');
    const cfg = resolveAgentConfig('nb201-fast');
    const a = new L2nasAgent(nb201Space, cfg, new Rng(9), { engine: 'simd' });
    const rngB = new Rng(1);
    const b = new L2nasAgent(nb201Space, cfg, rngB, { engine: 'tf' });
    const step = (ag: L2nasAgent<Nb201Arch>, t: number) => {
      const p = ag.propose(t);
      const v = toyAccuracy(p.arch);
      ag.observe(p, v, reward(v));
      return nb201Space.format(p.arch);
    };
    const rngA = (a as unknown as { rng: Rng }).rng;
    for (let t = 0; t < 30; t++) step(a, t);
    rngB.setState(rngA.getState());
    b.restore(a.snapshot());
    const contA = Array.from({ length: 15 }, (_, k) => step(a, 30 + k));
    const contB = Array.from({ length: 15 }, (_, k) => step(b, 30 + k));
    expect(contB).toEqual(contA);
    expectSameNetworks(a.snapshot(), b.snapshot());
    a.dispose();
    b.dispose();
  });
});
