import { backend_util, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { CONV_SIMD_WASM } from './conv-simd-bytes';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * Direct convolutions on TF.js WASM's memory (conv-simd.wat; issue #14 item 4): Conv2D (one
 * stride for both axes, no dilation) and the filter gradient, with the same float32 bits as TF.js
 * WASM's XNNPACK Conv2D and as the composed Conv2DBackpropFilter (wasm-conv-gradients.ts) they
 * replace, because every output is summed in the same order from the same +0 start
 * (test/unit/wasm-direct-conv.test.ts checks the bits). Faster at the supernets' small channel counts: no indirection buffer or
 * operator set-up per call, the filter columns × channels of one filter row as one contiguous
 * run, and the filter gradient straight from NHWC x and dy (no transposes);
 * bench/results/supernet-speed.md has the measurements. Shapes they do not cover keep TF.js's
 * kernels: `null` from the functions below. The kernel registered as L2nasConv2D
 * (wasm-conv-kernel.ts) runs these or Winograd's (wasm-winograd.ts).
 */
export interface ConvExports {
  pad(x: number, xp: number, n: number, h: number, w: number, ci: number, hp: number, wp: number, top: number, left: number): void;
  conv(xp: number, w: number, out: number, n: number, oh: number, ow: number, hp: number, wp: number, ci: number, co: number, kh: number, kw: number, stride: number): void;
  padT(x: number, xt: number, n: number, h: number, w: number, ci: number, cit: number, hp: number, wp: number, top: number, left: number): void;
  filterGrad(xp: number, dy: number, out: number, n: number, oh: number, ow: number, hp: number, wp: number, ci: number, co: number, kh: number, kw: number, stride: number): void;
  patches(xp: number, col: number, n: number, hp: number, wp: number, ci: number, oh: number, ow: number, kh: number, kw: number, stride: number, rowLen: number): void;
}

type Shape4 = [number, number, number, number];
export type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/** A conv attribute (strides, dilations) as [rows, columns]; `fallback` where it is absent. */
export function pair(v: unknown, fallback = 1): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : (v as [number, number]);
}

/** Whether a conv kernel's dataFormat attribute means NHWC (absent counts as NHWC). */
export function nhwc(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

/** conv-simd.wat's exports on `backend`'s memory (null off TF.js WASM or without SIMD). */
export function convKernels(backend: KernelBackend): ConvExports | null {
  return heapKernels<ConvExports>(backend, CONV_SIMD_WASM);
}

/**
 * x zero-padded into a scratch tensor of [n, hp, wp, ci] (rows and columns past hp, wp dropped),
 * `slack` values longer; the caller disposes it.
 */
export function padded(k: ConvExports, b: WasmBackendLike, x: TensorInfo, hp: number, wp: number, top: number, left: number, slack = 0): TensorInfo {
  const [n, h, w, ci] = x.shape as Shape4;
  const xp = b.makeOutput([n * hp * wp * ci + slack], 'float32');
  k.pad(heapOffset(b, x), heapOffset(b, xp), n, h, w, ci, hp, wp, top, left);
  return xp;
}

/** x zero-padded into a scratch tensor laid out [hp, wp, n, ci]; the caller disposes it. */
function paddedPixelMajor(k: ConvExports, b: WasmBackendLike, x: TensorInfo, hp: number, wp: number, top: number, left: number): TensorInfo {
  const [n, h, w, ci] = x.shape as Shape4;
  const xt = b.makeOutput([n * hp * wp * ci], 'float32');
  // padT can also widen each pixel to more channels (zeros past ci); every caller now keeps ci.
  k.padT(heapOffset(b, x), heapOffset(b, xt), n, h, w, ci, ci, hp, wp, top, left);
  return xt;
}

/**
 * conv2d(x, filter) with dilation 1 and one stride for both axes (NHWC, float32, output channels
 * a multiple of 8) as our kernel; null where that does not apply (TF.js's Conv2D then).
 */
export function directConv2d(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil', stride = 1): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const [kh, kw, ci, co] = filter.shape as Shape4;
  if (co % 8 !== 0 || x.shape[3] !== ci || x.shape[0] < 1 || !Number.isInteger(stride) || stride < 1) return null;
  const k = convKernels(backend);
  if (!k) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, stride, 1, pad, dimRoundingMode);
  const { outHeight: oh, outWidth: ow } = info;
  if (oh < 1 || ow < 1) return null;
  const b = backend as WasmBackendLike;
  const hp = (oh - 1) * stride + kh, wp = (ow - 1) * stride + kw;
  const { top, left } = info.padInfo;
  // No padded copy where x already is the padded input (1×1 convs, 'valid' convs that use every row and column).
  const xp = top === 0 && left === 0 && hp === x.shape[1] && wp === x.shape[2] ? null : padded(k, b, x, hp, wp, top, left);
  const out = b.makeOutput(info.outShape, 'float32');
  k.conv(heapOffset(b, xp ?? x), heapOffset(b, filter), heapOffset(b, out), x.shape[0], oh, ow, hp, wp, ci, co, kh, kw, stride);
  if (xp) backend.disposeData(xp.dataId);
  return out;
}

