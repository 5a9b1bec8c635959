import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { TRANSPOSE_SIMD_WASM } from './transpose-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * The two rank-4 transposes of the composed Conv2DBackpropFilter (wasm-conv-gradients.ts) as our
 * own WebAssembly (transpose-simd.wat) on TF.js WASM's memory: perm [1,2,0,3] (C a multiple of
 * 4: SIMD block copies) and perm [3,1,2,0]. TF.js's generic Transpose kernel took ≈ 1.3 of 28 ms
 * of an NB201 supernet step (bench/results/supernet-speed.md). Pure copies: the same values
 * (test/unit/wasm-training-kernels.test.ts).
 */
interface TransposeExports {
  blocks(x: number, out: number, A: number, P: number, C: number): void;
  swapOuter(x: number, out: number, A: number, P: number, C: number): void;
}

function kind(perm: readonly number[]): 'blocks' | 'swapOuter' | null {
  if (perm.length !== 4) return null;
  const p = perm.join(',');
  return p === '1,2,0,3' ? 'blocks' : p === '3,1,2,0' ? 'swapOuter' : null;
}

/**
 * `x` (float32, rank 4) transposed by `perm` into a new tensor of `backend`, or null where our
 * kernel does not cover it (another perm, dtype or channel count, or no SIMD on TF.js's memory):
 * the caller then runs TF.js's Transpose.
 */
export function wasmTranspose(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo | null {
  const k = kind(perm);
  if (!k || x.dtype !== 'float32' || x.shape.length !== 4) return null;
  const [a, h, w, c] = x.shape;
  if (k === 'blocks' && c % 4 !== 0) return null;
  const ex = heapKernels<TransposeExports>(backend, TRANSPOSE_SIMD_WASM);
  if (!ex) return null;
  const b = backend as WasmBackendLike;
  const out = b.makeOutput(perm.map((d) => x.shape[d]), 'float32');
  if (a * h * w * c > 0) ex[k](heapOffset(b, x), heapOffset(b, out), a, h * w, c);
  return out;
}
