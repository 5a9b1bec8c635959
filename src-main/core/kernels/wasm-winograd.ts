import { backend_util, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { WINOGRAD_SIMD_WASM } from './winograd-simd-bytes';
import { convKernels, nhwc, padded, pair, type ConvExports } from './wasm-conv';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * Winograd F(2×2, 3×3) for the stride-1 3×3 convolutions of supernet training on TF.js WASM
 * (issue #14 item 4): the forward conv (and so the input gradient, which fast-ops.ts runs as a
 * stride-1 conv of dy with the rotated filter) and the filter gradient, with 16 multiply-adds
 * per 2×2 outputs and channel pair instead of 36. The transforms are winograd-simd.wat's; the
 * 16 matrix products per call are conv-simd.wat's direct kernels (a 1×1 conv, a 1×1 filter
 * gradient). This is other arithmetic than a direct conv: the same sums with other roundings
 * (test/unit/wasm-winograd.test.ts bounds the difference against XNNPACK's Conv2D and the
 * direct filter gradient, and checks the gradients against finite differences). It is still
 * WebAssembly SIMD without relaxed operations, so the same inputs give the same bits on every
 * machine, and a run resumes bit-identically. `null` where a shape is not covered (the caller
 * keeps its direct kernel): 3×3 filters, stride and dilation 1, NHWC float32, input channels a
 * multiple of 4 and output channels a multiple of 8.
 */

/** The transforms (winograd-simd.wat); `*plane`: the bytes from one of the 16 planes to the next. */
interface WinogradExports {
  inTf(xp: number, v: number, vplane: number, n: number, hp: number, wp: number, ci: number, th: number, tw: number): void;
  fTf(w: number, u: number, uplane: number, ci: number, co: number): void;
  outTf(m: number, mplane: number, out: number, n: number, oh: number, ow: number, co: number, th: number, tw: number): void;
  dyTf(dy: number, z: number, zplane: number, n: number, co: number, th: number, tw: number): void;
  fgTf(mg: number, mgplane: number, dw: number, ci: number, co: number): void;
}

/**
 * Bytes from one plane to the next for planes of `floats` values: a multiple of 4 KiB plus one
 * 64-byte line, so that the 16 streams a transform reads or writes fall in 16 different L1 cache
 * sets. Planes a multiple of 4 KiB apart (7×7 images, 32 channels: 256 tiles × 32 × 4 bytes)
 * share one set, and the transforms ran 5–7× slower (measured).
 */
function planeBytes(floats: number): number {
  return Math.ceil((4 * floats) / 4096) * 4096 + 64;
}

/** A scratch tensor holding 16 planes `plane` bytes apart. */
function planes(b: WasmBackendLike, plane: number): TensorInfo {
  return b.makeOutput([(16 * plane) / 4], 'float32');
}

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/** Whether a conv of x with a filter of this shape (stride 1, no dilation) is one Winograd F(2×2, 3×3) takes. */
export function winogradCovers(xShape: readonly number[], filterShape: readonly number[]): boolean {
  return xShape.length === 4 && filterShape.length === 4 && filterShape[0] === 3 && filterShape[1] === 3 && filterShape[2] === xShape[3] && filterShape[2] % 4 === 0 && filterShape[3] % 8 === 0;
}

interface Tiles {
  k: ConvExports;
  wk: WinogradExports;
  b: WasmBackendLike;
  th: number;
  tw: number;
  /** Tiles in all: n · th · tw. */
  t: number;
  /** V = Bᵀ d B of every tile, [16][t][ci] (planes vplane bytes apart); the caller disposes it. */
  v: TensorInfo;
  vplane: number;
}

/** The kernels, the tiling of an oh × ow output and the input transform of x (padded by top, left). */
function inputTiles(backend: KernelBackend, x: TensorInfo, oh: number, ow: number, top: number, left: number): Tiles | null {
  const k = convKernels(backend);
  const wk = heapKernels<WinogradExports>(backend, WINOGRAD_SIMD_WASM);
  if (!k || !wk) return null;
  const b = backend as WasmBackendLike;
  const [n, , , ci] = x.shape as Shape4;
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  const hp = 2 * th + 2, wp = 2 * tw + 2;
  const t = n * th * tw;
  const xp = padded(k, b, x, hp, wp, top, left);
  const vplane = planeBytes(t * ci);
  const v = planes(b, vplane);
  wk.inTf(heapOffset(b, xp), heapOffset(b, v), vplane, n, hp, wp, ci, th, tw);
  backend.disposeData(xp.dataId);
  return { k, wk, b, th, tw, t, v, vplane };
}

