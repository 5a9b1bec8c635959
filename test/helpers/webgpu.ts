import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { selectBackend } from '../../src-main/node/backend';
import type { WebGpuAdapterReport } from '../../src-main/node/webgpu-adapters';

/**
 * Mesa's EGL driver and its software rasteriser (Debian libegl-mesa0 + libgl1-mesa-dri, which
 * .ci/run installs): with them, Dawn's OpenGL ES backend gives an llvmpipe adapter.
 */
export function mesaInstalled(): boolean {
  if (process.platform !== 'linux') return false;
  let cache: string;
  try {
    cache = fs.readFileSync('/etc/ld.so.cache').toString('latin1');
  } catch {
    return false;
  }
  if (!cache.includes('libEGL_mesa.so.0')) return false;
  const libDirs = ['/usr/lib', '/usr/lib64', ...(fs.existsSync('/usr/lib') ? fs.readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d)) : [])];
  return libDirs.some((d) => fs.existsSync(path.join(d, 'dri', 'swrast_dri.so')));
}

export type WebGpuForTests =
  | { ok: true; adapter: WebGpuAdapterReport; reason: string }
  | { ok: false; reason: string; /** CI with Mesa installed and still no adapter: a failure, not a skip. */ mustFail: boolean };

/**
 * Puts TF.js on WebGPU (a software adapter where that is all there is) for a test file, or says
 * why it cannot. Test files use one backend process each (vitest pool 'forks').
 */
export async function webgpuForTests(): Promise<WebGpuForTests> {
  try {
    const c = await selectBackend('webgpu');
    if (!c.adapter || tf.getBackend() !== 'webgpu') throw new Error(`selectBackend('webgpu') left TF.js on ${tf.getBackend()}`);
    return { ok: true, adapter: c.adapter, reason: c.attempts[0].reason };
  } catch (e) {
    const reason = `no WebGPU adapter: ${(e as Error).message}`;
    return { ok: false, reason, mustFail: !!process.env.CI && mesaInstalled() };
  }
}

/**
 * For a test file on WebGPU: selects it before the tests, adds a test that the adapter came up
 * (skipped with the reason where none can be; a failure under CI=true with Mesa installed), and
 * skips every other test of the file with the reason when there is none.
 */
export function webgpuTestFile(): { adapter: () => WebGpuAdapterReport } {
  let gpu: WebGpuForTests | null = null;
  beforeAll(async () => {
    gpu = await webgpuForTests();
  });
  beforeEach((ctx) => {
    if (ctx.task.name.startsWith(ADAPTER_TEST)) return;
    if (!gpu?.ok) ctx.skip(gpu?.reason ?? 'WebGPU not selected');
  });
  it(`${ADAPTER_TEST} (a software one suffices; with Mesa installed under CI=true it must)`, (ctx) => {
    if (!gpu) throw new Error('webgpuForTests did not run');
    if (gpu.ok) {
      expect(tf.getBackend()).toBe('webgpu');
      expect(gpu.adapter.dawnBackend).toMatch(/^(vulkan|metal|d3d12|d3d11|opengles|opengl)$/);
      return;
    }
    if (gpu.mustFail) throw new Error(`CI installed Mesa (libegl-mesa0, libgl1-mesa-dri) but ${gpu.reason}`);
    ctx.skip(gpu.reason);
  });
  return {
    adapter: () => {
      if (!gpu?.ok) throw new Error('no WebGPU adapter');
      return gpu.adapter;
    },
  };
}

const ADAPTER_TEST = 'a WebGPU adapter comes up';
