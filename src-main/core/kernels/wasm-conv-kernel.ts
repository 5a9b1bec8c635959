import { getKernel, registerKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { convKernels, directConv2d, type Pad } from './wasm-conv';
import { winogradConv2d } from './wasm-winograd';

/**
 * Our Conv2D kernel on TF.js WASM (core/supernet/fast-ops.ts runs the supernets' convs and their
 * input gradients on it): Winograd F(2×2, 3×3) (wasm-winograd.ts) for stride-1 3×3 convs with at
 * least 16 input channels, the direct SIMD conv (wasm-conv.ts) otherwise. At 8 input channels
 * Winograd's 16 products per tile are matrix products of depth 8, too short to pay for the
 * transforms: 0.457 vs 0.442 ms for the NB201 demo's [16, 28, 28, 8] ⊛ [3, 3, 8, 8]; at 16 and 32
 * channels 0.275 vs 0.445 and 0.275 vs 0.429 ms (bench/results/supernet-speed.md).
 */
export const CONV2D_KERNEL = 'L2nasConv2D';

/** Input channels from which a stride-1 3×3 conv runs as Winograd F(2×2, 3×3). */
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
