import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
// The gradients of every TF.js op, registered once for the whole process by the backend module
// (supernet training and the agent need them). tfjs-core's CommonJS build has no gradients; the
// @tensorflow/tfjs bundle registers them on the same (global) registry.
import '@tensorflow/tfjs';
import { registerWasmConvGradients } from '../core/kernels/wasm-conv-gradients';
import { registerWasmZeroCopyIdentity } from '../core/kernels/wasm-identity';

import { BACKEND_IDS, type BackendId } from '../contracts/ids';
import { describeAdapter, openAdapter, probeWebGpuAdapters, type FoundAdapter, type WebGpuAdapterReport, type WebGpuProbe } from './webgpu-adapters';

export type BackendName = BackendId;
export const BACKEND_ORDER: readonly BackendName[] = BACKEND_IDS;

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  reason: string;
}

export interface BackendChoice {
  /** The backend name as TF.js knows it ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  tfName: string;
  /** Which of our candidates was chosen. */
  backend: BackendName;
  /** Every candidate tried, in order, with why it was or was not taken. */
  attempts: BackendAttempt[];
  /** The WebGPU adapter in use when `backend` is 'webgpu'. */
  adapter?: WebGpuAdapterReport;
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 800);
}

/** The CUDA and cuDNN runtimes the dynamic linker knows (Linux: /etc/ld.so.cache), e.g. "libcudart.so.13". */
function cudaLibrariesFound(): string[] {
  try {
    const cache = fs.readFileSync('/etc/ld.so.cache').toString('latin1');
    return [...new Set(cache.match(/lib(?:cudart|cudnn)\.so\.\d+/g) ?? [])].sort();
  } catch {
    return [];
  }
}

/** What tfjs-node-gpu 4.22 links against (its TensorFlow 2.9 build), and what is here. */
export function cudaReport(): string {
  const found = cudaLibrariesFound();
  return `wants CUDA 11.2 (libcudart.so.11.0) and cuDNN 8.1 (libcudnn.so.8); found ${found.length ? found.join(', ') : 'neither'}`;
}

/** The native module's GPU check: tfjs-node-gpu loads on machines without CUDA too (CPU kernels). */
function gpuVisible(): { ok: boolean; reason: string } {
  // tfjs-node-gpu exposes no device list; TensorFlow logs devices on first use. We trust the
  // CUDA_VISIBLE_DEVICES convention and the library load (which needs libcudart) instead.
  if (process.env.CUDA_VISIBLE_DEVICES === '' || process.env.CUDA_VISIBLE_DEVICES === '-1') {
    return { ok: false, reason: 'CUDA_VISIBLE_DEVICES hides every GPU' };
  }
  return { ok: true, reason: `loaded @tensorflow/tfjs-node-gpu (${cudaReport()})` };
}

async function tryNative(pkg: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialise');
}

async function tryWasm(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" did not initialise');
}

async function tryCpu(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" did not initialise');
}

/**
 * The adapter WebGPU would run on: the first hardware one (native Dawn backends come first);
 * a software rasteriser only when asked for by name (`--backend webgpu`), because on a CPU it is
 * far slower than WASM (bench/results/webgpu.md).
 */
export function pickAdapter<T extends { report: WebGpuAdapterReport }>(found: readonly T[], allowSoftware: boolean): { pick: T | null; reason: string } {
  const hardware = found.find((f) => !f.report.software);
  if (hardware) return { pick: hardware, reason: describeAdapter(hardware.report) };
  const software = found.find((f) => f.report.software);
  if (software && allowSoftware) return { pick: software, reason: `${describeAdapter(software.report)} (only a software adapter here; asked for by name)` };
  if (software) return { pick: null, reason: `only a software adapter (${describeAdapter(software.report)}): never chosen automatically, use --backend webgpu to run on it` };
  return { pick: null, reason: 'no WebGPU adapter found' };
}

let webgpuAdapter: WebGpuAdapterReport | undefined;
let hostBackend: 'wasm' | 'cpu' | null = null;

async function initHostBackend(): Promise<'wasm' | 'cpu'> {
  try {
    await tryWasm();
    registerWasmConvGradients();
    registerWasmZeroCopyIdentity();
    return 'wasm';
  } catch {
    await tryCpu();
    return 'cpu';
  }
}

/**
 * Switches the active backend at once. TF.js's setBackend is async, but for a backend already
 * initialised it does all its work before its first await: the switch is done on return.
 */
function switchNow(name: string): void {
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`could not switch TF.js to "${name}"`);
}

/** Runs `fn` on the host backend when the run's backend is WebGPU (else as it is). */
export function onHost<T>(fn: () => T): T {
  if (!hostBackend || tf.getBackend() !== 'webgpu') return fn();
  switchNow(hostBackend);
  try {
    return fn();
  } finally {
    switchNow('webgpu');
  }
}

/**
 * `obj` with every method run on the host backend while the run's backend is WebGPU: the search
 * strategies (the L²NAS agent). Their MLPs are a few hundred kilobytes driven one step at a
 * time, where a GPU's dispatch cost dominates (bench/results/agent-speed.txt has their speed on
 * WASM), and they read results synchronously, which TF.js's WebGPU
 * backend cannot do in Node. Their tensors then live on the host backend, and only numbers and
 * typed arrays cross between them and the estimator.
 */
export function hostBound<T extends object>(obj: T): T {
  if (!hostBackend) return obj;
  return new Proxy(obj, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? (...args: unknown[]) => onHost(() => (v as (...a: unknown[]) => unknown).apply(target, args)) : v;
    },
  });
}

