import * as tf from '@tensorflow/tfjs-core';
import type { DartsOp } from '../../common/spaces/darts';
import { onWasmKernels } from '../kernels/wasm-heap';
import { MAX_POOL_GRAD_KERNEL, wasmMaxPoolAvailable } from '../kernels/wasm-max-pool';
import { avgPool3x3ExcludePad, batchNormTrain, conv2dSame } from './fast-ops';
import type { ParamStore } from './param-store';

const maxPoolKernelAvailable = onWasmKernels(wasmMaxPoolAvailable);

/**
 * The DARTS operations (Liu et al. 2019, `operations.py`), NHWC, as pure functions of
 * (params, name prefix, x, C_out, stride[, affine]). Weights are created lazily in the
 * ParamStore under `${name}.…`; batch norm uses batch statistics (as the NAS-Bench-201
 * supernet). Padding follows PyTorch exactly (symmetric `padding`, explicit pads and 'valid'
 * kernels): TF.js 'same' with stride 2 pads only bottom/right on even sizes, which shifts every
 * window of a stride-2 op by one pixel against DARTS.
 */

/** `none` adds nothing (null, like Nb201Supernet.edge); DARTS genotypes never contain it. */
export type DartsOpName = DartsOp | 'none';
export type Stride = 1 | 2;

/** Zero-pads the two spatial axes by `p` (top/left) and `q` (bottom/right, default p). */
function padHW(x: tf.Tensor4D, p: number, q = p, value = 0): tf.Tensor4D {
  return p === 0 && q === 0 ? x : tf.pad(x, [[0, 0], [p, q], [p, q], [0, 0]], value);
}

/** x cropped or zero-padded at the bottom/right to H×W. */
function fitHW(x: tf.Tensor4D, H: number, W: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cropped = H < h || W < w ? tf.slice(x, [0, 0, 0, 0], [n, Math.min(h, H), Math.min(w, W), c]) : x;
  return H > h || W > w ? tf.pad(cropped, [[0, 0], [0, Math.max(0, H - h)], [0, Math.max(0, W - w)], [0, 0]]) : cropped;
}

/**
 * x[:, a::s, b::s, :] (a, b < s) through reshape → 4-D slice → reshape, which have gradients
 * (TF.js has none for StridedSlice). Viewing [N, s·oh, s·ow, C] as [N·oh, s, ow, s·C] puts row
 * phase a on axis 1 and column phase b in channel block b: 5× faster on WASM than a 6-D reshape
 * or SpaceToBatchND (measured on [32, 28, 28, 8]).
 */
export function subsample(x: tf.Tensor4D, s: number, a = 0, b = a): tf.Tensor4D {
  if (s === 1) return x;
  if (a >= s || b >= s) throw new Error(`subsample: offsets ${a}, ${b} must be below the stride ${s}`);
  const [n, h, w, c] = x.shape;
  const oh = Math.ceil((h - a) / s), ow = Math.ceil((w - b) / s);
  const grid = tf.reshape(fitHW(x, oh * s, ow * s), [n * oh, s, ow, s * c]);
  return tf.reshape(tf.slice(grid, [0, a, 0, b * c], [n * oh, 1, ow, c]), [n, oh, ow, c]);
}

/**
 * Depthwise k×k convolution exactly as PyTorch's Conv2d(C, C, k, stride, padding=d·(k−1)/2,
 * dilation=d, groups=C): filter [k, k, C, 1]. TF.js core has no gradient for dilated
 * convolutions ("dilation rates greater than 1 are not yet supported in gradients"), so a
 * dilated one is computed by phases, as atrous convolution via SpaceToBatchND: phase (a, b) of
 * the padded input holds rows a, a+d, … and columns b, b+d, …; a non-dilated 'valid' conv of
 * each phase gives the dilated conv at the outputs of that phase, and interleaving the phases
 * gives the whole output. Phases are cut and interleaved with 4-D reshape/slice/concat, which
 * have gradients (SpaceToBatchND/BatchToSpaceND would too, but take 36 of 40 ms of a forward
 * pass on WASM for [32, 28, 28, 8], measured). With stride = d only phase (0, 0) is needed;
 * other strides subsample the stride-1 result (output i of a stride-s conv with symmetric
 * padding is output s·i of the stride-1 one).
 */
