import * as tf from '@tensorflow/tfjs-core';
import { ADAM_SIMD_WASM } from './adam-simd-bytes';
import { simdModule, WASM, WASM_PAGE, type WasmModule } from './wasm-simd';

export interface AdamState {
  t: number;
  m: Float32Array;
  v: Float32Array;
}

const f32 = Math.fround;

/**
 * Where the moments live and which loop updates them: `tensor` (TF.js ops), `host` (WebAssembly
 * SIMD where the runtime has it, else the JS loop), `host-js` (the JS loop; tests).
 */
export type AdamImpl = 'tensor' | 'host' | 'host-js';

/** The Adam kernel (adam-simd.wat); null where WebAssembly SIMD is missing. */
export function simdAdam(): WasmModule | null {
  return simdModule(ADAM_SIMD_WASM);
}

export type AdamKernel = (m: number, v: number, th: number, g: number, bytes: number, b1: number, c1: number, b2: number, c2: number, s: number, e: number) => void;

/** One optimiser's vectors in a WebAssembly instance's memory: m, v, θ and g, each padded to 16 bytes. */
class SimdBuffers {
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly theta: Float32Array;
  readonly grad: Float32Array;
  readonly region: number;
  readonly run: AdamKernel;

  constructor(mod: WasmModule, size: number) {
    this.region = Math.ceil(size / 4) * 16;
    const memory = new WASM!.Memory({ initial: Math.ceil((4 * this.region) / WASM_PAGE) });
    const inst = new WASM!.Instance(mod, { env: { memory } });
    // The padding stays zero, so its lanes compute 0 and never reach θ.
    const at = (k: number) => new Float32Array(memory.buffer, k * this.region, size);
    [this.m, this.v, this.theta, this.grad] = [at(0), at(1), at(2), at(3)];
    this.run = inst.exports.adam as AdamKernel;
  }
}

/**
 * Adam (Kingma & Ba) on one flat parameter vector; the paper uses β = (0.9, 0.99).
 * The bias corrections are folded into two scalars:
 *   θ ← θ − lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε·√(1−β₂ᵗ)),
 * which equals PyTorch's  θ ← θ − lr · m̂ / (√v̂ + ε)  exactly.
 *
 * Two implementations of the same arithmetic (issue #14):
 * - on the host (for the WASM and CPU backends, whose tensors live in host memory anyway): one
 *   pass of a hand-written WebAssembly SIMD loop (adam-simd.wat), or a JS loop where SIMD is
 *   missing. TF.js WASM spent about half of an agent step in the ten element-wise kernels of
 *   the tensor form (its Sqrt alone ≈ 0.4 ms per 40k values, measured here).
 * - as tensors (`step`), ~10 ops, for backends whose tensors live on a GPU (a host loop would
 *   read θ back every update).
 * All three do the tensor form's float32 operations in its order (the JS loop rounds each with
 * Math.fround; double rounding is innocuous for +, −, ×, ÷ and √ of float32 operands), so they
 * give the same bits: a run on the host path is the run the tensor path gives
 * (test/unit/flat-adam.test.ts).
 */
export class FlatAdam {
  private m: Float32Array | null = null;
  private v: Float32Array | null = null;
  private simd: SimdBuffers | null = null;
  private mT: tf.Tensor1D | null = null;
  private vT: tf.Tensor1D | null = null;
  private t = 0;

  constructor(
    readonly size: number,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.99,
    readonly eps = 1e-8,
    readonly impl: AdamImpl = 'tensor',
  ) {
    const mod = impl === 'host' ? simdAdam() : null;
    if (mod) {
      this.simd = new SimdBuffers(mod, size);
      this.m = this.simd.m;
      this.v = this.simd.v;
    } else if (impl !== 'tensor') {
      this.m = new Float32Array(size);
      this.v = new Float32Array(size);
    } else {
      this.mT = tf.keep(tf.zeros([size]));
      this.vT = tf.keep(tf.zeros([size]));
    }
  }

  /** The moments live in host memory: update with `stepHost`. */
  get onHost(): boolean {
    return this.impl !== 'tensor';
  }

