import {
  backend_util,
  Conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  getKernel,
  registerKernel,
  type KernelBackend,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { wasmTranspose } from './wasm-transpose';
import { directConv2dFilterGrad, nhwc, pair } from './wasm-conv';
import { winogradFilterGrad } from './wasm-winograd';
import type { WasmBackendLike } from './wasm-heap';

/**
 * Convolution gradients the TF.js WASM backend lacks (docs/ARCHITECTURE.md, "Estimators": supernet training without
 * a GPU): Conv2DBackpropFilter and the two depthwise gradients. Without them a conv net cannot
 * train on WASM at all, and the CPU backend's own conv gradient is ~700× slower (4.7 s vs 7 ms
 * for a [32,28,28,8] input, measured here). Each is composed from WASM kernels that exist
 * (Conv2D, DepthwiseConv2dNative, Conv2DBackpropInput, Transpose, PadV2, Slice, Reverse, Sum,
 * Multiply), using the identity that a filter gradient is itself a correlation:
 *
 *   dW[kh,kw,ci,co] = Σ_{n,y,x} xpad[n, kh·d + y·s, kw·d + x·s, ci] · dy[n,y,x,co]
 *
 * i.e. a 'valid' conv of xpad transposed to [Ci, Hp, Wp, N] with dy transposed to
 * [H', W', N, Co] as the filter, conv stride = the forward dilation d and conv dilation = the
 * forward stride s (TF.js allows only one of them > 1, as does the forward op). NHWC only.
 * TF.js core itself refuses gradients of DILATED convolutions ("dilation rates greater than 1
 * are not yet supported in gradients"), so the dilated convs that train (DARTS dil_conv) are
 * built from undilated convs over 2×2 phases of the input (core/supernet/darts-ops.ts), whose
 * gradients these kernels give.
 * Checked against the CPU backend's gradients and finite differences (test/unit/wasm-conv-gradients.test.ts).
 */

type Inputs = Record<string, TensorInfo>;

class Scratch {
  private readonly made: TensorInfo[] = [];
  constructor(private readonly backend: KernelBackend) {}
  run(name: string, inputs: Inputs, attrs: NamedAttrMap = {}): TensorInfo {
    const k = getKernel(name, 'wasm');
    if (!k) throw new Error(`WASM kernel ${name} is not registered`);
    const out = k.kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.made.push(out);
    return out;
  }
  /** perm of x: our WebAssembly copy where it covers the perm (wasm-transpose.ts), else TF.js's Transpose. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const out = wasmTranspose(this.backend, x, perm);
    if (!out) return this.run('Transpose', { x }, { perm });
    this.made.push(out);
    return out;
  }
  /** Disposes every intermediate except `keep`. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }
}

function checkNhwc(kernel: string, dataFormat: unknown): void {
  if (!nhwc(dataFormat)) {
    throw new Error(`${kernel} on WASM: only NHWC is supported (got ${String(dataFormat)})`);
  }
}

interface FilterGradGeometry {
  /** Zeros around the transposed x's spatial axes (top, bottom, left, right) the correlation adds itself. */
  pads: [number, number, number, number];
  xT: TensorInfo;
  dyT: TensorInfo;
  strides: [number, number];
  dilations: [number, number];
  kh: number;
  kw: number;
}

/** Pads x as the forward op did and puts the batch where the correlation sums over it. */
function filterGradOperands(s: Scratch, x: TensorInfo, dy: TensorInfo, attrs: NamedAttrMap, filterShape: [number, number, number, number], depthwise: boolean, xPerm: number[], dyPerm: number[], padInConv = false): FilterGradGeometry {
  const strides = pair(attrs.strides);
  const dilations = pair(attrs.dilations);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations,
    attrs.pad as 'same' | 'valid' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, depthwise,
  );
  const { top, bottom, left, right } = info.padInfo;
  const pads: [number, number, number, number] = [top, Math.max(0, bottom), left, Math.max(0, right)];
  const xpad = !padInConv && (top || bottom || left || right)
    ? s.run('PadV2', { x }, { paddings: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], constantValue: 0 })
    : x;
  return {
    pads: padInConv ? pads : [0, 0, 0, 0],
    xT: s.transpose(xpad, xPerm),
    dyT: s.transpose(dy, dyPerm),
    // Swapped on purpose: see the identity above.
    strides: dilations,
    dilations: strides,
    kh: filterShape[0],
    kw: filterShape[1],
  };
}

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: Inputs; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  // Winograd for stride-1 3×3 filters (wasm-winograd.ts; per call, 16 images: 28×28×8 0.55 →
  // 0.39 ms with F(4×4), 14×14×16 0.47 → 0.24 with F(2×2), 7×7×32 0.48 → 0.18 with F(4×4)), else our direct kernel (wasm-conv.ts: the same float32
  // bits as the composition, without its transposes), where they cover the shapes (null for NCHW,
  // which the composition then refuses by name).
  const { x, dy } = inputs;
  return winogradFilterGrad(backend, x, dy, attrs) ?? directConv2dFilterGrad(backend, x, dy, attrs) ?? composedConv2dBackpropFilter({ inputs, backend, attrs });
}

