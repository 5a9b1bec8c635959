import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import { POOL_SIMD_WASM } from './pool-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * The gradient of DARTS's 3×3 max pool (core/supernet/darts-ops.ts: x padded with −∞, a 'valid'
 * pool of stride 1 or 2, each window's gradient to its first cell equal to the max, as PyTorch)
 * as one TF.js WASM kernel: pool-simd.wat's maxArg (each window's argmax) and maxGrad (dx
 * gathered per input cell in the order of the composition it replaces), instead of ≈ 90 TF.js
 * kernels (per window cell a slice, subsample, equality and logical masks, a select, a
 * zero-inserted and padded copy, an add). Inputs xp (the padded x, [N, H+2, W+2, C]), y (the
 * pool's output) and dy, C a multiple of 4; attribute stride; output dx [N, H, W, C]. The same
 * float32 bits as the composition (test/unit/wasm-training-kernels.test.ts).
 */
export const MAX_POOL_GRAD_KERNEL = 'L2nasMaxPool3x3Grad';

interface MaxPoolExports {
  maxArg(xp: number, y: number, idx: number, n: number, hp: number, wp: number, c: number, oh: number, ow: number, s: number): void;
  maxGrad(idx: number, dy: number, dx: number, n: number, hp: number, wp: number, c: number, oh: number, ow: number, s: number): void;
}

function maxPoolGrad({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: Record<string, unknown> }): TensorInfo {
  const { xp, y, dy } = inputs;
  const s = attrs.stride as number;
  const fail = (what: string) => new Error(`${MAX_POOL_GRAD_KERNEL}: ${what}`);
  if (s !== 1 && s !== 2) throw fail(`stride must be 1 or 2 (got ${String(s)})`);
  for (const [name, t] of [['xp', xp], ['y', y], ['dy', dy]] as const) {
    if (!t || t.dtype !== 'float32' || t.shape.length !== 4) throw fail(`${name} must be a float32 NHWC tensor (got ${t ? `${t.dtype} [${t.shape.join(', ')}]` : 'none'})`);
  }
  const [n, hp, wp, c] = xp.shape;
  const oh = Math.floor((hp - 3) / s) + 1, ow = Math.floor((wp - 3) / s) + 1;
  if (c % 4 !== 0 || hp < 3 || wp < 3) throw fail(`xp needs at least 3×3 pixels and a multiple of 4 channels (got [${xp.shape.join(', ')}])`);
  for (const [name, t] of [['y', y], ['dy', dy]] as const) {
    if (t.shape.join() !== [n, oh, ow, c].join()) throw fail(`${name} must be [${[n, oh, ow, c].join(', ')}] for xp [${xp.shape.join(', ')}] and stride ${s} (got [${t.shape.join(', ')}])`);
  }
  const k = heapKernels<MaxPoolExports>(backend, POOL_SIMD_WASM);
  if (!k) throw fail("WebAssembly SIMD on TF.js WASM's memory is not available");
  const b = backend as WasmBackendLike;
  // One int32 argmax per window and channel, in a float32-sized scratch tensor.
  const idx = b.makeOutput([n * oh * ow * c], 'float32');
  const dx = b.makeOutput([n, hp - 2, wp - 2, c], 'float32');
  k.maxArg(heapOffset(b, xp), heapOffset(b, y), heapOffset(b, idx), n, hp, wp, c, oh, ow, s);
  k.maxGrad(heapOffset(b, idx), heapOffset(b, dy), heapOffset(b, dx), n, hp, wp, c, oh, ow, s);
  b.disposeData(idx.dataId);
  return dx;
}

/** Registers the kernel on 'wasm' (idempotent) where it can run on `backend`; returns whether it can. */
export function wasmMaxPoolAvailable(backend: KernelBackend): boolean {
  if (!heapKernels<MaxPoolExports>(backend, POOL_SIMD_WASM)) return false;
  if (!getKernel(MAX_POOL_GRAD_KERNEL, 'wasm')) registerKernel({ kernelName: MAX_POOL_GRAD_KERNEL, backendName: 'wasm', kernelFunc: maxPoolGrad as never });
  return true;
}
