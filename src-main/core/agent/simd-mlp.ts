import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import type { AdamState } from './flat-adam';
import { ADAM_SIMD_WASM } from './adam-simd-bytes';
import { MLP_SIMD_WASM } from './mlp-simd-bytes';
import type { OutputActivation } from './flat-mlp';
import { simdModule, WASM, WASM_PAGE, type WasmMemory } from './wasm-simd';

const f32 = Math.fround;
const pad4 = (n: number) => Math.ceil(n / 4) * 4;

type Fwd = (x: number, w: number, b: number, y: number, M: number, K: number, N: number, relu: number) => void;
type Wgrad = (x: number, dz: number, dw: number, db: number, M: number, K: number, N: number) => void;
type Mask = (d: number, h: number, n: number) => void;
type Transpose = (src: number, dst: number, R: number, C: number) => void;
type Adam = (m: number, v: number, th: number, g: number, bytes: number, b1: number, c1: number, b2: number, c2: number, s: number, e: number) => void;

/** Whether this runtime can run SimdMlp (WebAssembly SIMD). */
export function simdMlpAvailable(): boolean {
  return simdModule(MLP_SIMD_WASM) !== null && simdModule(ADAM_SIMD_WASM) !== null;
}

/**
 * The agent's MLP (same parameters, same arithmetic as FlatMlp + FlatAdam) with its whole
 * update in WebAssembly SIMD kernels (mlp-simd.wat, adam-simd.wat) on one memory: θ, Wᵀ, the
 * gradient, the Adam moments and every layer's activations and deltas. Issue #14: on TF.js WASM
 * an agent update was ~130 kernel dispatches; here it is ~25 calls into one module and no
 * allocation.
 *
 * Every kernel accumulates in TF.js WASM's order (XNNPACK: bias first, then k = 0, 1, …), the
 * output sigmoid is TF.js's own kernel, and the rest is float32 arithmetic in FlatMlp's order,
 * so on the WASM backend the results are FlatMlp's bits (test/unit/simd-mlp.test.ts).
 *
 * Layout: widths are padded to multiples of 4 with zeros (P[l] = ⌈sizes[l]/4⌉·4); θ is, per
 * layer, W (P[l]×P[l+1]) then b (P[l+1]). The padding's gradients are exactly 0, so it stays 0.
 * `values()`/`setValues()` convert to and from FlatMlp's unpadded layout (snapshots, policies).
 */
export class SimdMlp {
  readonly numParams: number;
  /** Rows the activation buffers hold; longer inputs are run in chunks. */
  readonly maxRows: number;
  private readonly P: number[];
  private readonly layers: { w: number; b: number; wt: number }[] = [];
  private readonly paddedSize: number;
  private readonly memory: WasmMemory;
  private readonly k: { fwd: Fwd; wgrad: Wgrad; mask: Mask; transpose: Transpose; adam: Adam };
  private readonly off: { theta: number; grad: number; m: number; v: number; zeros: number; acts: number[]; deltas: number[] };
  private t = 0;

  constructor(
    readonly sizes: readonly number[],
    readonly output: OutputActivation,
    init: Rng | Float32Array,
    maxRows: number,
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.99,
    readonly eps = 1e-8,
  ) {
    const mlpMod = simdModule(MLP_SIMD_WASM);
    const adamMod = simdModule(ADAM_SIMD_WASM);
    if (!mlpMod || !adamMod) throw new Error('SimdMlp: this runtime has no WebAssembly SIMD');
    if (sizes.length < 2) throw new Error('SimdMlp: needs at least an input and an output size');
    this.maxRows = maxRows;
    this.P = sizes.map(pad4);
    // Byte offsets, bump-allocated and 16-byte aligned (all sizes are multiples of 4 floats).
    let top = 0;
    const alloc = (floats: number) => {
      const at = top;
      top += pad4(floats) * 4;
      return at;
    };
    let n = 0;
    let np = 0;
    const wOff: { w: number; b: number }[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      n += sizes[l] * sizes[l + 1] + sizes[l + 1];
      wOff.push({ w: np, b: np + this.P[l] * this.P[l + 1] });
      np += this.P[l] * this.P[l + 1] + this.P[l + 1];
    }
    this.numParams = n;
    this.paddedSize = np;
    const theta = alloc(np);
    const grad = alloc(np);
    const m = alloc(np);
    const v = alloc(np);
    const zeros = alloc(Math.max(...this.P));
    for (let l = 0; l + 1 < sizes.length; l++) {
      this.layers.push({ w: theta + 4 * wOff[l].w, b: theta + 4 * wOff[l].b, wt: alloc(this.P[l] * this.P[l + 1]) });
    }
    const acts = this.P.map((p) => alloc(maxRows * p));
    const deltas = this.P.map((p) => alloc(maxRows * p));
    this.off = { theta, grad, m, v, zeros, acts, deltas };
    const mlp = new WASM!.Instance(mlpMod, {}).exports;
    // The MLP module has its own memory; Adam imports it (one memory: no copies of θ or g).
    const own = mlp.memory as WasmMemory;
    const pagesNeeded = Math.max(1, Math.ceil(top / WASM_PAGE));
    const have = own.buffer.byteLength / WASM_PAGE;
    if (pagesNeeded > have) own.grow(pagesNeeded - have);
    this.memory = own;
    const adam = new WASM!.Instance(adamMod, { env: { memory: own } }).exports;
    this.k = {
      fwd: mlp.fwd as Fwd,
      wgrad: mlp.wgrad as Wgrad,
      mask: mlp.relumask as Mask,
      transpose: mlp.transpose as Transpose,
      adam: adam.adam as Adam,
    };
    if (init instanceof Float32Array) {
      this.setValues(init);
    } else {
      // PyTorch nn.Linear default: W, b ~ U(−1/√fanIn, 1/√fanIn), drawn in FlatMlp's order.
      const vals = new Float32Array(n);
      let i = 0;
      for (let l = 0; l + 1 < sizes.length; l++) {
        const bound = 1 / Math.sqrt(sizes[l]);
        const end = i + sizes[l] * sizes[l + 1] + sizes[l + 1];
        for (; i < end; i++) vals[i] = init.uniform(-bound, bound);
      }
      this.setValues(vals);
    }
  }

