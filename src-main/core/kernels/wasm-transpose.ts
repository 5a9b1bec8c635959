import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
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
  interleave2x2(p00: number, p01: number, p10: number, p11: number, out: number, N: number, H2: number, W2: number, C: number): void;
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

/**
 * Four phases p_ab [N, H2, W2, C] (C a multiple of 4) interleaved into [N, 2·H2, 2·W2, C]:
 * out[n, 2m+a, 2l+b, :] = p_ab[n, m, l, :]. fast-ops.ts computes the input gradient of a
 * stride-2 convolution per output phase with it.
 */
export const INTERLEAVE_2X2_KERNEL = 'L2nasInterleave2x2';

function interleave2x2({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo {
  const ps = [inputs.p00, inputs.p01, inputs.p10, inputs.p11];
  const s = ps[0].shape;
  for (const [i, p] of ps.entries()) {
    if (!p || p.dtype !== 'float32' || p.shape.length !== 4 || p.shape.join() !== s.join() || s[3] % 4 !== 0) {
      throw new Error(`${INTERLEAVE_2X2_KERNEL}: four float32 [N, H, W, C] tensors of one shape with C a multiple of 4 are needed (input ${['p00', 'p01', 'p10', 'p11'][i]}: ${p ? `${p.dtype} [${p.shape.join(', ')}]` : 'missing'})`);
    }
  }
  const ex = heapKernels<TransposeExports>(backend, TRANSPOSE_SIMD_WASM);
  if (!ex) throw new Error(`${INTERLEAVE_2X2_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const [n, h2, w2, c] = s;
  const out = b.makeOutput([n, 2 * h2, 2 * w2, c], 'float32');
  if (n * h2 * w2 * c > 0) ex.interleave2x2(heapOffset(b, ps[0]), heapOffset(b, ps[1]), heapOffset(b, ps[2]), heapOffset(b, ps[3]), heapOffset(b, out), n, h2, w2, c);
  return out;
}

/** Registers the interleave kernel on 'wasm' (idempotent) where it can run on `backend`; returns whether it can. */
export function wasmInterleaveAvailable(backend: KernelBackend): boolean {
  if (!heapKernels<TransposeExports>(backend, TRANSPOSE_SIMD_WASM)) return false;
  if (!getKernel(INTERLEAVE_2X2_KERNEL, 'wasm')) registerKernel({ kernelName: INTERLEAVE_2X2_KERNEL, backendName: 'wasm', kernelFunc: interleave2x2 as never });
  return true;
}
