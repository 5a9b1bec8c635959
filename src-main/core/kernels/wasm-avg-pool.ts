import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { POOL_SIMD_WASM } from './pool-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * NAS-Bench-201's 3×3 average pool (stride 1, padding 1, averaging valid cells only) and its
 * gradient as one TF.js WASM kernel each (issue #14 item 4): pool-simd.wat on TF.js WASM's
 * memory, instead of fast-ops.ts's composition (pad, AvgPool, Multiply, RealDiv forward; RealDiv,
 * pad, AvgPool, Multiply backward). Inputs x (or dy) [N, H, W, C] with C a multiple of 4 and
 * counts [H·W] (valid cells per window); attribute backward. The same float32 bits as the
 * composition (test/unit/wasm-training-kernels.test.ts).
 */
export const AVG_POOL_KERNEL = 'L2nasAvgPool3x3ExcludePad';

interface PoolExports {
  box(x: number, out: number, counts: number, divide: number, N: number, H: number, W: number, C: number): void;
  divide(x: number, out: number, counts: number, N: number, H: number, W: number, C: number): void;
}

function avgPool3x3({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Record<string, unknown> }): TensorInfo {
  const { x, counts } = inputs;
  if (x.shape.length !== 4 || x.dtype !== 'float32' || x.shape[3] % 4 !== 0) throw new Error(`${AVG_POOL_KERNEL}: a float32 NHWC tensor with a multiple of 4 channels is needed (got ${x.dtype} [${x.shape.join(', ')}])`);
  const [n, h, w, c] = x.shape;
  if (counts.dtype !== 'float32' || counts.shape.reduce((a, b) => a * b, 1) !== h * w) throw new Error(`${AVG_POOL_KERNEL}: counts must hold ${h * w} float32 values (got ${counts.dtype} [${counts.shape.join(', ')}])`);
  const k = heapKernels<PoolExports>(backend, POOL_SIMD_WASM);
  if (!k) throw new Error(`${AVG_POOL_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const out = b.makeOutput(x.shape, 'float32');
  if (!attrs.backward) {
    k.box(heapOffset(b, x), heapOffset(b, out), heapOffset(b, counts), 1, n, h, w, c);
    return out;
  }
  // dy / count first (per input cell, as the composition), then the box average of that.
  const scaled = b.makeOutput(x.shape, 'float32');
  try {
    k.divide(heapOffset(b, x), heapOffset(b, scaled), heapOffset(b, counts), n, h, w, c);
    k.box(heapOffset(b, scaled), heapOffset(b, out), heapOffset(b, counts), 0, n, h, w, c);
  } finally {
    b.disposeData(scaled.dataId);
  }
  return out;
}

/** Registers the kernel on 'wasm' (idempotent) where it can run on `backend`; returns whether it can. */
export function wasmAvgPoolAvailable(backend: KernelBackend): boolean {
  if (!heapKernels<PoolExports>(backend, POOL_SIMD_WASM)) return false;
  if (!getKernel(AVG_POOL_KERNEL, 'wasm')) registerKernel({ kernelName: AVG_POOL_KERNEL, backendName: 'wasm', kernelFunc: avgPool3x3 as never });
  return true;
}
