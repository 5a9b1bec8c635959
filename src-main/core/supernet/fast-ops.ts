import * as tf from '@tensorflow/tfjs-core';
import { AVG_POOL_KERNEL, wasmAvgPoolAvailable } from '../kernels/wasm-avg-pool';
import { PHASE_FILTERS_KERNEL, ROTATE_FILTER_KERNEL, registerWasmPhaseFilters, registerWasmRotateFilter } from '../kernels/wasm-rotate-filter';
import { RELU_GRAD_KERNEL, RELU_KERNEL, wasmReluAvailable } from '../kernels/wasm-relu';
import { INTERLEAVE_2X2_KERNEL, wasmInterleaveAvailable } from '../kernels/wasm-transpose';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL, wasmBatchNormAvailable } from '../kernels/wasm-batch-norm';
import { onWasmKernels } from '../kernels/wasm-heap';
import { directConvCovers } from '../kernels/wasm-conv';
import { CONV2D_KERNEL, wasmConvAvailable } from '../kernels/wasm-conv-kernel';

/*
 * Operations shared by the NAS-Bench-201 and DARTS supernets, with hand-written gradients where
 * TF.js's own are wrong (avgPool 'same' at the borders) or slow on WASM (Conv2DBackpropInput,
 * the batch-norm gradient's Tile): bench/results/supernet.md has the measurements, and
 * test/unit/nb201-supernet.test.ts checks each against TF.js autodiff and finite differences.
 */

export const BN_EPS = 1e-5;

/** Whether the backend is TF.js WASM and our SIMD kernels run on its memory (registers them). */
const simdAvailable = onWasmKernels((b) => wasmBatchNormAvailable(b) && wasmAvgPoolAvailable(b) && wasmInterleaveAvailable(b) && wasmReluAvailable(b));
const simdConvAvailable = onWasmKernels(wasmConvAvailable);

type ConvPad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/**
 * A conv (one stride for both axes). On TF.js WASM, for output channels a multiple of 8, our direct kernel
 * (core/kernels/wasm-conv.ts: the same float32 bits as TF.js's XNNPACK Conv2D, faster at the
 * supernets' channel counts); elsewhere tf.conv2d.
 */
function convDirect(x: tf.Tensor4D, w: tf.Tensor4D, pad: ConvPad, stride = 1): tf.Tensor4D {
  if (x.dtype === 'float32' && directConvCovers(w.shape) && simdConvAvailable()) {
    return tf.engine().runKernel(CONV2D_KERNEL, { x, filter: w }, { pad, stride } as never) as tf.Tensor4D;
  }
  return tf.conv2d(x, w, stride, pad);
}

/**
 * ReLU. On TF.js WASM it is our SIMD kernel and its gradient one more (core/kernels/wasm-relu.ts)
 * instead of TF.js's Relu and its Step, Cast and Multiply, with the same float32 bits; elsewhere tf.relu.
 */
export function relu<T extends tf.Tensor>(x: T): T {
  return x.dtype === 'float32' && simdAvailable() ? (simdRelu(x) as T) : tf.relu(x);
}
const simdRelu: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.engine().runKernel(RELU_KERNEL, { x }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(RELU_GRAD_KERNEL, { x: saved[0], dy }, {}) as tf.Tensor,
  };
}) as never) as never;

/** Zero-padded 3×3 box sum, stride 1 (AvgPool 'valid' of the padded input, ×9). */
function boxSum3x3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(tf.avgPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 1, 'valid'), 9);
}

const countMaps = new Map<string, Float32Array>();
/** How many cells of each 3×3 window lie inside an h×w image. */
function windowCounts(h: number, w: number): Float32Array {
  const key = `${h}x${w}`;
  let c = countMaps.get(key);
  if (!c) {
    c = new Float32Array(h * w);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) c[i * w + j] = (Math.min(i + 1, h - 1) - Math.max(i - 1, 0) + 1) * (Math.min(j + 1, w - 1) - Math.max(j - 1, 0) + 1);
    }
    countMaps.set(key, c);
  }
  return c;
}

