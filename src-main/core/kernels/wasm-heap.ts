import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { WASM, simdModule, type WasmMemory } from '../agent/wasm-simd';

/**
 * Our hand-written WebAssembly SIMD kernels (bn-simd.wat, sgd-simd.wat) instantiated on TF.js
 * WASM's own WebAssembly.Memory, so that they read and write TF.js tensors in place: no copy in
 * or out. The parts of TF.js's BackendWasm used here (it exports no type for them).
 */
export interface WasmBackendLike extends KernelBackend {
  wasm: { asm?: { memory?: WasmMemory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

const instances = new WeakMap<Uint8Array, WeakMap<object, unknown>>();

/**
 * The exports of the module `bytes` bound to `backend`'s memory (one instance per memory); null
 * where that cannot be: no WebAssembly SIMD, a backend without an exported memory, or the
 * threaded build's shared memory (which these modules do not import).
 */
export function heapKernels<T>(backend: KernelBackend, bytes: Uint8Array): T | null {
  const memory = (backend as WasmBackendLike).wasm?.asm?.memory;
  if (!memory || !WASM) return null;
  let perMemory = instances.get(bytes);
  if (!perMemory) instances.set(bytes, (perMemory = new WeakMap()));
  if (!perMemory.has(memory)) {
    let ex: T | null = null;
    try {
      const mod = simdModule(bytes);
      if (mod) ex = new WASM.Instance(mod, { env: { memory } }).exports as unknown as T;
    } catch {
      ex = null;
    }
    perMemory.set(memory, ex);
  }
  return perMemory.get(memory) as T | null;
}

/** The byte offset of a tensor's values in TF.js WASM's memory. */
export function heapOffset(backend: KernelBackend, t: TensorInfo): number {
  const d = (backend as WasmBackendLike).dataIdMap.get(t.dataId);
  if (!d) throw new Error('WASM kernel: a tensor has no data in TF.js WASM memory');
  return d.memoryOffset;
}

/**
 * A check of the current backend for a group of our WASM kernels: true only on TF.js WASM where
 * `available(backend)` holds, evaluated once per backend instance (called every training step).
 */
export function onWasmKernels(available: (backend: KernelBackend) => boolean): () => boolean {
  let seen: KernelBackend | null = null;
  let ok = false;
  return () => {
    if (tf.getBackend() !== 'wasm') return false;
    const b = tf.backend();
    if (b !== seen) {
      seen = b;
      ok = available(b);
    }
    return ok;
  };
}
