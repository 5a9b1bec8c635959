import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { SGD_SIMD_WASM } from './sgd-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * SgdMomentum's update of one parameter as one TF.js WASM kernel (issue #14 item 4): inputs w, b
 * (the momentum buffer) and g, attributes lr, momentum and weightDecay; outputs [w', b'] (the
 * optimizer assigns them). One call into sgd-simd.wat on TF.js WASM's memory instead of 5
 * TF.js kernels (4 without weight decay), each with its own dispatch; the same float32 bits
 * (test/unit/wasm-training-kernels.test.ts).
 */
export const SGD_MOMENTUM_KERNEL = 'L2nasSgdMomentum';

interface SgdExports {
  sgd(w: number, b: number, g: number, wOut: number, bOut: number, n: number, wd: number, mu: number, lr: number): void;
}

function sgdMomentum({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Record<string, unknown> }): TensorInfo[] {
  const { w, b, g } = inputs;
  for (const [name, t] of [['b', b], ['g', g]] as const) {
    if (t.dtype !== 'float32' || w.dtype !== 'float32' || t.shape.join(',') !== w.shape.join(',')) {
      throw new Error(`${SGD_MOMENTUM_KERNEL}: ${name} must be float32 of w's shape [${w.shape.join(', ')}] (got ${t.dtype} [${t.shape.join(', ')}])`);
    }
  }
  const k = heapKernels<SgdExports>(backend, SGD_SIMD_WASM);
  if (!k) throw new Error(`${SGD_MOMENTUM_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const be = backend as WasmBackendLike;
  const wOut = be.makeOutput(w.shape, 'float32');
  const bOut = be.makeOutput(w.shape, 'float32');
  const n = w.shape.reduce((a, c) => a * c, 1);
  k.sgd(heapOffset(be, w), heapOffset(be, b), heapOffset(be, g), heapOffset(be, wOut), heapOffset(be, bOut), n, attrs.weightDecay as number, attrs.momentum as number, attrs.lr as number);
  return [wOut, bOut];
}

/** Registers the kernel on 'wasm' (idempotent) where it can run on `backend`; returns whether it can. */
export function wasmSgdAvailable(backend: KernelBackend): boolean {
  if (!heapKernels<SgdExports>(backend, SGD_SIMD_WASM)) return false;
  if (!getKernel(SGD_MOMENTUM_KERNEL, 'wasm')) registerKernel({ kernelName: SGD_MOMENTUM_KERNEL, backendName: 'wasm', kernelFunc: sgdMomentum as never });
  return true;
}