/**
 * 3×3 average pool, stride 1, padding 1, averaging valid cells only (PyTorch's
 * count_include_pad=False, as NAS-Bench-201). TF.js's own 'same' average pool has a wrong
 * gradient at the borders (CPU and WASM alike: it spreads the upstream gradient over 9 cells
 * where the forward pass averaged fewer); the finite-difference test in
 * test/unit/nb201-supernet.test.ts catches it. y = boxSum(x) / counts, and the zero-padded box
 * sum is its own adjoint, so dx = boxSum(dy / counts): two fast AvgPool kernels instead of
 * TF.js's AvgPoolGrad (10× slower on WASM).
 */
export function avgPool3x3ExcludePad(x: tf.Tensor4D): tf.Tensor4D {
  return x.shape[3] % 4 === 0 && x.dtype === 'float32' && simdAvailable() ? simdAvgPool(x) : avgPool3x3ExcludePadTf(x);
}

/**
 * The same pool as one WASM SIMD kernel each way (core/kernels/pool-simd.wat): 1 kernel instead
 * of 4 forward and 4 backward, the same float32 bits (test/unit/wasm-training-kernels.test.ts).
 */
const simdAvgPool: (x: tf.Tensor4D) => tf.Tensor4D = tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
  const [, h, w] = x.shape;
  const counts = tf.tensor1d(windowCounts(h, w));
  save([counts]);
  return {
    value: tf.engine().runKernel(AVG_POOL_KERNEL, { x, counts }, { backward: false } as never) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.engine().runKernel(AVG_POOL_KERNEL, { x: dy, counts: saved[0] }, { backward: true } as never) as tf.Tensor4D,
  };
}) as never) as never;

export const avgPool3x3ExcludePadTf: (x: tf.Tensor4D) => tf.Tensor4D = tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
  const [, h, w] = x.shape;
  const counts = tf.tensor4d(windowCounts(h, w), [1, h, w, 1]);
  save([counts]); // tensors made here are released after the forward pass unless saved
  return { value: tf.div(boxSum3x3(x), counts) as tf.Tensor4D, gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => boxSum3x3(tf.div(dy, saved[0]) as tf.Tensor4D) };
}) as never) as never;

/**
 * 2×2 average pool, stride 2 ('valid'), of an image with even sides: NAS-Bench-201's residual
 * shortcut. The gradient puts dy·¼ on each of the four cells of its window (windows do not
 * overlap): a nearest-neighbour ×2 resize and one multiply, the same float32 values as TF.js's
 * AvgPoolGrad (test/unit/nb201-supernet.test.ts), which took 0.93 ms of a 34 ms supernet step
 * on WASM. On WASM (channels a multiple of 4) dy·¼ is computed at dy's size and spread by the
 * interleave kernel, the same values again: 0.03 instead of 0.13 ms per call for [16, 14, 14, 8]
 * (TF.js WASM's ResizeNearestNeighbor). Odd sides keep tf.avgPool's own gradient.
 */
export const avgPool2x2: (x: tf.Tensor4D) => tf.Tensor4D = (x) => (x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0 ? avgPool2x2Even(x) : tf.avgPool(x, 2, 2, 'valid'));
const avgPool2x2Even: (x: tf.Tensor4D) => tf.Tensor4D = tf.customGrad(((x: tf.Tensor4D) => {
  const [, h, w] = x.shape;
  return {
    value: tf.avgPool(x, 2, 2, 'valid'),
    gradFunc: (dy: tf.Tensor4D) => {
      if (dy.shape[3] % 4 === 0 && dy.dtype === 'float32' && simdAvailable()) {
        const q = tf.mul(dy, 0.25);
        return tf.engine().runKernel(INTERLEAVE_2X2_KERNEL, { p00: q, p01: q, p10: q, p11: q }, {}) as tf.Tensor4D;
      }
      return tf.mul(tf.image.resizeNearestNeighbor(dy, [h, w]), 0.25);
    },
  };
}) as never) as never;

/**
 * Convolution with 'same' padding whose gradient avoids two slow TF.js paths: the input
 * gradient of a stride-1 conv is itself a stride-1 'same' conv of dy with the filter rotated by
 * 180° and its channel axes swapped (odd k), which runs on the fast forward Conv2D kernel (the
 * WASM backend's Conv2DBackpropInput is ~10× slower than Conv2D: 240 of 690 ms per supernet
 * step, measured); strided convs keep Conv2DBackpropInput. The filter gradient is the registered
 * Conv2DBackpropFilter kernel (src-main/core/kernels/wasm-conv-gradients.ts on WASM).
 */