  /** A float32 view of the memory (views are cheap; the memory never grows after construction). */
  private view(byteOffset: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, floats);
  }

  /** Copies between FlatMlp's unpadded θ layout and the padded one. */
  private convert(flat: Float32Array, padded: Float32Array, toPadded: boolean): void {
    let i = 0;
    let p = 0;
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const fi = this.sizes[l], fo = this.sizes[l + 1], PO = this.P[l + 1];
      for (let r = 0; r <= fi; r++) {
        // r < fi: row r of W; r = fi: b. Padded rows of W (r ≥ fi) stay zero.
        const dst = r < fi ? p + r * PO : p + this.P[l] * PO;
        if (toPadded) padded.set(flat.subarray(i, i + fo), dst);
        else flat.set(padded.subarray(dst, dst + fo), i);
        i += fo;
      }
      p += this.P[l] * PO + PO;
    }
  }

  values(): Float32Array {
    const out = new Float32Array(this.numParams);
    this.convert(out, this.view(this.off.theta, this.paddedSize), false);
    return out;
  }

  setValues(v: Float32Array): void {
    if (v.length !== this.numParams) throw new Error(`SimdMlp: θ has ${v.length} values, expected ${this.numParams}`);
    this.view(this.off.theta, this.paddedSize).fill(0);
    this.convert(v, this.view(this.off.theta, this.paddedSize), true);
    this.refreshTransposes();
  }

  getAdamState(): AdamState {
    const m = new Float32Array(this.numParams);
    const v = new Float32Array(this.numParams);
    this.convert(m, this.view(this.off.m, this.paddedSize), false);
    this.convert(v, this.view(this.off.v, this.paddedSize), false);
    return { t: this.t, m, v };
  }

  setAdamState(s: AdamState): void {
    if (s.m.length !== this.numParams || s.v.length !== this.numParams) {
      throw new Error(`Adam state has ${s.m.length}/${s.v.length} values, expected ${this.numParams}`);
    }
    this.t = s.t;
    for (const [src, off] of [[s.m, this.off.m], [s.v, this.off.v]] as const) {
      this.view(off, this.paddedSize).fill(0);
      this.convert(src, this.view(off, this.paddedSize), true);
    }
  }

  /** Wᵀ of every layer, for the input gradients (dz·Wᵀ as a plain product, in XNNPACK's order). */
  private refreshTransposes(): void {
    for (let l = 0; l < this.layers.length; l++) this.k.transpose(this.layers[l].w, this.layers[l].wt, this.P[l], this.P[l + 1]);
  }

  /** The input buffer (maxRows × P[0]; padding columns must stay 0). */
  input(): Float32Array {
    return this.view(this.off.acts[0], this.maxRows * this.P[0]);
  }

  /** Row stride of layer l's activations / deltas. */
  width(l: number): number {
    return this.P[l];
  }

  /** Output activations (maxRows × P[L]). */
  outputs(): Float32Array {
    return this.view(this.off.acts[this.P.length - 1], this.maxRows * this.P[this.P.length - 1]);
  }

  /** dLoss/d(output) goes here before `backward`/`inputGrad` (maxRows × P[L]; padding 0). */
  outputGrad(): Float32Array {
    return this.view(this.off.deltas[this.P.length - 1], this.maxRows * this.P[this.P.length - 1]);
  }

  /** dLoss/dx after `inputGrad` or `backward(…, true)` (maxRows × P[0]). */
  inputGradient(): Float32Array {
    return this.view(this.off.deltas[0], this.maxRows * this.P[0]);
  }

  /** Forward pass of the first M rows of `input()`; the output lands in `outputs()`. */
  forward(M: number): void {
    if (M > this.maxRows) throw new Error(`SimdMlp.forward: ${M} rows, the buffers hold ${this.maxRows}`);
    const L = this.layers.length;
    for (let l = 0; l < L; l++) {
      const last = l === L - 1;
      this.k.fwd(this.off.acts[l], this.layers[l].w, this.layers[l].b, this.off.acts[l + 1], M, this.P[l], this.P[l + 1], last ? 0 : 1);
    }
    if (this.output === 'sigmoid') this.sigmoidOutput(M);
  }

  /** TF.js's own sigmoid (its approximation, so that the bits are FlatMlp's); padding back to 0. */
  private sigmoidOutput(M: number): void {
    const D = this.sizes[this.sizes.length - 1], PD = this.P[this.P.length - 1];
    const out = this.outputs();
    const z = new Float32Array(M * D);
    for (let i = 0; i < M; i++) z.set(out.subarray(i * PD, i * PD + D), i * D);
    // Copied out inside the tidy: a typed array returned from tf.tidy is walked element by
    // element looking for tensors (measured: 12 % of an agent step).
    tf.tidy(() => {
      const s = tf.sigmoid(tf.tensor2d(z, [M, D])).dataSync();
      for (let i = 0; i < M; i++) out.set(s.subarray(i * D, (i + 1) * D), i * PD);
    });
  }

  /** Turns `outputGrad()` into dLoss/d(pre-activation) of the output layer (σ'(z) = y(1 − y)). */
  private outputDelta(M: number): void {
    if (this.output === 'linear') return;
    const D = this.sizes[this.sizes.length - 1], PD = this.P[this.P.length - 1];
    const y = this.outputs();
    const d = this.outputGrad();
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < D; j++) {
        const o = y[i * PD + j];
        d[i * PD + j] = f32(d[i * PD + j] * f32(o * f32(1 - o)));
      }
    }
  }

  /**
   * Backward pass from `outputGrad()` over the first M rows of the last forward pass: the flat
   * gradient into the gradient buffer (then `adamStep`), and dLoss/dx into `inputGradient()`
   * when asked.
   */
  backward(M: number, wantInputGrad = false): void {
    this.outputDelta(M);
    const L = this.layers.length;
    const { acts, deltas, grad, theta } = this.off;
    for (let l = L - 1; l >= 0; l--) {
      const gw = grad + (this.layers[l].w - theta);
      const gb = grad + (this.layers[l].b - theta);
      this.k.wgrad(acts[l], deltas[l + 1], gw, gb, M, this.P[l], this.P[l + 1]);
      if (l > 0 || wantInputGrad) this.inputStep(l, M);
    }
  }

  /** dLoss/dx only (no parameter gradients): the actor's path through the critic. */
  inputGrad(M: number): void {
    this.outputDelta(M);
    for (let l = this.layers.length - 1; l >= 0; l--) this.inputStep(l, M);
  }

  /** deltas[l] = deltas[l+1]·W_lᵀ, times ReLU'(acts[l]) below the first layer. */
  private inputStep(l: number, M: number): void {
    const { acts, deltas, zeros } = this.off;
    this.k.fwd(deltas[l + 1], this.layers[l].wt, zeros, deltas[l], M, this.P[l + 1], this.P[l], 0);
    if (l > 0) this.k.mask(deltas[l], acts[l], M * this.P[l]);
  }

  /** One Adam step with the gradient of the last `backward` (FlatAdam's arithmetic). */
  adamStep(): void {
    this.t += 1;
    const { beta1: b1, beta2: b2, t } = this;
    const c2 = Math.sqrt(1 - b2 ** t);
    const stepSize = (this.lr * c2) / (1 - b1 ** t);
    const { m, v, theta, grad } = this.off;
    // f32 parameters: rounded to float32 on the call, as the tensor form's scalars are.
    this.k.adam(m, v, theta, grad, this.paddedSize * 4, b1, 1 - b1, b2, 1 - b2, stepSize, this.eps * c2);
    this.refreshTransposes();
  }

  /** Outputs for `rows` inputs (row-major, unpadded), in chunks of maxRows. */
  predict(x: Float32Array, rows: number): Float32Array {
    const D0 = this.sizes[0], P0 = this.P[0];
    const DL = this.sizes[this.sizes.length - 1], PL = this.P[this.P.length - 1];
    const out = new Float32Array(rows * DL);
    const inp = this.input();
    const y = this.outputs();
    for (let start = 0; start < rows; start += this.maxRows) {
      const M = Math.min(this.maxRows, rows - start);
      for (let i = 0; i < M; i++) inp.set(x.subarray((start + i) * D0, (start + i + 1) * D0), i * P0);
      this.forward(M);
      for (let i = 0; i < M; i++) out.set(y.subarray(i * PL, i * PL + DL), (start + i) * DL);
    }
    return out;
  }
}
