import { getKernel, registerKernel, type KernelBackend, type TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './wasm-heap';

/**
 * A conv filter [k, k, Ci, Co] rotated by 180° with its channel axes swapped, [k, k, Co, Ci]:
 * the filter of a stride-1 conv's input gradient (core/supernet/fast-ops.ts). One TF.js WASM
 * kernel copying values in JavaScript on TF.js's memory, instead of Reverse and Transpose (TF.js
 * WASM's Reverse alone took 0.85 ms of a 34 ms NB201 supernet step for filters of ≤ 9,216
 * values: bench/results/supernet-speed.md). Only moves values: the result is exact.
 */
export const ROTATE_FILTER_KERNEL = 'L2nasRotateFilter';

function rotateFilter({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo {
  const { w } = inputs;
  const [kh, kw, ci, co] = w.shape;
  if (w.shape.length !== 4 || w.dtype !== 'float32') throw new Error(`${ROTATE_FILTER_KERNEL}: a float32 filter [k, k, Ci, Co] is needed (got ${w.dtype} [${w.shape.join(', ')}])`);
  const b = backend as WasmBackendLike;
  const out = b.makeOutput([kh, kw, co, ci], 'float32');
  // Views after the allocation (a memory growth would detach earlier ones).
  const src = b.typedArrayFromHeap(w), dst = b.typedArrayFromHeap(out);
  const taps = kh * kw, cc = ci * co;
  for (let t = 0; t < taps; t++) {
    const s = (taps - 1 - t) * cc, d = t * cc;
    for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[d + o * ci + i] = src[s + i * co + o];
  }
  return out;
}

/** Registers the kernel on 'wasm' (idempotent). */
export function registerWasmRotateFilter(): void {
  if (!getKernel(ROTATE_FILTER_KERNEL, 'wasm')) registerKernel({ kernelName: ROTATE_FILTER_KERNEL, backendName: 'wasm', kernelFunc: rotateFilter as never });
}

/**
 * The taps of a 3×3 filter [3, 3, A, B] that each output phase of a stride-2 input gradient uses
 * (core/supernet/fast-ops.ts): rows and columns {0, 2} or {1}, as four filters [2,2], [2,1],
 * [1,2] and [1,1] (× A × B), in that order. One kernel copying values in JavaScript on TF.js's
 * memory instead of four StridedSlice kernels (0.3–0.4 ms each on WASM for 4,608 values,
 * measured). Only moves values: exact.
 */
export const PHASE_FILTERS_KERNEL = 'L2nasPhaseFilters3x3';

function phaseFilters({ inputs, backend }: { inputs: Record<string, TensorInfo>; backend: KernelBackend }): TensorInfo[] {
  const { w } = inputs;
  if (w.shape.length !== 4 || w.dtype !== 'float32' || w.shape[0] !== 3 || w.shape[1] !== 3) throw new Error(`${PHASE_FILTERS_KERNEL}: a float32 filter [3, 3, A, B] is needed (got ${w.dtype} [${w.shape.join(', ')}])`);
  const [, , a, bb] = w.shape;
  const cc = a * bb;
  const b = backend as WasmBackendLike;
  const sets: [number[], number[]][] = [[[0, 2], [0, 2]], [[0, 2], [1]], [[1], [0, 2]], [[1], [1]]];
  const outs = sets.map(([rows, cols]) => b.makeOutput([rows.length, cols.length, a, bb], 'float32'));
  // Views after every allocation (a memory growth would detach earlier ones).
  const src = b.typedArrayFromHeap(w);
  sets.forEach(([rows, cols], i) => {
    const dst = b.typedArrayFromHeap(outs[i]);
    let d = 0;
    for (const r of rows) for (const c of cols) {
      dst.set(src.subarray((r * 3 + c) * cc, (r * 3 + c + 1) * cc), d);
      d += cc;
    }
  });
  return outs;
}

/** Registers the kernel on 'wasm' (idempotent). */
export function registerWasmPhaseFilters(): void {
  if (!getKernel(PHASE_FILTERS_KERNEL, 'wasm')) registerKernel({ kernelName: PHASE_FILTERS_KERNEL, backendName: 'wasm', kernelFunc: phaseFilters as never });
}