/**
 * dy of a strided 'same' conv spread back onto the input grid (zeros between the rows and
 * columns of dy) and padded so that a 'valid' conv with the rotated filter gives dx (on WASM the
 * padding is returned for the conv to add itself).
 */
function zeroInsertPad(dy: tf.Tensor4D, s: number, k: number, xShape: [number, number, number, number]): { x: tf.Tensor4D; pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] } {
  const [n, h2, w2, c] = dy.shape;
  const [, h, w] = xShape;
  const top = Math.floor(Math.max((h2 - 1) * s + k - h, 0) / 2);
  const left = Math.floor(Math.max((w2 - 1) * s + k - w, 0) / 2);
  // Zeros after every column, then after every row, each a rank-4 pad: TF.js WebGPU cannot pad
  // a rank-6 tensor (its shader indexes a 'vec6', which WGSL has not: bench/results/webgpu.md).
  const cols = tf.reshape(tf.pad(tf.reshape(dy, [n * h2, w2, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]), [n, h2, 1, w2 * s * c]);
  const spread = tf.reshape(tf.pad(cols, [[0, 0], [0, 0], [0, s - 1], [0, 0]]), [n, h2 * s, w2 * s, c]) as tf.Tensor4D;
  // Rows of the spread grid: index i holds dy row i/s, which touches input rows i − top .. i − top + k − 1.
  const pt = k - 1 - top, pl = k - 1 - left;
  const pb = h + k - 1 - pt - h2 * s, pr = w + k - 1 - pl - w2 * s;
  // On WASM the last zeros are the conv's own explicit padding (XNNPACK reads zeros: the same
  // products and sums, one PadV2 of the spread grid less).
  if (pb >= 0 && pr >= 0 && tf.getBackend() === 'wasm') return { x: spread, pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]] };
  const padded = tf.pad(spread, [[0, 0], [pt, Math.max(pb, 0)], [pl, Math.max(pr, 0)], [0, 0]]);
  return { x: pb < 0 || pr < 0 ? (tf.slice(padded, [0, 0, 0, 0], [n, h + k - 1, w + k - 1, c]) as tf.Tensor4D) : (padded as tf.Tensor4D), pad: 'valid' };
}

/**
 * The input gradient of a 3×3 stride-2 'same' conv over an even-sided input (top and left
 * padding 0), per phase of dx: the zero-inserted conv of zeroInsertPad multiplies 3 of every 4
 * taps by inserted zeros. dx[2m+a, 2l+b] only takes the taps of rows T(a) and columns T(b) of
 * the rotated filter (T(0) = {0, 2} on dy rows m−1, m; T(1) = {1} on dy row m), so each phase is
 * a small stride-1 conv of dy with those taps (2×2, 2×1, 1×2, 1×1), and one kernel interleaves
 * the four. Every product the zero-inserted conv adds and this one does not is an exact zero,
 * and the taps that remain are summed in the same order (row-major, then channels) from the same
 * +0 start: the same float32 bits (test/unit/wasm-training-kernels.test.ts), a quarter of the
 * multiply-adds.
 */
function stride2InputGradByPhase(dy: tf.Tensor4D, rot: tf.Tensor4D): tf.Tensor4D {
  registerWasmPhaseFilters();
  const [f00, f01, f10, f11] = tf.engine().runKernel(PHASE_FILTERS_KERNEL, { w: rot }, {}) as tf.Tensor4D[];
  const p00 = convDirect(dy, f00, [[0, 0], [1, 0], [1, 0], [0, 0]]);
  const p01 = convDirect(dy, f01, [[0, 0], [1, 0], [0, 0], [0, 0]]);
  const p10 = convDirect(dy, f10, [[0, 0], [0, 0], [1, 0], [0, 0]]);
  const p11 = convDirect(dy, f11, 'valid');
  return tf.engine().runKernel(INTERLEAVE_2X2_KERNEL, { p00, p01, p10, p11 }, {}) as tf.Tensor4D;
}