/** Where a filter gradient's x is read: padded to hp × wp (top, left), for an oh × ow dy. */
interface FilterGradGeometry {
  hp: number;
  wp: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
}

/**
 * The filter gradient for input channels that are not a multiple of 4 (the stems' 1 or 3): x's
 * kh·kw·ci patches as rows of a matrix (padded with zeros to a multiple of 4 columns), and one
 * filterGrad of that depth over the n·oh·ow patches, in the order (y, x, n) the kernel sums in
 * for every filter tap: the same products summed in the same order as the per-tap kernel on x
 * padded to 4 channels, so the same bits, with 12 instead of 36 products per pixel and output
 * channel for a 3×3 filter on one channel.
 */
function patchFilterGrad(k: ConvExports, b: WasmBackendLike, x: TensorInfo, dy: TensorInfo, filterShape: Shape4, stride: number, g: FilterGradGeometry): TensorInfo {
  const [n, , , ci] = x.shape as Shape4;
  const [kh, kw, , co] = filterShape;
  const { hp, wp, oh, ow } = g;
  const depth = kh * kw * ci, rowLen = 4 * Math.ceil(depth / 4);
  // 4 values longer than their contents: patches' last 4-value copies may read and write past them.
  const xp = padded(k, b, x, hp, wp, g.top, g.left, 4);
  const col = b.makeOutput([n * oh * ow * rowLen + 4], 'float32');
  k.patches(heapOffset(b, xp), heapOffset(b, col), n, hp, wp, ci, oh, ow, kh, kw, stride, rowLen);
  b.disposeData(xp.dataId);
  const dyt = paddedPixelMajor(k, b, dy, oh, ow, 0, 0);
  const out = b.makeOutput(filterShape, 'float32');
  // Rows (ky, kx, c) of the result are the filter's [kh, kw, ci, co] layout: its first depth rows.
  const full = rowLen === depth ? out : b.makeOutput([rowLen, co], 'float32');
  k.filterGrad(heapOffset(b, col), heapOffset(b, dyt), heapOffset(b, full), n * oh * ow, 1, 1, 1, 1, rowLen, co, 1, 1, 1);
  if (full !== out) {
    b.typedArrayFromHeap(out).set(b.typedArrayFromHeap(full).subarray(0, depth * co));
    b.disposeData(full.dataId);
  }
  b.disposeData(col.dataId);
  b.disposeData(dyt.dataId);
  return out;
}

/**
 * Conv2DBackpropFilter (NHWC, float32, dilation 1, output channels a multiple of 8) as our
 * kernel; null where that does not apply. Input channels that are not a multiple of 4 (the
 * stems' 1 or 3) go through patchFilterGrad: the same sums as zero-padding x to a multiple of 4
 * channels and dropping the extra rows of the result.
 */
export function directConv2dFilterGrad(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, attrs: NamedAttrMap): TensorInfo | null {
  const filterShape = attrs.filterShape as Shape4;
  const [kh, kw, ci, co] = filterShape;
  const [sh, sw] = pair(attrs.strides, 1);
  const [dh, dw] = pair(attrs.dilations, 1);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !nhwc(attrs.dataFormat) || x.shape.length !== 4 || dy.shape.length !== 4) return null;
  if (sh !== sw || dh !== 1 || dw !== 1 || ci < 1 || co % 8 !== 0 || x.shape[3] !== ci || dy.shape[3] !== co) return null;
  const k = convKernels(backend);
  if (!k) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, sh, 1, attrs.pad as Pad, attrs.dimRoundingMode as 'floor' | undefined);
  const { outHeight: oh, outWidth: ow } = info;
  if (dy.shape[0] !== x.shape[0] || dy.shape[1] !== oh || dy.shape[2] !== ow || oh < 1 || ow < 1) return null;
  const b = backend as WasmBackendLike;
  const [n, h, w] = x.shape;
  const { top, left } = info.padInfo;
  const g: FilterGradGeometry = { hp: Math.max(h + top, (oh - 1) * sh + kh), wp: Math.max(w + left, (ow - 1) * sh + kw), top, left, oh, ow };
  if (ci % 4 !== 0) return patchFilterGrad(k, b, x, dy, filterShape, sh, g);
  const xt = paddedPixelMajor(k, b, x, g.hp, g.wp, top, left);
  const dyt = paddedPixelMajor(k, b, dy, oh, ow, 0, 0);
  const out = b.makeOutput(filterShape, 'float32');
  k.filterGrad(heapOffset(b, xt), heapOffset(b, dyt), heapOffset(b, out), n, oh, ow, g.hp, g.wp, ci, co, kh, kw, sh);
  backend.disposeData(xt.dataId);
  backend.disposeData(dyt.dataId);
  return out;
}

/** Whether directConv2d takes a filter of this shape (it never dilates: the caller's conv must not). */
export function directConvCovers(filterShape: readonly number[]): boolean {
  return filterShape.length === 4 && filterShape[3] % 8 === 0;
}