export function depthwiseConvTorch(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, dilation = 1): tf.Tensor4D {
  const k = filter.shape[0];
  if (k % 2 !== 1 || filter.shape[1] !== k) throw new Error(`depthwise conv: odd square kernels only (got ${filter.shape[0]}×${filter.shape[1]})`);
  const d = dilation;
  const p = (d * (k - 1)) / 2;
  if (d === 1) return tf.depthwiseConv2d(padHW(x, p), filter, stride, 'valid');
  const xp = padHW(x, p);
  if (stride === d) return tf.depthwiseConv2d(subsample(xp, d), filter, 1, 'valid');
  const [n, h, w, c] = x.shape;
  // Bottom/right zeros so the padded image divides into d×d phases; their outputs are cropped.
  const ph = Math.ceil((h + 2 * p) / d), pw = Math.ceil((w + 2 * p) / d);
  const xfit = fitHW(xp, ph * d, pw * d);
  const rows: tf.Tensor4D[] = [];
  for (let a = 0; a < d; a++) {
    const cols: tf.Tensor4D[] = [];
    for (let b = 0; b < d; b++) cols.push(tf.depthwiseConv2d(subsample(xfit, d, a, b), filter, 1, 'valid'));
    // Column phases side by side in the channel axis, as subsample's [N·oh, d, ow, d·C] view.
    const [, oh, ow] = cols[0].shape;
    rows.push(tf.reshape(tf.concat(cols, 3), [n * oh, 1, ow, d * c]));
  }
  const [, , ow] = rows[0].shape;
  const y = tf.reshape(tf.concat(rows, 1), [n, (rows[0].shape[0] / n) * d, ow * d, c]);
  return subsample(fitHW(y as tf.Tensor4D, h, w), stride);
}

function bn(params: ParamStore, name: string, x: tf.Tensor4D, affine: boolean): tf.Tensor4D {
  const c = x.shape[3];
  // DARTS's search network uses BatchNorm2d(affine=False) in every operation (model_search.py).
  const gamma = affine ? params.constant(`${name}.gamma`, [c], 1) : tf.ones([c]);
  const beta = affine ? params.constant(`${name}.beta`, [c], 0) : tf.zeros([c]);
  return batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D);
}

/** 1×1 convolution, no bias (PyTorch's Kaiming-uniform init, fan-in = C_in). */
function pointwise(params: ParamStore, name: string, x: tf.Tensor4D, cOut: number): tf.Tensor4D {
  const cin = x.shape[3];
  return conv2dSame(x, params.weight(`${name}.w`, [1, 1, cin, cOut], cin) as tf.Tensor4D, 1);
}

function depthwise(params: ParamStore, name: string, x: tf.Tensor4D, k: number, stride: number, dilation: number): tf.Tensor4D {
  // groups = C: fan-in per output channel is k·k.
  const w = params.weight(`${name}.w`, [k, k, x.shape[3], 1], k * k);
  return depthwiseConvTorch(x, w as tf.Tensor4D, stride, dilation);
}

/** ReLU → Conv 1×1 → BN (DARTS's ReLUConvBN(C_in, C_out, 1, 1, 0): the cells' preprocessing). */
export function reluConvBn1x1(params: ParamStore, name: string, x: tf.Tensor4D, cOut: number, affine = false): tf.Tensor4D {
  return bn(params, `${name}.bn`, pointwise(params, `${name}.conv`, tf.relu(x), cOut), affine);
}

/**
 * DARTS's FactorizedReduce: ReLU → [conv1×1 stride 2 (x), conv1×1 stride 2 (x[:, 1:, 1:])]
 * concatenated on channels → BN. A 1×1 stride-2 conv is a 1×1 conv of the subsampled input,
 * so the two halves read the even and the odd pixels. Needs even H, W and C_out (DARTS asserts
 * C_out % 2 == 0; with odd H the two halves differ in size and PyTorch's cat fails too).
 */
