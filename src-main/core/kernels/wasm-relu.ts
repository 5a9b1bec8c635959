import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { RELU_SIMD_WASM } from './relu-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * The ReLU gradient as one TF.js WASM kernel (relu-simd.wat on TF.js's memory): inputs x (the
 * ReLU's input) and dy of one shape, float32; out = dy · step(x), the arithmetic of TF.js's own
 * gradient (Step, Cast, Multiply: three kernels), so the same float32 bits
 * (test/unit/wasm-training-kernels.test.ts).
 */
export const RELU_GRAD_KERNEL = 'L2nasReluGrad';
/** ReLU itself (float32), the bits of TF.js WASM's Relu without its dispatch through XNNPACK. */
export const RELU_KERNEL = 'L2nasRelu';

interface ReluExports {
  relu(x: number, out: number, n: number): void;
  reluGrad(x: number, dy: number, out: number, n: number): void;
}

function reluForward({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo {
  const { x } = inputs;
  if (x.dtype !== 'float32') throw new Error(`${RELU_KERNEL}: float32 x is needed (got ${x.dtype})`);
  const k = heapKernels<ReluExports>(backend, RELU_SIMD_WASM);
  if (!k) throw new Error(`${RELU_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const out = b.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((p, q) => p * q, 1);
  if (n > 0) k.relu(heapOffset(b, x), heapOffset(b, out), n);
  return out;
}

function reluGrad({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo {
  const { x, dy } = inputs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.join() !== dy.shape.join()) throw new Error(`${RELU_GRAD_KERNEL}: float32 x and dy of one shape are needed (got x ${x.dtype} [${x.shape.join(', ')}], dy ${dy.dtype} [${dy.shape.join(', ')}])`);
  const k = heapKernels<ReluExports>(backend, RELU_SIMD_WASM);
  if (!k) throw new Error(`${RELU_GRAD_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const out = b.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((p, q) => p * q, 1);
  if (n > 0) k.reluGrad(heapOffset(b, x), heapOffset(b, dy), heapOffset(b, out), n);
  return out;
}

/** Registers the kernel on 'wasm' (idempotent) where it can run on `backend`; returns whether it can. */
export function wasmReluAvailable(backend: KernelBackend): boolean {
  if (!heapKernels<ReluExports>(backend, RELU_SIMD_WASM)) return false;
  if (!getKernel(RELU_GRAD_KERNEL, 'wasm')) registerKernel({ kernelName: RELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: reluGrad as never });
  if (!getKernel(RELU_KERNEL, 'wasm')) registerKernel({ kernelName: RELU_KERNEL, backendName: 'wasm', kernelFunc: reluForward as never });
  return true;
}
