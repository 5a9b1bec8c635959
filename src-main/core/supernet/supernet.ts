import type * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './param-store';

/**
 * A weight-sharing supernet over the architectures `A` of one search space (PRODUCT.md §3,
 * paper §2.1): it holds every operation's weights, and a forward pass runs only the discrete
 * path of one architecture (single-path uniform sampling trains exactly that path's weights).
 * Implemented by the NAS-Bench-201 and DARTS supernets; the trainer and the supernet estimator
 * work with any of them.
 */
export interface PathSupernet<A> {
  readonly params: ParamStore;
  /** Logits [B, classes] of the path `arch` (call inside tf.tidy or a gradient function). */
  forward(x: tf.Tensor4D, arch: A): tf.Tensor2D;
  /** The variables the path `arch` uses: the only ones a training step on it may change. */
  pathParams(arch: A): tf.Variable[];
  dispose(): void;
}
