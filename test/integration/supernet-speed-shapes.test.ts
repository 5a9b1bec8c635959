import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * bench/supernet-speed.cjs's shape flags and bench/gpu/summary.cjs (#13 item 4), on a tiny
 * network and the wasm backend (seconds). The GPU run itself (bench/gpu/run.sh) needs a GPU.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const BENCH = path.join(ROOT, 'bench', 'supernet-speed.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summarize } = require(path.join(ROOT, 'bench', 'gpu', 'summary.cjs')) as { summarize: (lines: string[], facts: string) => string };

function bench(...args: string[]): { code: number | null; lines: Record<string, unknown>[]; err: string } {
  const r = spawnSync(process.execPath, [BENCH, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, lines: r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>), err: r.stderr };
}

describe('bench/supernet-speed.cjs shape flags', () => {
  it('times one space at the asked shape on random images, one JSON line per backend and a compare line', () => {
    if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'node', 'backend.js'))) throw new Error('run `npm run build` first (npm test does)');
    const r = bench('--space', 'darts', '--C', '2', '--N', '3', '--image', '8x8x3', '--batch', '4', '--steps', '2', '--warm-steps', '1', '--backends', 'wasm,cpu', '--wasm-batch', '2');
    expect(r.code, r.err).toBe(0);
    const [wasm, cpu, compare] = r.lines;
    expect(wasm).toMatchObject({ space: 'darts', backend: 'wasm', ok: true, C: 2, N: 3, batch: 2, image: '8x8x3', data: 'synthetic', steps: 2, warmSteps: 1 });
    expect(cpu).toMatchObject({ space: 'darts', backend: 'cpu', ok: true, batch: 4, image: '8x8x3' });
    // The same network on both backends, and the same paths (a prefix of one sequence).
    expect(wasm.params).toBe(cpu.params);
    expect(wasm.params as number).toBeGreaterThan(0);
    expect(wasm).not.toHaveProperty('archs');
    expect(compare).toMatchObject({ compare: true, space: 'darts', C: 2, N: 3, batch: 4, wasmBatch: 2, image: '8x8x3', pytorch: null });
    const ours = compare.ours as Record<string, number>;
    expect(ours.wasm).toBe(wasm.imagesPerSecond);
    expect(ours.cpu).toBe(cpu.imagesPerSecond);
  });

  it('refuses bad shape flags with a message naming the flag', () => {
    for (const [args, msg] of [
      [['--image', '32x32'], /--image: expected HxWxC/],
      [['--shape', 'cifar'], /--shape: unknown shape "cifar" \(known: nb201-cifar, darts-cifar\)/],
      [['--space', 'ofa'], /--space: expected nb201 or darts/],
      [['--space', 'nb201', '--batch', '0'], /--batch: expected a positive integer/],
      [['--space', 'nb201', '--backends', 'cuda'], /--backends: unknown backend "cuda"/],
    ] as const) {
      const r = bench(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(msg);
    }
  });
});

describe('bench/gpu/summary.cjs', () => {
  const row = (backend: string, ips: number | null, extra: object = {}) => JSON.stringify(ips === null ? { space: 'nb201', backend, ok: false, reason: 'benchmark process failed (exit code 1): RuntimeError: Aborted()', batch: 256 } : { space: 'nb201', backend, ok: true, imagesPerSecond: ips, batch: 64, params: 1699546, ...extra });
  const twin = (ips: number) => JSON.stringify({ impl: 'pytorch', device: 'cuda', imagesPerSecond: ips, params: 1699546, tf32: true });
  const compare = (batch: number) => JSON.stringify({ compare: true, space: 'nb201', C: 16, N: 5, batch, image: '32x32x3', paramsMatch: true, samePaths: true });

  it('prints images/s and both ratios against the targets per network and batch', () => {
    const adapter = { dawnBackend: 'vulkan', vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', software: false };
    const md = summarize([row('webgpu', 3000, { adapter }), row('wasm', 100), twin(4000), compare(64), row('webgpu', 1000), row('wasm', null), twin(4000), compare(256), 'not json'], 'gpu: NVIDIA H200, 580.159\n');
    const lines = md.split('\n');
    expect(lines).toContain('- gpu: NVIDIA H200, 580.159');
    expect(lines).toContain('| nb201 C=16 N=5 32x32x3 | 64 | 3000.0 | 4000.0 (cuda, TF32 convs) | 0.75 (meets ≥ 0.5) | 100.0 (64) | 30.00 (meets ≥ 10) | yes (1699546 parameters) |');
    expect(lines).toContain('| nb201 C=16 N=5 32x32x3 | 256 | 1000.0 | 4000.0 (cuda, TF32 convs) | 0.25 (below 0.5) | – | – | yes (1699546 parameters) |');
    expect(md).toMatch(/webgpu on nvidia hopper NVIDIA H200 via vulkan\n/);
    expect(md).toMatch(/wasm at batch 256: failed: benchmark process failed \(exit code 1\): RuntimeError: Aborted\(\)/);
  });

  it('says so when nothing finished', () => {
    expect(summarize(['{"space":"nb201","backend":"webgpu","ok":false,"reason":"x"}'], '')).toMatch(/no measurement finished/);
  });
});