/** conv2d(x, filter) with stride 1 as Winograd F(2×2, 3×3); null where winogradCovers does not hold or the kernels cannot run. */
export function winogradConv2d(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !winogradCovers(x.shape, filter.shape) || x.shape[0] < 1) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, 1, 1, pad, dimRoundingMode);
  const { outHeight: oh, outWidth: ow } = info;
  if (oh < 1 || ow < 1) return null;
  const tiles = inputTiles(backend, x, oh, ow, info.padInfo.top, info.padInfo.left);
  if (!tiles) return null;
  const { k, wk, b, th, tw, t, v, vplane } = tiles;
  const [n, , , ci] = x.shape as Shape4;
  const co = filter.shape[3];
  const uplane = planeBytes(ci * co), mplane = planeBytes(t * co);
  const u = planes(b, uplane);
  wk.fTf(heapOffset(b, filter), heapOffset(b, u), uplane, ci, co);
  const m = planes(b, mplane);
  const [pv, pu, pm] = [heapOffset(b, v), heapOffset(b, u), heapOffset(b, m)];
  // Plane p: M_p [t, co] = V_p [t, ci] · U_p [ci, co], a 1×1 conv of t "pixels".
  for (let p = 0; p < 16; p++) k.conv(pv + p * vplane, pu + p * uplane, pm + p * mplane, 1, 1, t, 1, t, ci, co, 1, 1, 1);
  backend.disposeData(v.dataId);
  backend.disposeData(u.dataId);
  const out = b.makeOutput(info.outShape, 'float32');
  wk.outTf(pm, mplane, heapOffset(b, out), n, oh, ow, co, th, tw);
  backend.disposeData(m.dataId);
  return out;
}

/** Conv2DBackpropFilter of a stride-1 3×3 conv as Winograd F(2×2, 3×3); null where that does not apply. */
export function winogradFilterGrad(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, attrs: NamedAttrMap): TensorInfo | null {
  const filterShape = attrs.filterShape as Shape4;
  const [sh, sw] = pair(attrs.strides, 1);
  const [dh, dw] = pair(attrs.dilations, 1);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !nhwc(attrs.dataFormat) || sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1) return null;
  if (!winogradCovers(x.shape, filterShape) || dy.shape.length !== 4 || dy.shape[3] !== filterShape[3]) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, 1, 1, attrs.pad as Pad, attrs.dimRoundingMode as 'floor' | undefined);
  const { outHeight: oh, outWidth: ow } = info;
  const [n, , , ci] = x.shape as Shape4;
  const co = filterShape[3];
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || oh < 1 || ow < 1) return null;
  const tiles = inputTiles(backend, x, oh, ow, info.padInfo.top, info.padInfo.left);
  if (!tiles) return null;
  const { k, wk, b, th, tw, t, v, vplane } = tiles;
  // dY with zeros past odd sides: whole 2×2 tiles, whose outputs past oh, ow add nothing.
  const dyp = oh % 2 === 0 && ow % 2 === 0 ? null : padded(k, b, dy, 2 * th, 2 * tw, 0, 0);
  const zplane = planeBytes(t * co), mgplane = planeBytes(ci * co);
  const z = planes(b, zplane);
  wk.dyTf(heapOffset(b, dyp ?? dy), heapOffset(b, z), zplane, n, co, th, tw);
  if (dyp) backend.disposeData(dyp.dataId);
  const mg = planes(b, mgplane);
  const [pv, pz, pmg] = [heapOffset(b, v), heapOffset(b, z), heapOffset(b, mg)];
  // Plane p: Mg_p [ci, co] = Σ_t V_p[t, ci] Z_p[t, co], a 1×1 filter gradient over t "images".
  for (let p = 0; p < 16; p++) k.filterGrad(pv + p * vplane, pz + p * zplane, pmg + p * mgplane, t, 1, 1, 1, 1, ci, co, 1, 1, 1);
  backend.disposeData(v.dataId);
  backend.disposeData(z.dataId);
  const out = b.makeOutput(filterShape, 'float32');
  wk.fgTf(pmg, mgplane, heapOffset(b, out), ci, co);
  backend.disposeData(mg.dataId);
  return out;
}