/** Conv2DBackpropFilter composed from TF.js WASM kernels (any shape; exported for the bit-for-bit test of the direct kernel). */
export function composedConv2dBackpropFilter({ inputs, backend, attrs }: { inputs: Inputs; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  checkNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const s = new Scratch(backend);
  // The forward's zero padding is the correlation's own (explicit) padding: XNNPACK reads zeros
  // there instead of a padded copy of x (a PadV2 less per call; the same products and sums).
  const g = filterGradOperands(s, x, dy, attrs, filterShape, false, [3, 1, 2, 0], [1, 2, 0, 3], true);
  const [pt, pb, pl, pr] = g.pads;
  // [Ci, oh, ow, Co], oh ≥ kh: rows past the filter come from padding the forward never used.
  let out = s.run('Conv2D', { x: g.xT, filter: g.dyT }, { strides: g.strides, pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]], dataFormat: 'NHWC', dilations: g.dilations });
  if (out.shape[1] !== g.kh || out.shape[2] !== g.kw) {
    out = s.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [out.shape[0], g.kh, g.kw, out.shape[3]] });
  }
  return s.finish(s.transpose(out, [1, 2, 0, 3]));
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: { inputs: Inputs; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  checkNhwc('DepthwiseConv2dNativeBackpropFilter', attrs.dataFormat);
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (filterShape[3] !== 1) throw new Error('DepthwiseConv2dNativeBackpropFilter on WASM: channel multiplier must be 1');
  const [n, , , c] = x.shape;
  const s = new Scratch(backend);
  // (c, n) pairs become the channels of one image: a depthwise correlation per pair, then Σ_n.
  const g = filterGradOperands(s, x, dy, attrs, filterShape, true, [1, 2, 3, 0], [1, 2, 3, 0]);
  const [hp, wp] = g.xT.shape; // [Hp, Wp, C, N]
  const xin = s.run('Reshape', { x: g.xT }, { shape: [1, hp, wp, c * n] });
  const [h2, w2] = g.dyT.shape; // [H', W', C, N]
  const filt = s.run('Reshape', { x: g.dyT }, { shape: [h2, w2, c * n, 1] });
  let out = s.run('DepthwiseConv2dNative', { x: xin, filter: filt }, { strides: g.strides, pad: 'valid', dataFormat: 'NHWC', dilations: g.dilations });
  if (out.shape[1] !== g.kh || out.shape[2] !== g.kw) {
    out = s.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [1, g.kh, g.kw, c * n] });
  }
  const per = s.run('Reshape', { x: out }, { shape: [g.kh, g.kw, c, n] });
  const summed = s.run('Sum', { x: per }, { axis: [3], keepDims: false });
  return s.finish(s.run('Reshape', { x: summed }, { shape: [g.kh, g.kw, c, 1] }));
}

function depthwiseBackpropInput({ inputs, backend, attrs }: { inputs: Inputs; backend: KernelBackend; attrs: NamedAttrMap }): TensorInfo {
  checkNhwc('DepthwiseConv2dNativeBackpropInput', attrs.dataFormat);
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const [kh, kw, c, m] = filter.shape;
  if (m !== 1) throw new Error('DepthwiseConv2dNativeBackpropInput on WASM: channel multiplier must be 1');
  const strides = pair(attrs.strides);
  const dilations = pair(attrs.dilations);
  const s = new Scratch(backend);
  if (strides[0] === 1 && strides[1] === 1) {
    // Full correlation of dy with the 180°-rotated filter, at the forward dilation.
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], 1, dilations, attrs.pad as 'same' | 'valid' | number, attrs.dimRoundingMode as 'floor' | undefined, true);
    const ekh = (kh - 1) * dilations[0] + 1;
    const ekw = (kw - 1) * dilations[1] + 1;
    const [, h, w] = inputShape;
    const [, h2, w2] = dy.shape;
    const top = ekh - 1 - info.padInfo.top;
    const left = ekw - 1 - info.padInfo.left;
    const bottom = h + ekh - 1 - h2 - top;
    const right = w + ekw - 1 - w2 - left;
    const dypad = s.run('PadV2', { x: dy }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
    const rot = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    return s.finish(s.run('DepthwiseConv2dNative', { x: dypad, filter: rot }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations }));
  }
  if (dilations[0] !== 1 || dilations[1] !== 1) {
    throw new Error('DepthwiseConv2dNativeBackpropInput: strides and dilations both > 1 are not supported by TF.js');
  }
  // Strided: the depthwise filter as a block-diagonal full filter, through Conv2DBackpropInput.
  const eye = new Float32Array(c * c);
  for (let i = 0; i < c; i++) eye[i * c + i] = 1;
  const wasm = backend as WasmBackendLike;
  const eyeT = wasm.makeOutput([1, 1, c, c], 'float32');
  wasm.typedArrayFromHeap(eyeT).set(eye);
  try {
    const diag = s.run('Multiply', { a: filter, b: eyeT }); // [kh,kw,c,1]·[1,1,c,c] → [kh,kw,c,c]
    return s.finish(s.run('Conv2DBackpropInput', { dy, filter: diag }, { strides, pad: attrs.pad, dataFormat: 'NHWC', dimRoundingMode: attrs.dimRoundingMode, inputShape }));
  } finally {
    backend.disposeData(eyeT.dataId);
  }
}

let registered = false;

/** Registers the missing gradient kernels on the WASM backend (idempotent; never replaces a built-in one). */
export function registerWasmConvGradients(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, (a: { inputs: Inputs; backend: KernelBackend; attrs: NamedAttrMap }) => TensorInfo][] = [
    [Conv2DBackpropFilter, conv2dBackpropFilter],
    [DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter],
    [DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput],
  ];
  for (const [name, fn] of kernels) {
    if (!getKernel(name, 'wasm')) registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: fn as never });
  }
}
