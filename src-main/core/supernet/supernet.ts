import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { SupernetId } from '../../common/supernets';
import type { SupernetSampling } from '../../contracts/run';
import type { ParamStore } from './param-store';

/**
 * A weight-sharing supernet over the architectures `A` of one search space (paper §2.1): it
 * holds every operation's weights, and a forward pass runs only the discrete
 * path of one architecture (single-path uniform sampling trains exactly that path's weights).
 * Implemented by the NAS-Bench-201 and DARTS supernets; the trainer and the supernet estimator
 * work with any of them.
 */
export interface PathSupernet<A> {
  readonly params: ParamStore;
  /** Logits [B, classes] of the path `arch` (call inside tf.tidy or a gradient function). */
  forward(x: tf.Tensor4D, arch: A): tf.Tensor2D;
  /**
   * The variables the path `arch` uses: the only ones a training step on it may change. Both
   * supernets record what a forward pass reads (ParamStore.record), so no list of names can
   * drift from the network.
   */
  pathParams(arch: A): tf.Variable[];
  /** Supernets with BN running statistics (ofa): how BN normalises ('batch' while training). */
  bnMode?: 'batch' | 'running';
  /**
   * Recomputes the running statistics of the path `arch` on these batches (OFA's
   * set_running_statistics), for any reader: it yields each tensor whose values it needs (its
   * own: it disposes them) and takes the values back, so a query reads synchronously on cpu/wasm
   * and with `await data()` on WebGPU (core/backend-reads.ts).
   */
  recalibrateSteps?(batches: Iterable<tf.Tensor4D>, arch: A): Generator<tf.Tensor, void, ArrayLike<number>>;
  dispose(): void;
}

/** The image data a supernet is built for. */
export interface SupernetShape {
  inChannels: number;
  classes: number;
}

/**
 * How to build one kind of supernet (core/supernet/registry.ts lists them): its search space
 * and a constructor from the run's settings (C, N as common/supernets.ts describes them) and
 * the run's Rng (weights are initialised from it, so a seed gives one supernet).
 */
export interface SupernetBuilder<A> {
  readonly id: SupernetId;
  readonly space: SearchSpace<A>;
  build(shape: SupernetShape, C: number, N: number, rng: Rng): PathSupernet<A>;
  /**
   * Training samplers other than single-path uniform sampling (space.sample), by the name a
   * run's `sampling` gives (contracts/run.ts SUPERNET_SAMPLINGS; common/supernets.ts says which
   * a supernet offers): ofa's progressive shrinking.
   */
  readonly samplers?: Partial<Record<Exclude<SupernetSampling, 'uniform'>, PathSampler<A>>>;
}

/**
 * The path one training step trains, from the run's Rng, the 0-based global step (epoch ×
 * steps per epoch + batch) and the training's total steps: a schedule over the steps (a
 * function of the step alone, so resuming after an epoch samples as an uninterrupted run).
 */
export type PathSampler<A> = (rng: Rng, step: number, totalSteps: number) => A;

/** Multiply-accumulates per image and parameters of one subnet. */
export interface ArchCost {
  macs: number;
  params: number;
}

/** MACs and parameters of a supernet's subnets (core/supernet/cost-models.ts lists those that have one). */
export interface SupernetCostModel<A> {
  cost(arch: A, height: number, width: number): ArchCost;
  /** The cheapest subnet's cost: a budget below it admits nothing. */
  minimum(height: number, width: number): ArchCost;
}
