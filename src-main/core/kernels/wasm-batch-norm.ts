import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';
import { BN_SIMD_WASM } from './bn-simd-bytes';

/**
 * Training-mode batch norm as two TF.js WASM kernels (issue #14 item 4): the forward pass
 * (batch statistics and y; outputs [y, mean, invStd]) and its closed-form gradient (inputs dy, x,
 * mean, gamma, invStd: it computes x̂ = (x − mean)·invStd again, the forward's arithmetic, instead
 * of the forward writing and the engine keeping a second tensor of x's size), each one call into bn-simd.wat,
 * which works in place on TF.js WASM's own memory (it imports that WebAssembly.Memory). The
 * TF.js composition in core/supernet/fast-ops.ts (batchNormTrainTf) is 9 kernels forward and 10
 * backward, most of them broadcasting multiplies and reductions that TF.js WASM runs without
 * SIMD: 10 of 30 ms of an NB201 supernet step (bench/results/supernet-speed.md). The arithmetic
 * is the composition's in the same order, so the results have the same float32 bits
 * (test/unit/wasm-training-kernels.test.ts checks it).
 */

export const BN_TRAIN_KERNEL = 'L2nasBatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'L2nasBatchNormTrainGrad';

interface BnExports {
  forward(x: number, y: number, mean: number, gamma: number, beta: number, inv: number, P: number, C: number, eps: number): void;
  backward(dy: number, x: number, mean: number, gamma: number, inv: number, dx: number, dgamma: number, dbeta: number, P: number, C: number): void;
}

const kernelsFor = (backend: KernelBackend) => heapKernels<BnExports>(backend, BN_SIMD_WASM);
const offset = (b: KernelBackend, t: TensorInfo) => heapOffset(b, t);

function geometry(kernel: string, x: TensorInfo, gamma: TensorInfo): { P: number; C: number } {
  if (x.shape.length !== 4 || x.dtype !== 'float32') throw new Error(`${kernel}: x must be a float32 NHWC tensor (got ${x.dtype} [${x.shape.join(', ')}])`);
  const C = x.shape[3];
  if (C % 4 !== 0) throw new Error(`${kernel}: the channel count must be a multiple of 4 (got ${C})`);
  if (gamma.shape.length !== 1 || gamma.shape[0] !== C) throw new Error(`${kernel}: gamma must have ${C} values (got [${gamma.shape.join(', ')}])`);
  return { P: x.shape[0] * x.shape[1] * x.shape[2], C };
}

function bnForward({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Record<string, unknown> }): TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const { P, C } = geometry(BN_TRAIN_KERNEL, x, gamma);
  const k = kernelsFor(backend);
  if (!k) throw new Error(`${BN_TRAIN_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const y = b.makeOutput(x.shape, 'float32');
  const mean = b.makeOutput([C], 'float32');
  const inv = b.makeOutput([C], 'float32');
  k.forward(offset(b, x), offset(b, y), offset(b, mean), offset(b, gamma), offset(b, beta), offset(b, inv), P, C, attrs.epsilon as number);
  return [y, mean, inv];
}

function bnBackward({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo[] {
  const { dy, x, mean, gamma, invStd } = inputs;
  const { P, C } = geometry(BN_TRAIN_GRAD_KERNEL, x, gamma);
  for (const [name, t] of [['dy', dy], ['mean', mean], ['invStd', invStd]] as const) {
    const want = name === 'dy' ? x.shape : [C];
    if (t.dtype !== 'float32' || t.shape.join() !== want.join()) throw new Error(`${BN_TRAIN_GRAD_KERNEL}: ${name} must be float32 [${want.join(', ')}] (got ${t.dtype} [${t.shape.join(', ')}])`);
  }
  const k = kernelsFor(backend);
  if (!k) throw new Error(`${BN_TRAIN_GRAD_KERNEL}: WebAssembly SIMD on TF.js WASM's memory is not available`);
  const b = backend as WasmBackendLike;
  const dx = b.makeOutput(x.shape, 'float32');
  const dgamma = b.makeOutput([C], 'float32');
  const dbeta = b.makeOutput([C], 'float32');
  k.backward(offset(b, dy), offset(b, x), offset(b, mean), offset(b, gamma), offset(b, invStd), offset(b, dx), offset(b, dgamma), offset(b, dbeta), P, C);
  return [dx, dgamma, dbeta];
}

/**
 * Registers both kernels on 'wasm' (idempotent) where they can run on `backend` (the current
 * TF.js backend, which must be WASM); returns whether they are usable.
 */
export function wasmBatchNormAvailable(backend: KernelBackend): boolean {
  if (!kernelsFor(backend)) return false;
  if (!getKernel(BN_TRAIN_KERNEL, 'wasm')) registerKernel({ kernelName: BN_TRAIN_KERNEL, backendName: 'wasm', kernelFunc: bnForward as never });
  if (!getKernel(BN_TRAIN_GRAD_KERNEL, 'wasm')) registerKernel({ kernelName: BN_TRAIN_GRAD_KERNEL, backendName: 'wasm', kernelFunc: bnBackward as never });
  return true;
}