export function factorizedReduce(params: ParamStore, name: string, x: tf.Tensor4D, cOut: number, affine = false): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (cOut % 2 !== 0) throw new Error(`FactorizedReduce: C_out must be even (got ${cOut})`);
  if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`FactorizedReduce: image size ${h}×${w} must be even`);
  const r = tf.relu(x);
  const a = pointwise(params, `${name}.conv1`, subsample(r, 2, 0), cOut / 2);
  const b = pointwise(params, `${name}.conv2`, subsample(r, 2, 1), cOut / 2);
  return bn(params, `${name}.bn`, tf.concat([a, b], 3), affine);
}

/** SepConv: (ReLU → depthwise k×k stride s → pointwise → BN), then the same with stride 1 and C_out. */
function sepConv(params: ParamStore, name: string, x: tf.Tensor4D, cOut: number, k: number, stride: Stride, affine: boolean): tf.Tensor4D {
  const cin = x.shape[3];
  const h = bn(params, `${name}.bn1`, pointwise(params, `${name}.pw1`, depthwise(params, `${name}.dw1`, tf.relu(x), k, stride, 1), cin), affine);
  return bn(params, `${name}.bn2`, pointwise(params, `${name}.pw2`, depthwise(params, `${name}.dw2`, tf.relu(h), k, 1, 1), cOut), affine);
}

/** DilConv: ReLU → depthwise k×k dilation 2 (padding k−1) stride s → pointwise → BN. */
function dilConv(params: ParamStore, name: string, x: tf.Tensor4D, cOut: number, k: number, stride: Stride, affine: boolean): tf.Tensor4D {
  return bn(params, `${name}.bn`, pointwise(params, `${name}.pw`, depthwise(params, `${name}.dw`, tf.relu(x), k, stride, 2), cOut), affine);
}

/**
 * dy of a stride-s pool spread onto the input grid: row i of dy lands on row s·i, zeros between
 * (the inverse of subsample's [N·h, s, w, s·C] view: dy fills phase (0, 0), a 4-D pad the rest).
 */
function zeroInsert(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [n * h, 1, w, c]), [[0, 0], [0, s - 1], [0, 0], [0, (s - 1) * c]]);
  return tf.reshape(spread, [n, h * s, w * s, c]);
}

/**
 * The gradient of the −∞-padded 'valid' 3×3 max pool: each window's dy to its first cell
 * (row-major) equal to the max, as PyTorch's max pool picks its index, through equality masks
 * with elementwise kernels (the same on every backend). Exported for the bit-for-bit test of the
 * WASM kernel that replaces it there.
 */
export function maxPoolGradComposed(xpad: tf.Tensor4D, ys: tf.Tensor4D, dy: tf.Tensor4D, stride: Stride): tf.Tensor4D {
  const [n, hp, wp, c] = xpad.shape;
  const [, oh, ow] = ys.shape;
  let taken = tf.cast(tf.zerosLike(ys), 'bool');
  let dxp: tf.Tensor4D | null = null;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      // Cell (a, b) of every window: rows a, a+s, …, a+s·(oh−1) of the padded input.
      const cell = subsample(tf.slice(xpad, [0, a, b, 0], [n, (oh - 1) * stride + 1, (ow - 1) * stride + 1, c]), stride);
      const hit = tf.logicalAnd(tf.equal(cell, ys), tf.logicalNot(taken));
      taken = tf.logicalOr(taken, hit);
      const back = zeroInsert(tf.where(hit, dy, tf.zerosLike(dy)), stride);
      const placed = tf.pad(back, [[0, 0], [a, Math.max(0, hp - a - back.shape[1])], [b, Math.max(0, wp - b - back.shape[2])], [0, 0]]);
      const fit = placed.shape[1] > hp || placed.shape[2] > wp ? tf.slice(placed, [0, 0, 0, 0], [n, hp, wp, c]) : placed;
      dxp = dxp ? tf.add(dxp, fit) : fit;
    }
  }
  return tf.slice(dxp as tf.Tensor4D, [0, 1, 1, 0], [n, hp - 2, wp - 2, c]);
}