/** w [k, k, Ci, Co] rotated by 180° with the channel axes swapped (one kernel on WASM). */
function rotatedFilter(w: tf.Tensor4D): tf.Tensor4D {
  if (tf.getBackend() === 'wasm') {
    registerWasmRotateFilter();
    return tf.engine().runKernel(ROTATE_FILTER_KERNEL, { w }, {}) as tf.Tensor4D;
  }
  return tf.transpose(w.shape[0] === 1 ? w : tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
}

function makeConv(stride: number, inputGrad: boolean): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: convDirect(x, w, 'same', stride),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const k = ws.shape[0];
        let dx: tf.Tensor4D;
        if (!inputGrad) {
          dx = tf.zerosLike(xs);
        } else if (k % 2 === 1 && ws.shape[1] === k) {
          const rot = rotatedFilter(ws);
          if (stride === 1) dx = convDirect(dy, rot, 'same');
          else if (stride === 2 && k === 3 && xs.shape[1] % 2 === 0 && xs.shape[2] % 2 === 0 && xs.shape[3] % 4 === 0 && xs.dtype === 'float32' && simdAvailable()) {
            dx = stride2InputGradByPhase(dy, rot);
          } else {
            const z = zeroInsertPad(dy, stride, k, xs.shape);
            dx = convDirect(z.x, rot, z.pad);
          }
        } else {
          dx = tf.conv2dTranspose(dy, ws, xs.shape, stride, 'same');
        }
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy }, { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: ws.shape } as never) as tf.Tensor4D;
        return [dx, dw];
      },
    };
  }) as never) as never;
}
const convSame = new Map<string, (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D>();
/**
 * conv2d(x, w, stride, 'same') with the gradients above. `inputGrad: false` is for a conv of
 * the network's input images (the supernets' stems): nothing reads their gradient, so it is
 * zeros instead of a conv of dy (half a millisecond of an NB201 step on WASM).
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, stride = 1, opts: { inputGrad?: boolean } = {}): tf.Tensor4D {
  const inputGrad = opts.inputGrad ?? true;
  const key = `${stride}:${inputGrad}`;
  let f = convSame.get(key);
  if (!f) convSame.set(key, (f = makeConv(stride, inputGrad)));
  return f(x, w);
}

/**
 * Training-mode batch norm over [B, H, W] with batch statistics, and the closed-form gradient
 * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)). TF.js's FusedBatchNorm gradient tiles 1/σ to the
 * full input shape through the Tile kernel, which alone took 180 of 690 ms per supernet step on
 * WASM (measured), and then still differentiates through tf.moments.
 */
export const batchNormTrainTf: (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D = tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const invStd = tf.rsqrt(tf.add(variance, BN_EPS));
  const xhat = tf.mul(tf.sub(x, mean), invStd) as tf.Tensor4D;
  save([xhat, invStd, gamma]);
  return {
    value: tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xh, inv, g] = saved;
      const m = dy.shape[0] * dy.shape[1] * dy.shape[2];
      const dBeta = tf.sum(dy, [0, 1, 2]);
      const dGamma = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
      const dx = tf.mul(tf.sub(tf.sub(dy, tf.div(dBeta, m)), tf.mul(xh, tf.div(dGamma, m))), tf.mul(g, inv));
      return [dx, dGamma, dBeta];
    },
  };
}) as never) as never;

/** batchNormTrainTf as one WASM SIMD kernel each way (core/kernels/wasm-batch-norm.ts). */
const simdBatchNorm: (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D = tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const [y, mean, invStd] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x, gamma, beta }, { epsilon: BN_EPS } as never) as tf.Tensor[];
  save([x, mean, invStd, gamma]);
  return {
    value: y as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, m, inv, g] = saved;
      return tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, { dy, x: xs, mean: m, gamma: g, invStd: inv }, {}) as tf.Tensor[];
    },
  };
}) as never) as never;


/**
 * Training-mode batch norm (batchNormTrainTf's formulas and gradient). On TF.js WASM with a
 * channel count that is a multiple of 4 it is one SIMD kernel forward and one backward
 * (core/kernels/bn-simd.wat) instead of 9 and 10 TF.js kernels, with the same float32 bits
 * (test/unit/wasm-training-kernels.test.ts): 10 of 30 ms of an NB201 supernet step went to those
 * kernels (bench/results/supernet-speed.md). Elsewhere it is batchNormTrainTf.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor4D {
  return x.shape[3] % 4 === 0 && x.dtype === 'float32' && simdAvailable() ? simdBatchNorm(x, gamma, beta) : batchNormTrainTf(x, gamma, beta);
}
