import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import type { FlatAdam } from './flat-adam';

function hostMemoryBackend(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

export type OutputActivation = 'sigmoid' | 'linear';

/**
 * A multilayer perceptron whose parameters live in ONE flat tensor θ, with a hand-written
 * backward pass.
 *
 * Why: the agent runs up to C_max = 10 actor+critic updates per search step on tiny batches
 * (B = 8), so its cost is the number of tensor ops per update, not FLOPs. One flat θ lets Adam
 * update every weight in one pass (flat-adam.ts) instead of ~10 ops per variable, and the explicit backward pass
 * (fused matMul+bias+ReLU forward, three ops per layer back) avoids the autodiff tape. The
 * gradients are checked against finite differences in test/unit/flat-mlp.test.ts.
 *
 * Layout of θ: for each layer, W (fanIn×fanOut, row-major) then b (fanOut).
 *
 * The agent uses it on GPU backends (networks.ts TfNetworks); on WASM and CPU, simd-mlp.ts runs
 * the same arithmetic in WebAssembly SIMD kernels, and the tests compare the two bit for bit.
 */
export class FlatMlp {
  readonly sizes: readonly number[];
  readonly output: OutputActivation;
  readonly numParams: number;
  /**
   * θ lives in host memory as a Float32Array (WASM and CPU backends: their tensors are in host
   * memory anyway, and Adam runs as a host loop, see flat-adam.ts) or as a tensor (GPU backends).
   */
  readonly onHost: boolean;
  private readonly offsets: { w: number; b: number }[] = [];
  private hostTheta: Float32Array | null = null;
  /** θ as a tensor: the parameters on a GPU backend; on the host path a copy made on demand. */
  private thetaT: tf.Tensor1D | null = null;
  private views: { W: tf.Tensor2D; b: tf.Tensor1D }[] | null = null;

  constructor(sizes: readonly number[], output: OutputActivation, init: Rng | Float32Array, opts: { onHost?: boolean } = {}) {
    if (sizes.length < 2) throw new Error('FlatMlp: needs at least an input and an output size');
    this.sizes = sizes;
    this.output = output;
    this.onHost = opts.onHost ?? hostMemoryBackend();
    let n = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      this.offsets.push({ w: n, b: n + sizes[l] * sizes[l + 1] });
      n += sizes[l] * sizes[l + 1] + sizes[l + 1];
    }
    this.numParams = n;
    let values: Float32Array;
    if (init instanceof Float32Array) {
      if (init.length !== n) throw new Error(`FlatMlp: θ has ${init.length} values, expected ${n}`);
      values = init.slice();
    } else {
      // PyTorch nn.Linear default: W, b ~ U(−1/√fanIn, 1/√fanIn) — the reference implementation's init.
      values = new Float32Array(n);
      for (let l = 0; l < this.offsets.length; l++) {
        const bound = 1 / Math.sqrt(sizes[l]);
        const end = this.offsets[l].b + sizes[l + 1];
        for (let i = this.offsets[l].w; i < end; i++) values[i] = init.uniform(-bound, bound);
      }
    }
    if (this.onHost) this.hostTheta = values;
    else this.thetaT = tf.keep(tf.tensor1d(values));
  }

  /** θ as a tensor (owned by the MLP: valid until the next update or `setValues`). */
  get theta(): tf.Tensor1D {
    // A copy: θ changes in place on the host path, this tensor must not (see `update`).
    if (!this.thetaT) this.thetaT = tf.keep(tf.tensor1d(this.hostTheta!.slice()));
    return this.thetaT;
  }

  /** A copy of θ. */
  values(): Float32Array {
    return this.hostTheta ? this.hostTheta.slice() : (this.thetaT!.dataSync() as Float32Array).slice();
  }

  /** Replaces θ by a copy of `v`. */
  setValues(v: Float32Array): void {
    if (v.length !== this.numParams) throw new Error(`FlatMlp: θ has ${v.length} values, expected ${this.numParams}`);
    this.invalidate();
    if (this.hostTheta) this.hostTheta.set(v);
    else this.thetaT = tf.keep(tf.tensor1d(v));
  }

  /** One optimiser step from the flat gradient (same layout as θ). */
  update(grad: tf.Tensor1D, opt: FlatAdam): void {
    if (opt.onHost !== this.onHost) throw new Error('FlatMlp.update: the optimiser and the MLP keep their values in different places');
    if (this.hostTheta) {
      const g = grad.dataSync();
      // Views first: on the CPU backend a tensor made from a Float32Array shares its memory, so
      // the views must be gone before θ changes in place.
      this.invalidate();
      opt.stepHost(this.hostTheta, g);
      return;
    }
    const next = opt.step(this.thetaT!, grad);
    this.invalidate();
    this.thetaT = tf.keep(next);
  }

  /** Drops what was derived from θ (per-layer views, the tensor θ); on the GPU path also θ itself. */
  private invalidate(): void {
    this.disposeViews();
    this.thetaT?.dispose();
    this.thetaT = null;
  }

  /** Per-layer W and b, cut from θ once per θ. */
  layers(): { W: tf.Tensor2D; b: tf.Tensor1D }[] {
    if (!this.views) this.views = this.hostTheta ? this.unpackOnHost(this.hostTheta) : this.unpackBySlicing(this.thetaT!);
    return this.views;
  }

  /**
   * On backends whose tensors live in host memory (WASM, CPU) eight uploads from the host θ are
   * ~10× cheaper than eight `slice` kernels: TF.js WASM's Slice copies the WHOLE input out of
   * the heap for every slice (measured here: 46 µs per slice of a 40k θ).
   */
  private unpackOnHost(v: Float32Array): { W: tf.Tensor2D; b: tf.Tensor1D }[] {
    return this.offsets.map((o, l) => {
      const fi = this.sizes[l];
      const fo = this.sizes[l + 1];
      return {
        W: tf.keep(tf.tensor2d(v.subarray(o.w, o.w + fi * fo), [fi, fo])),
        b: tf.keep(tf.tensor1d(v.subarray(o.b, o.b + fo))),
      };
    });
  }

  private unpackBySlicing(theta: tf.Tensor1D): { W: tf.Tensor2D; b: tf.Tensor1D }[] {
    return tf.tidy(() =>
      this.offsets.map((o, l) => {
        const fi = this.sizes[l];
        const fo = this.sizes[l + 1];
        return {
          W: tf.keep(tf.reshape(tf.slice(theta, [o.w], [fi * fo]), [fi, fo]) as tf.Tensor2D),
          b: tf.keep(tf.slice(theta, [o.b], [fo])),
        };
      }),
    );
  }

  /**
   * Forward pass. Returns every layer's output (acts[0] = x, acts[L] = network output); the
   * caller owns them (use inside tf.tidy).
   */
  forward(x: tf.Tensor2D): tf.Tensor2D[] {
    const layers = this.layers();
    const acts: tf.Tensor2D[] = [x];
    let h = x;
    for (let l = 0; l < layers.length; l++) {
      const last = l === layers.length - 1;
      const activation = last ? (this.output === 'sigmoid' ? 'sigmoid' : 'linear') : 'relu';
      h = tf.fused.matMul({ a: h, b: layers[l].W, bias: layers[l].b, activation }) as tf.Tensor2D;
      acts.push(h);
    }
    return acts;
  }

  /** dLoss/d(pre-activation) of the output layer, given dLoss/d(output). */
  private outputDelta(out: tf.Tensor2D, dOut: tf.Tensor2D): tf.Tensor2D {
    if (this.output === 'linear') return dOut;
    // σ'(z) = y(1 − y)
    return tf.mul(dOut, tf.mul(out, tf.sub(1, out))) as tf.Tensor2D;
  }

  /**
   * Backward pass from dLoss/d(output). Returns the flat gradient w.r.t. θ (same layout) and,
   * when asked, dLoss/dx.
   */
  backward(acts: tf.Tensor2D[], dOut: tf.Tensor2D, wantInputGrad = false): { grad: tf.Tensor1D; dx?: tf.Tensor2D } {
    const layers = this.layers();
    const L = layers.length;
    const parts: tf.Tensor[] = new Array(2 * L);
    let dz = this.outputDelta(acts[L], dOut);
    let dx: tf.Tensor2D | undefined;
    for (let l = L - 1; l >= 0; l--) {
      parts[2 * l] = tf.reshape(this.weightGrad(acts[l], dz), [-1]);
      parts[2 * l + 1] = tf.sum(dz, 0);
      if (l > 0 || wantInputGrad) {
        const dh = this.inputGradOf(dz, layers[l].W);
        if (l === 0) dx = dh;
        else dz = tf.mul(dh, tf.step(acts[l])) as tf.Tensor2D; // ReLU'(z) = [h > 0]
      }
    }
    return { grad: tf.concat(parts) as tf.Tensor1D, dx };
  }

  /** dLoss/dx only (no parameter gradients): the actor's path through the critic. */
  inputGrad(acts: tf.Tensor2D[], dOut: tf.Tensor2D): tf.Tensor2D {
    const layers = this.layers();
    const L = layers.length;
    let dz = this.outputDelta(acts[L], dOut);
    for (let l = L - 1; l > 0; l--) {
      dz = tf.mul(this.inputGradOf(dz, layers[l].W), tf.step(acts[l])) as tf.Tensor2D;
    }
    return this.inputGradOf(dz, layers[0].W);
  }

  /**
   * x^T·dz and dz·W^T. TF.js WASM runs a transposed matMul operand through a slow generic loop
   * (measured here: dz·W^T 250 µs, x^T·dz 510 µs for 8×128 by 128×128), while XNNPACK takes the
   * plain form; transposing the small batch-sized operand first is 2–3× faster there.
   */
  private weightGrad(x: tf.Tensor2D, dz: tf.Tensor2D): tf.Tensor2D {
    return this.plainMatMulOnly() ? tf.matMul(tf.transpose(x), dz) : tf.matMul(x, dz, true, false);
  }

  private inputGradOf(dz: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D {
    return this.plainMatMulOnly() ? tf.transpose(tf.matMul(W, tf.transpose(dz))) : tf.matMul(dz, W, false, true);
  }

  private plainMatMulOnly(): boolean {
    return tf.getBackend() === 'wasm';
  }

  private disposeViews(): void {
    if (this.views) {
      for (const v of this.views) {
        v.W.dispose();
        v.b.dispose();
      }
      this.views = null;
    }
  }

  dispose(): void {
    this.invalidate();
  }
}
