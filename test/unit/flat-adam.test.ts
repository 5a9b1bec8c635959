import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ADAM_SIMD_WASM } from '../../src-main/core/agent/adam-simd-bytes';
import { FlatAdam, type AdamImpl } from '../../src-main/core/agent/flat-adam';
import { Rng } from '../../src-main/common/rng';
import { useBackend } from '../helpers/tf-backend';

const IMPLS: AdamImpl[] = ['tensor', 'host', 'host-js'];

/** Runs `steps` Adam steps from fixed θ and gradients; returns θ, m, v as plain arrays. */
function runAdam(impl: AdamImpl, size: number, steps: number, lr: number) {
  const rng = new Rng(17);
  const theta0 = rng.fillUniform(new Float32Array(size), -1, 1);
  const grads = Array.from({ length: steps }, (_, k) =>
    // Gradients of very different scales (and exact zeros) so that √v + ε̂ matters too.
    rng.fillUniform(new Float32Array(size), -1, 1).map((g, i) => (i % 11 === 0 ? 0 : g * 10 ** ((i + k) % 7 - 4))),
  );
  const adam = new FlatAdam(size, lr, 0.9, 0.99, 1e-8, impl);
  let out: Float32Array;
  if (impl === 'tensor') {
    let theta = tf.tensor1d(theta0);
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      const next = adam.step(theta, gt);
      theta.dispose();
      gt.dispose();
      theta = next;
    }
    out = theta.dataSync() as Float32Array;
    theta.dispose();
  } else {
    out = theta0.slice();
    for (const g of grads) adam.stepHost(out, g);
  }
  const s = adam.getState();
  adam.dispose();
  return { theta: Array.from(out), m: Array.from(s.m), v: Array.from(s.v), t: s.t };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`FlatAdam on ${backend}`, () => {
    it('gives the same float32 bits in the tensor form, the SIMD kernel and the JS loop', async () => {
      await useBackend(backend);
      // 1001 values: not a multiple of 4, so the SIMD kernel's zero padding is exercised.
      const [ref, ...others] = IMPLS.map((impl) => runAdam(impl, 1001, 6, 3e-3));
      for (const o of others) {
        expect(o.t).toBe(6);
        expect(o.theta).toEqual(ref.theta);
        expect(o.m).toEqual(ref.m);
        expect(o.v).toEqual(ref.v);
      }
      // And it moved: the comparison is not of three untouched copies.
      const start = runAdam('host', 1001, 0, 3e-3).theta;
      expect(ref.theta.filter((x, i) => x !== start[i]).length).toBeGreaterThan(800);
    });
  });
}

describe('FlatAdam host path', () => {
  it('uses the WebAssembly SIMD kernel here (Node has SIMD), and the JS loop when asked', () => {
    expect(new FlatAdam(5, 1e-3, 0.9, 0.99, 1e-8, 'host').usesSimd).toBe(true);
    expect(new FlatAdam(5, 1e-3, 0.9, 0.99, 1e-8, 'host-js').usesSimd).toBe(false);
  });

  it('keeps several optimisers apart, and large ones (several memory pages) work', () => {
    const a = new FlatAdam(70_000, 1e-2, 0.9, 0.99, 1e-8, 'host');
    const b = new FlatAdam(70_000, 1e-2, 0.9, 0.99, 1e-8, 'host');
    const ta = new Float32Array(70_000).fill(1), tb = new Float32Array(70_000).fill(1);
    a.stepHost(ta, new Float32Array(70_000).fill(1));
    b.stepHost(tb, new Float32Array(70_000).fill(-1));
    // First Adam step moves every value by −lr·sign(g) (to float32 precision).
    expect(ta[69_999]).toBeCloseTo(0.99, 6);
    expect(tb[0]).toBeCloseTo(1.01, 6);
    expect(a.getState().m[5]).toBeCloseTo(0.1, 6);
    expect(b.getState().m[5]).toBeCloseTo(-0.1, 6);
  });

  it('restores a state exactly and refuses one of the wrong size', () => {
    const a = runAdam('host', 37, 3, 1e-3);
    const adam = new FlatAdam(37, 1e-3, 0.9, 0.99, 1e-8, 'host');
    adam.setState({ t: a.t, m: Float32Array.from(a.m), v: Float32Array.from(a.v) });
    expect(Array.from(adam.getState().m)).toEqual(a.m);
    expect(() => adam.setState({ t: 1, m: new Float32Array(36), v: new Float32Array(37) })).toThrow('36/37 values, expected 37');
    expect(() => adam.stepHost(new Float32Array(36), new Float32Array(37))).toThrow('expected 37');
  });
});

describe('the SIMD kernel bytes', () => {
  it('are what scripts/build-wasm.cjs assembles from the .wat sources', async () => {
    const root = path.join(__dirname, '..', '..');
    const req = createRequire(__filename);
    const build = req(path.join(root, 'scripts', 'build-wasm.cjs')) as {
      SOURCES: { wat: string; ts: string; name: string }[];
      assemble(f: string): Promise<Uint8Array>;
      tsModule(src: string, name: string, b: Uint8Array): string;
    };
    expect(build.SOURCES.map((s) => s.name)).toEqual(['ADAM_SIMD_WASM', 'MLP_SIMD_WASM', 'BN_SIMD_WASM', 'SGD_SIMD_WASM', 'POOL_SIMD_WASM', 'TRANSPOSE_SIMD_WASM', 'RELU_SIMD_WASM', 'CONV_SIMD_WASM', 'WINOGRAD_SIMD_WASM']);
    for (const src of build.SOURCES) {
      const bytes = await build.assemble(path.join(root, src.wat));
      expect(fs.readFileSync(path.join(root, src.ts), 'utf8')).toBe(build.tsModule(src.wat, src.name, bytes));
      if (src.name === 'ADAM_SIMD_WASM') expect(Array.from(ADAM_SIMD_WASM)).toEqual(Array.from(bytes));
    }
  });

  it('winograd-simd.wat is what scripts/winograd-wat.cjs generates', () => {
    const root = path.join(__dirname, '..', '..');
    const gen = createRequire(__filename)(path.join(root, 'scripts', 'winograd-wat.cjs')) as { winogradWat(): string; WAT: string };
    expect(fs.readFileSync(path.join(root, gen.WAT), 'utf8')).toBe(gen.winogradWat());
  });
});
