import * as tf from '@tensorflow/tfjs-core';
// The gradients of every TF.js op, registered once for the whole process by the backend module
// (supernet training and the agent need them). tfjs-core's CommonJS build has no gradients; the
// @tensorflow/tfjs bundle registers them on the same (global) registry.
import '@tensorflow/tfjs';
import { registerWasmConvGradients } from '../core/kernels/wasm-conv-gradients';

import { BACKEND_IDS, type BackendId } from '../contracts/ids';

export type BackendName = BackendId;
export const BACKEND_ORDER: readonly BackendName[] = BACKEND_IDS;

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  reason: string;
}

export interface BackendChoice {
  /** The backend name as TF.js knows it ('tensorflow', 'wasm', 'cpu'). */
  tfName: string;
  /** Which of our candidates was chosen. */
  backend: BackendName;
  /** Every candidate tried, in order, with why it was or was not taken. */
  attempts: BackendAttempt[];
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 300);
}

/** The native module's GPU check: tfjs-node-gpu loads on machines without CUDA too (CPU kernels). */
function gpuVisible(): { ok: boolean; reason: string } {
  // tfjs-node-gpu exposes no device list; TensorFlow logs devices on first use. We trust the
  // CUDA_VISIBLE_DEVICES convention and the library load (which needs libcudart) instead.
  if (process.env.CUDA_VISIBLE_DEVICES === '' || process.env.CUDA_VISIBLE_DEVICES === '-1') {
    return { ok: false, reason: 'CUDA_VISIBLE_DEVICES hides every GPU' };
  }
  return { ok: true, reason: 'loaded @tensorflow/tfjs-node-gpu (CUDA 11.2 / cuDNN 8.1 build)' };
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

const LOADERS: Record<BackendName, () => Promise<void>> = {
  'tensorflow-gpu': async () => {
    const g = gpuVisible();
    if (!g.ok) throw new Error(g.reason);
    await tryNative('@tensorflow/tfjs-node-gpu');
  },
  tensorflow: () => tryNative('@tensorflow/tfjs-node'),
  wasm: tryWasm,
  cpu: tryCpu,
};

const WHY_OK: Record<BackendName, string> = {
  'tensorflow-gpu': 'native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu)',
  tensorflow: 'native TensorFlow on the CPU (@tensorflow/tfjs-node)',
  wasm: 'WebAssembly with SIMD (@tensorflow/tfjs-backend-wasm)',
  cpu: 'plain JavaScript (@tensorflow/tfjs-backend-cpu), the slowest',
};

let chosen: BackendChoice | null = null;

/**
 * Picks the fastest TF.js backend that loads: tfjs-node-gpu → tfjs-node → WASM → CPU, and
 * records why each candidate was or was not taken (shown by `l2nas doctor` and in result.json).
 * `prefer` forces one backend (an error if it does not load). Runs once per process.
 */
export async function selectBackend(prefer?: BackendName | 'auto'): Promise<BackendChoice> {
  if (chosen && (!prefer || prefer === 'auto' || prefer === chosen.backend)) return chosen;
  const order = prefer && prefer !== 'auto' ? [prefer] : BACKEND_ORDER;
  const attempts: BackendAttempt[] = [];
  for (const b of order) {
    try {
      await LOADERS[b]();
      await tf.ready();
      // The convolution gradients TF.js WASM lacks (bench/results/wasm-conv-gradients.md).
      if (b === 'wasm') registerWasmConvGradients();
      attempts.push({ backend: b, ok: true, reason: WHY_OK[b] });
      chosen = { tfName: tf.getBackend(), backend: b, attempts };
      return chosen;
    } catch (e) {
      attempts.push({ backend: b, ok: false, reason: message(e) });
    }
  }
  const detail = attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could be loaded (${detail})`);
}
