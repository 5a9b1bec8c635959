import { getKernel, registerKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { convKernels, directConv2d, type Pad } from './wasm-conv';
import { winogradConv2d } from './wasm-winograd';

/**
 * Our Conv2D kernel on TF.js WASM (core/supernet/fast-ops.ts runs the supernets' convs and their
 * input gradients on it): Winograd (wasm-winograd.ts: F(4×4, 3×3) or F(2×2, 3×3) by the output's
 * size) for stride-1 3×3 convs with at least 16 input channels, the direct SIMD conv (wasm-conv.ts)
 * otherwise. Per call, 16 images (bench/results/supernet-speed.md): [16, 14, 14, 16] ⊛ 3×3×16×16
 * 0.49 → 0.27 ms (F(2×2)), [16, 7, 7, 32] ⊛ 3×3×32×32 0.43 → 0.21 (F(4×4)). At 8 input channels
 * ([16, 28, 28, 8] ⊛ 3×3×8×8) F(4×4) is faster alone (0.42 vs 0.48 ms, F(2×2) 0.55) but slower
 * inside a training step (0.47–0.48 vs 0.43–0.44 ms per call: its 0.9 MB of transformed tiles
 * do not stay in cache there), so 8 channels keep the direct conv.
 */
export const CONV2D_KERNEL = 'L2nasConv2D';

/** Input channels from which a stride-1 3×3 conv runs as Winograd. */
export const WINOGRAD_MIN_INPUT_CHANNELS = 16;

function conv2dKernel({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  const { x, filter } = inputs;
  const stride = (attrs.stride as number | undefined) ?? 1;
  const pad = attrs.pad as Pad, rounding = attrs.dimRoundingMode as 'floor' | undefined;
  const out = (stride === 1 && x.shape[3] >= WINOGRAD_MIN_INPUT_CHANNELS ? winogradConv2d(backend, x, filter, pad, rounding) : null) ?? directConv2d(backend, x, filter, pad, rounding, stride);
  if (!out) throw new Error(`${CONV2D_KERNEL}: needs float32 NHWC x [${x.shape.join(', ')}] and a filter [${filter.shape.join(', ')}] with x's channels and output channels a multiple of 8, on TF.js WASM with SIMD`);
  return out;
}

/** Registers CONV2D_KERNEL on 'wasm' (idempotent) where our kernels run on `backend`; returns whether they do. */
export function wasmConvAvailable(backend: KernelBackend): boolean {
  if (!convKernels(backend)) return false;
  if (!getKernel(CONV2D_KERNEL, 'wasm')) registerKernel({ kernelName: CONV2D_KERNEL, backendName: 'wasm', kernelFunc: conv2dKernel as never });
  return true;
}