async function tryWebGpu(allowSoftware: boolean): Promise<string> {
  const probe = probeWebGpuAdapters();
  if (probe.error) throw new Error(probe.error);
  const { pick, reason } = pickAdapter(probe.adapters.map((report) => ({ report })), allowSoftware);
  if (!pick) {
    const why = probe.notFound.map((n) => `${n.dawnBackend}: ${n.reason}`).join('; ');
    throw new Error(probe.adapters.length || !why ? reason : `${reason} (${why})`);
  }
  await registerWebGpu(await openAdapter(pick.report));
  // The agent's small MLPs run on a host-memory backend beside WebGPU (hostBound below).
  hostBackend = await initHostBackend();
  if (!(await tf.setBackend('webgpu'))) throw new Error('backend "webgpu" did not initialise');
  webgpuAdapter = pick.report;
  return `WebGPU (Dawn, @tensorflow/tfjs-backend-webgpu) on ${reason}`;
}

/**
 * Registers TF.js's WebGPU backend on a device of our adapter. Its own registration asks
 * `navigator.gpu`, which plain Node and Electron's utility processes do not have; its kernels
 * register on import either way.
 */
async function registerWebGpu(f: FoundAdapter): Promise<void> {
  // Loaded before navigator.gpu exists, so that its own registration (which would ask for a
  // default adapter, none on a software-only machine) stays out of the way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WebGPUBackend } = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend };
  // Its constructor still insists on navigator.gpu (webgpu_util.isWebGPUSupported).
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator!.gpu) Object.defineProperty(g.navigator, 'gpu', { value: f.gpu, configurable: true, writable: true });
  const lim = f.adapter.limits;
  // The limits TF.js's own registration asks for: the defaults are below what its matmul and
  // conv programs dispatch on large inputs.
  const device = await f.adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
    },
  });
  // WebGPU reports a failed shader or dispatch asynchronously, as an event, and drops the
  // commands: TF.js then returns stale or zero results without a word (found: a rank-6 pad,
  // bench/results/webgpu.md). Every read checks for such errors and throws them instead.
  const errors: string[] = [];
  (device as { addEventListener(type: string, fn: (e: { error?: { message?: string } }) => void): void }).addEventListener('uncapturederror', (e) => {
    if (errors.length < 20) errors.push((e.error?.message ?? 'unknown error').split('\n')[0].slice(0, 300));
  });
  class CheckedWebGpuBackend extends (WebGPUBackend as unknown as new (device: unknown, info?: unknown) => tf.KernelBackend & { read(dataId: object): Promise<tf.backend_util.BackendValues> }) {
    override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
      const values = await super.read(dataId);
      if (errors.length) throw new Error(`WebGPU failed on work before this read, whose results are invalid: ${errors.splice(0).join('; ')}`);
      return values;
    }
  }
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new CheckedWebGpuBackend(device, f.adapter.info));
}

const WHY_OK: Record<Exclude<BackendName, 'webgpu'>, string> = {
  'tensorflow-gpu': 'native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu)',
  tensorflow: 'native TensorFlow on the CPU (@tensorflow/tfjs-node)',
  wasm: 'WebAssembly with SIMD (@tensorflow/tfjs-backend-wasm)',
  cpu: 'plain JavaScript (@tensorflow/tfjs-backend-cpu), the slowest',
};

/** Loads one backend; the reason it was taken, or throws why not. `named`: asked for by name. */
async function load(b: BackendName, named: boolean): Promise<string> {
  switch (b) {
    case 'tensorflow-gpu': {
      const g = gpuVisible();
      if (!g.ok) throw new Error(g.reason);
      try {
        await tryNative('@tensorflow/tfjs-node-gpu');
      } catch (e) {
        throw new Error(`${message(e)} (${cudaReport()})`, { cause: e });
      }
      return `${WHY_OK[b]}; ${cudaReport()}`;
    }
    case 'webgpu':
      return tryWebGpu(named);
    case 'tensorflow':
      await tryNative('@tensorflow/tfjs-node');
      return WHY_OK[b];
    case 'wasm':
      await tryWasm();
      return WHY_OK[b];
    case 'cpu':
      await tryCpu();
      return WHY_OK[b];
  }
}

let chosen: BackendChoice | null = null;

/**
 * Picks the fastest TF.js backend that loads: tfjs-node-gpu → WebGPU on a hardware adapter →
 * tfjs-node → WASM → CPU, and records why each candidate was or was not taken (shown by
 * `l2nas doctor` and in result.json). `prefer` forces one backend (an error if it does not
 * load; for 'webgpu' a software adapter then counts). Runs once per process.
 */
export async function selectBackend(prefer?: BackendName | 'auto'): Promise<BackendChoice> {
  if (chosen && (!prefer || prefer === 'auto' || prefer === chosen.backend)) return chosen;
  const named = !!prefer && prefer !== 'auto';
  const order = named ? [prefer] : BACKEND_ORDER;
  const attempts: BackendAttempt[] = [];
  for (const b of order) {
    try {
      const reason = await load(b, named);
      await tf.ready();
      // The convolution gradients TF.js WASM lacks (bench/results/wasm-conv-gradients.md); WASM only.
      if (b === 'wasm') {
        registerWasmConvGradients();
        registerWasmZeroCopyIdentity();
      }
      attempts.push({ backend: b, ok: true, reason });
      chosen = { tfName: tf.getBackend(), backend: b, attempts, ...(b === 'webgpu' ? { adapter: webgpuAdapter } : {}) };
      return chosen;
    } catch (e) {
      attempts.push({ backend: b, ok: false, reason: message(e) });
    }
  }
  const detail = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could be loaded (${detail})`);
}

/** Every WebGPU adapter Dawn finds here (for `doctor`, whichever backend was chosen). */
export function probeWebGpu(): Promise<WebGpuProbe> {
  return Promise.resolve(probeWebGpuAdapters());
}
