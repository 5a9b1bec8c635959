import { backend_util, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { WINOGRAD_SIMD_WASM } from './winograd-simd-bytes';
import { convKernels, nhwc, padded, pair, type ConvExports } from './wasm-conv';
import { heapKernels, heapOffset, type WasmBackendLike } from './wasm-heap';

/**
 * Winograd convolutions (Lavin & Gray 2016) for the stride-1 3×3 convolutions of supernet
 * training on TF.js WASM (issue #14 item 4): the forward conv (and so the input gradient, which
 * fast-ops.ts runs as a stride-1 conv of dy with the rotated filter) and the filter gradient.
 * F(2×2, 3×3) computes 2×2 outputs from a 4×4 input tile with 16 products per input and output
 * channel instead of 36; F(4×4, 3×3) 4×4 outputs from 6×6 with 36 instead of 144 (winogradTile
 * picks one by how many outputs its tiles would waste). The transforms are winograd-simd.wat's;
 * the 16 or 36 matrix products per call are conv-simd.wat's direct kernels (a 1×1 conv, a 1×1
 * filter gradient). This is other arithmetic than a direct conv: the same sums with other
 * roundings, F(2×2)'s as close to the exact sums as the direct conv's, F(4×4)'s about 13× further
 * (a few millionths of the terms' magnitude: test/unit/wasm-winograd.test.ts measures both
 * against float64 sums). It is still WebAssembly SIMD without relaxed operations, so the same
 * inputs give the same bits on every machine, and a run resumes bit-identically. `null` where a
 * shape is not covered (the caller keeps its direct kernel): 3×3 filters, stride and dilation 1,
 * NHWC float32, input channels a multiple of 4 and output channels a multiple of 8.
 */

/** The transforms (winograd-simd.wat) of F(2×2, 3×3), and F(4×4, 3×3) as inTf4, …; `*plane`: the bytes from one plane to the next. */
type Transform<A extends unknown[]> = (...args: A) => void;
interface Transforms {
  inTf: Transform<[xp: number, v: number, vplane: number, n: number, hp: number, wp: number, ci: number, th: number, tw: number]>;
  fTf: Transform<[w: number, u: number, uplane: number, ci: number, co: number]>;
  outTf: Transform<[m: number, mplane: number, out: number, n: number, oh: number, ow: number, co: number, th: number, tw: number]>;
  dyTf: Transform<[dy: number, z: number, zplane: number, n: number, co: number, th: number, tw: number]>;
  fgTf: Transform<[mg: number, mgplane: number, dw: number, ci: number, co: number]>;
}
type WinogradExports = Transforms & { [K in keyof Transforms as `${K}4`]: Transforms[K] };

/** Output tile side m of F(m×m, 3×3): 2 or 4. */
export type WinogradTile = 2 | 4;

/** One variant's transforms and sizes: m × m outputs from an (m + 2) × (m + 2) input tile, (m + 2)² planes. */
interface Variant extends Transforms {
  m: WinogradTile;
  planes: number;
}

function variant(wk: WinogradExports, m: WinogradTile): Variant {
  return m === 2
    ? { m, planes: 16, inTf: wk.inTf, fTf: wk.fTf, outTf: wk.outTf, dyTf: wk.dyTf, fgTf: wk.fgTf }
    : { m, planes: 36, inTf: wk.inTf4, fTf: wk.fTf4, outTf: wk.outTf4, dyTf: wk.dyTf4, fgTf: wk.fgTf4 };
}

/**
 * The tile for an oh × ow output: F(4×4) where the 4-row tiles waste little (28×28: none; 7×7:
 * as much as F(2×2)'s), F(2×2) where they would waste more than F(2×2)'s (14×14: 16² vs 14²).
 * Measured per call in bench/results/supernet-speed.md.
 */
export function winogradTile(oh: number, ow: number): WinogradTile {
  const waste = (m: number) => (Math.ceil(oh / m) * m * Math.ceil(ow / m) * m) / (oh * ow);
  return waste(4) <= waste(2) * 1.05 ? 4 : 2;
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

/** A scratch tensor holding `count` planes `plane` bytes apart. */
function planes(b: WasmBackendLike, count: number, plane: number): TensorInfo {
  return b.makeOutput([(count * plane) / 4], 'float32');
}

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;

/** Whether a conv of x with a filter of this shape (stride 1, no dilation) is one Winograd F(2×2, 3×3) takes. */
export function winogradCovers(xShape: readonly number[], filterShape: readonly number[]): boolean {
  return xShape.length === 4 && filterShape.length === 4 && filterShape[0] === 3 && filterShape[1] === 3 && filterShape[2] === xShape[3] && filterShape[2] % 4 === 0 && filterShape[3] % 8 === 0;
}

interface Tiles {
  k: ConvExports;
  t: Variant;
  b: WasmBackendLike;
  th: number;
  tw: number;
  /** Tiles in all: n · th · tw. */
  tiles: number;
  /** V = Bᵀ d B of every tile, [planes][tiles][ci] (planes vplane bytes apart); the caller disposes it. */
  v: TensorInfo;
  vplane: number;
}

/** The kernels, the tiling of an oh × ow output and the input transform of x (padded by top, left). */
function inputTiles(backend: KernelBackend, x: TensorInfo, oh: number, ow: number, top: number, left: number, m: WinogradTile): Tiles | null {
  const k = convKernels(backend);
  const wk = heapKernels<WinogradExports>(backend, WINOGRAD_SIMD_WASM);
  if (!k || !wk) return null;
  const t = variant(wk, m);
  const b = backend as WasmBackendLike;
  const [n, , , ci] = x.shape as Shape4;
  const th = Math.ceil(oh / m), tw = Math.ceil(ow / m);
  const hp = m * th + 2, wp = m * tw + 2;
  const tiles = n * th * tw;
  const xp = padded(k, b, x, hp, wp, top, left);
  const vplane = planeBytes(tiles * ci);
  const v = planes(b, t.planes, vplane);
  t.inTf(heapOffset(b, xp), heapOffset(b, v), vplane, n, hp, wp, ci, th, tw);
  backend.disposeData(xp.dataId);
  return { k, t, b, th, tw, tiles, v, vplane };
}

/**
 * conv2d(x, filter) with stride 1 as Winograd F(m×m, 3×3) (m: winogradTile's unless given); null
 * where winogradCovers does not hold or the kernels cannot run.
 */
export function winogradConv2d(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil', tile?: WinogradTile): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !winogradCovers(x.shape, filter.shape) || x.shape[0] < 1) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, 1, 1, pad, dimRoundingMode);
  const { outHeight: oh, outWidth: ow } = info;
  if (oh < 1 || ow < 1) return null;
  const tiled = inputTiles(backend, x, oh, ow, info.padInfo.top, info.padInfo.left, tile ?? winogradTile(oh, ow));
  if (!tiled) return null;
  const { k, t, b, th, tw, tiles, v, vplane } = tiled;
  const [n, , , ci] = x.shape as Shape4;
  const co = filter.shape[3];
  const uplane = planeBytes(ci * co), mplane = planeBytes(tiles * co);
  const u = planes(b, t.planes, uplane);
  t.fTf(heapOffset(b, filter), heapOffset(b, u), uplane, ci, co);
  const m = planes(b, t.planes, mplane);
  const [pv, pu, pm] = [heapOffset(b, v), heapOffset(b, u), heapOffset(b, m)];
  // Plane p: M_p [tiles, co] = V_p [tiles, ci] · U_p [ci, co], a 1×1 conv of `tiles` "pixels".
  for (let p = 0; p < t.planes; p++) k.conv(pv + p * vplane, pu + p * uplane, pm + p * mplane, 1, 1, tiles, 1, tiles, ci, co, 1, 1, 1);
  backend.disposeData(v.dataId);
  backend.disposeData(u.dataId);
  const out = b.makeOutput(info.outShape, 'float32');
  t.outTf(pm, mplane, heapOffset(b, out), n, oh, ow, co, th, tw);
  backend.disposeData(m.dataId);
  return out;
}

/** Conv2DBackpropFilter of a stride-1 3×3 conv as Winograd F(m×m, 3×3) (m as winogradConv2d's); null where that does not apply. */
export function winogradFilterGrad(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, attrs: NamedAttrMap, tile?: WinogradTile): TensorInfo | null {
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
  const mt = tile ?? winogradTile(oh, ow);
  const tiled = inputTiles(backend, x, oh, ow, info.padInfo.top, info.padInfo.left, mt);
  if (!tiled) return null;
  const { k, t, b, th, tw, tiles, v, vplane } = tiled;
  // dY with zeros past sides that are not a multiple of m: whole tiles, whose outputs past oh, ow add nothing.
  const dyp = oh % mt === 0 && ow % mt === 0 ? null : padded(k, b, dy, mt * th, mt * tw, 0, 0);
  const zplane = planeBytes(tiles * co), mgplane = planeBytes(ci * co);
  const z = planes(b, t.planes, zplane);
  t.dyTf(heapOffset(b, dyp ?? dy), heapOffset(b, z), zplane, n, co, th, tw);
  if (dyp) backend.disposeData(dyp.dataId);
  const mg = planes(b, t.planes, mgplane);
  const [pv, pz, pmg] = [heapOffset(b, v), heapOffset(b, z), heapOffset(b, mg)];
  // Plane p: Mg_p [ci, co] = Σ_t V_p[t, ci] Z_p[t, co], a 1×1 filter gradient over `tiles` "images".
  for (let p = 0; p < t.planes; p++) k.filterGrad(pv + p * vplane, pz + p * zplane, pmg + p * mgplane, tiles, 1, 1, 1, 1, ci, co, 1, 1, 1);
  backend.disposeData(v.dataId);
  backend.disposeData(z.dataId);
  const out = b.makeOutput(filterShape, 'float32');
  t.fgTf(pmg, mgplane, heapOffset(b, out), ci, co);
  backend.disposeData(mg.dataId);
  return out;
}