function makeMaxPool3x3(stride: Stride): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const xp = padHW(x, 1, 1, -Infinity);
    const y = tf.maxPool(xp, 3, stride, 'valid');
    save([xp, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xpad, ys] = saved as [tf.Tensor4D, tf.Tensor4D];
        // On TF.js WASM one kernel (core/kernels/wasm-max-pool.ts) with the composition's bits.
        if (xpad.shape[3] % 4 === 0 && dy.dtype === 'float32' && maxPoolKernelAvailable()) {
          return tf.engine().runKernel(MAX_POOL_GRAD_KERNEL, { xp: xpad, y: ys, dy }, { stride } as never) as tf.Tensor4D;
        }
        return maxPoolGradComposed(xpad, ys, dy, stride);
      },
    };
  }) as never) as never;
}
const maxPools = { 1: makeMaxPool3x3(1), 2: makeMaxPool3x3(2) };

/**
 * MaxPool2d(3, stride, padding=1): a 'valid' pool of the input padded with −∞ (as PyTorch pads
 * max pools). The gradient is our own: TF.js 4.22's WASM MaxPoolGrad behaves as if each
 * window's running max started at a tiny positive number (about FLT_MIN: windows of values
 * ≤ 1e-39 misroute, 1e-30 do not) with the window's first cell as argmax, so a window whose max
 * is ≤ 0 — common after BN, and every border window, whose first cell is the −∞ padding — sends
 * its gradient to the wrong cell or into the padding (measured: the 2×2 window [−1, −1, 0, −1]
 * gives dx = [1, 0, 0, 0] on WASM, [0, 0, 1, 0] on CPU; test/unit/darts-supernet.test.ts). Ours
 * routes dy through equality masks with elementwise kernels, the same on every backend.
 */
export function maxPool3x3(x: tf.Tensor4D, stride: Stride): tf.Tensor4D {
  return maxPools[stride](x);
}

/**
 * AvgPool2d(3, stride, padding=1, count_include_pad=False). Stride 2 reads the stride-1 result at
 * even positions (same windows), so both use avgPool3x3ExcludePad, whose gradient is right where
 * TF.js's 'same' avgPool gradient is not (test/unit/nb201-supernet.test.ts).
 */
export function avgPool3x3(x: tf.Tensor4D, stride: Stride): tf.Tensor4D {
  return subsample(avgPool3x3ExcludePad(x), stride);
}

function sameChannels(op: string, x: tf.Tensor4D, cOut: number): void {
  if (x.shape[3] !== cOut) throw new Error(`${op}: keeps the channel count (${x.shape[3]}), C_out ${cOut} asked`);
}

/**
 * One DARTS operation on x (OPS in DARTS's operations.py with C_in = C_out = C): the output has
 * C_out channels and ⌈H/stride⌉×⌈W/stride⌉ pixels; null for `none`.
 */
export function dartsOp(op: DartsOpName, params: ParamStore, name: string, x: tf.Tensor4D, cOut: number, stride: Stride, affine = false): tf.Tensor4D | null {
  switch (op) {
    case 'none':
      return null;
    case 'max_pool_3x3':
      sameChannels(op, x, cOut);
      return maxPool3x3(x, stride);
    case 'avg_pool_3x3':
      sameChannels(op, x, cOut);
      return avgPool3x3(x, stride);
    case 'skip_connect':
      if (stride === 1) {
        sameChannels(op, x, cOut);
        return x;
      }
      return factorizedReduce(params, name, x, cOut, affine);
    case 'sep_conv_3x3':
      return sepConv(params, name, x, cOut, 3, stride, affine);
    case 'sep_conv_5x5':
      return sepConv(params, name, x, cOut, 5, stride, affine);
    case 'dil_conv_3x3':
      return dilConv(params, name, x, cOut, 3, stride, affine);
    case 'dil_conv_5x5':
      return dilConv(params, name, x, cOut, 5, stride, affine);
  }
}