  /** Whether the host path runs the WebAssembly SIMD kernel. */
  get usesSimd(): boolean {
    return this.simd !== null;
  }

  /** The step's scalars: the step size and ε·√(1−β₂ᵗ), as float64 (each op rounds them to float32). */
  private scalars(): { stepSize: number; epsHat: number } {
    this.t += 1;
    const { beta1: b1, beta2: b2, t } = this;
    const c2 = Math.sqrt(1 - b2 ** t);
    return { stepSize: (this.lr * c2) / (1 - b1 ** t), epsHat: this.eps * c2 };
  }

  /** Tensor form: returns the updated θ (a new tensor; the caller owns it and `theta` stays untouched). */
  step(theta: tf.Tensor1D, grad: tf.Tensor1D): tf.Tensor1D {
    if (!this.mT || !this.vT) throw new Error('FlatAdam.step: this optimiser keeps its moments on the host (use stepHost)');
    const { beta1: b1, beta2: b2 } = this;
    const { stepSize, epsHat } = this.scalars();
    const mT = this.mT;
    const vT = this.vT;
    const [m, v, next] = tf.tidy(() => {
      const m1 = tf.add(tf.mul(mT, b1), tf.mul(grad, 1 - b1));
      const v1 = tf.add(tf.mul(vT, b2), tf.mul(tf.square(grad), 1 - b2));
      const upd = tf.div(tf.mul(m1, stepSize), tf.add(tf.sqrt(v1), epsHat));
      return [m1, v1, tf.sub(theta, upd)] as tf.Tensor1D[];
    });
    mT.dispose();
    vT.dispose();
    this.mT = tf.keep(m);
    this.vT = tf.keep(v);
    return next;
  }

  /** Host form: updates θ in place from the gradient; bit for bit the tensor form's result. */
  stepHost(theta: Float32Array, grad: ArrayLike<number>): void {
    const { m, v } = this;
    if (!m || !v) throw new Error('FlatAdam.stepHost: this optimiser keeps its moments as tensors (use step)');
    if (theta.length !== this.size || grad.length !== this.size) {
      throw new Error(`FlatAdam.stepHost: θ/gradient have ${theta.length}/${grad.length} values, expected ${this.size}`);
    }
    const { stepSize, epsHat } = this.scalars();
    // The tensor form's scalars are float32 tensors: round them the same way.
    const b1 = f32(this.beta1), c1 = f32(1 - this.beta1);
    const b2 = f32(this.beta2), c2 = f32(1 - this.beta2);
    const s = f32(stepSize), e = f32(epsHat);
    const simd = this.simd;
    if (simd) {
      simd.theta.set(theta);
      simd.grad.set(grad);
      // f32 parameters: the JS numbers are rounded to float32 on the call, as f32() does.
      simd.run(0, simd.region, 2 * simd.region, 3 * simd.region, simd.region, b1, c1, b2, c2, s, e);
      theta.set(simd.theta);
      return;
    }
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i];
      const m1 = f32(f32(m[i] * b1) + f32(g * c1));
      const v1 = f32(f32(v[i] * b2) + f32(f32(g * g) * c2));
      m[i] = m1;
      v[i] = v1;
      theta[i] = f32(theta[i] - f32(f32(m1 * s) / f32(f32(Math.sqrt(v1)) + e)));
    }
  }

  getState(): AdamState {
    if (this.m && this.v) return { t: this.t, m: this.m.slice(), v: this.v.slice() };
    return { t: this.t, m: this.mT!.dataSync() as Float32Array, v: this.vT!.dataSync() as Float32Array };
  }

  setState(s: AdamState): void {
    if (s.m.length !== this.size || s.v.length !== this.size) {
      throw new Error(`Adam state has ${s.m.length}/${s.v.length} values, expected ${this.size}`);
    }
    this.t = s.t;
    if (this.m && this.v) {
      this.m.set(s.m);
      this.v.set(s.v);
      return;
    }
    this.mT!.dispose();
    this.vT!.dispose();
    this.mT = tf.keep(tf.tensor1d(s.m));
    this.vT = tf.keep(tf.tensor1d(s.v));
  }

  dispose(): void {
    this.mT?.dispose();
    this.vT?.dispose();
  }
}
