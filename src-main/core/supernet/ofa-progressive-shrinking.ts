import type { Rng } from '../../common/rng';
import { OFA_DEPTHS, OFA_EXPANDS, OFA_KERNELS, OFA_LAYERS_PER_UNIT, OFA_UNITS, type OfaConfig } from '../../common/spaces/ofa';
import type { PathSampler } from './supernet';

/**
 * OFA's progressive shrinking (Cai et al., ICLR 2020; mit-han-lab/once-for-all
 * `train_ofa_net.py` and `elastic_nn/training/progressive_shrinking.py`) as a schedule of the
 * subnets a supernet training samples: first the largest network only, then elastic kernel size,
 * then elastic depth (two phases), then elastic expand ratio (two phases), each phase sampling
 * uniformly (OFA's sample_active_subnet: every layer's kernel and expand ratio, every unit's
 * depth, from the phase's lists) from a set of choices that only grows.
 *
 * | phase | kernel | expand | depth | OFA's epochs |
 * |---|---|---|---|---|
 * | largest | 7 | 6 | 4 | 180 (the paper; train_ofa_net.py downloads this network, `ofa_D4_E6_K7`) |
 * | kernel | 3, 5, 7 | 6 | 4 | 120 (`--task kernel`) |
 * | depth 1 | 3, 5, 7 | 6 | 3, 4 | 25 (`--task depth --phase 1`) |
 * | depth 2 | 3, 5, 7 | 6 | 2, 3, 4 | 120 (`--task depth --phase 2`) |
 * | expand 1 | 3, 5, 7 | 4, 6 | 2, 3, 4 | 25 (`--task expand --phase 1`) |
 * | expand 2 | 3, 5, 7 | 3, 4, 6 | 2, 3, 4 | 120 (`--task expand --phase 2`) |
 *
 * A run here has one training of `epochs` epochs, so the phases split its steps in OFA's
 * proportions (180 : 120 : 25 : 120 : 25 : 120 of 590; a phase that rounds to no step is
 * skipped). The phase is a function of the global step alone, so a training resumed after any
 * epoch samples exactly as an uninterrupted one. Not reproduced (documented, not hidden): OFA's
 * per-phase learning-rate restarts and warm-up (one cosine schedule runs over the whole
 * training here), knowledge distillation from the largest network, several subnets per step
 * (OFA's dynamic_batch_size 1, 2, 4), and the expand phases' channel re-ordering by importance
 * (re_organize_middle_weights).
 */
export interface ProgressiveShrinkingPhase {
  name: 'largest' | 'kernel' | 'depth-1' | 'depth-2' | 'expand-1' | 'expand-2';
  kernels: readonly number[];
  expands: readonly number[];
  depths: readonly number[];
  /** OFA's epochs for the phase: its share of a run's steps. */
  weight: number;
}

export const OFA_PROGRESSIVE_SHRINKING: readonly ProgressiveShrinkingPhase[] = [
  { name: 'largest', kernels: [7], expands: [6], depths: [4], weight: 180 },
  { name: 'kernel', kernels: [3, 5, 7], expands: [6], depths: [4], weight: 120 },
  { name: 'depth-1', kernels: [3, 5, 7], expands: [6], depths: [3, 4], weight: 25 },
  { name: 'depth-2', kernels: [3, 5, 7], expands: [6], depths: [2, 3, 4], weight: 120 },
  { name: 'expand-1', kernels: [3, 5, 7], expands: [4, 6], depths: [2, 3, 4], weight: 25 },
  { name: 'expand-2', kernels: [...OFA_KERNELS], expands: [...OFA_EXPANDS], depths: [...OFA_DEPTHS], weight: 120 },
];

const TOTAL_WEIGHT = OFA_PROGRESSIVE_SHRINKING.reduce((s, p) => s + p.weight, 0);

/** The first global step of each phase (and, last, totalSteps): phase p trains steps [starts[p], starts[p + 1]). */
export function progressiveShrinkingStarts(totalSteps: number): number[] {
  let cum = 0;
  const starts = [0];
  for (const p of OFA_PROGRESSIVE_SHRINKING) {
    cum += p.weight;
    starts.push(Math.round((totalSteps * cum) / TOTAL_WEIGHT));
  }
  return starts;
}

/** The phase that trains global step `step` (0-based) of `totalSteps`. */
export function progressiveShrinkingPhase(step: number, totalSteps: number): ProgressiveShrinkingPhase {
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) throw new Error(`progressive shrinking: step ${step} is outside the training's ${totalSteps} steps`);
  const starts = progressiveShrinkingStarts(totalSteps);
  for (let p = 0; p < OFA_PROGRESSIVE_SHRINKING.length; p++) if (step < starts[p + 1]) return OFA_PROGRESSIVE_SHRINKING[p];
  return OFA_PROGRESSIVE_SHRINKING[OFA_PROGRESSIVE_SHRINKING.length - 1];
}

/**
 * A subnet of `phase`, uniform over its choices as OFA's sample_active_subnet: per layer one
 * (kernel, expand) pair drawn at once (as ofaSpace.sample draws its operation), then per unit a
 * depth. A phase with a single choice everywhere (the largest network) draws nothing.
 */
export function sampleOfaPhase(phase: ProgressiveShrinkingPhase, rng: Rng): OfaConfig {
  const pairs = phase.expands.flatMap((e) => phase.kernels.map((k) => ({ e, k })));
  const ks: number[] = [], e: number[] = [];
  for (let l = 0; l < OFA_UNITS * OFA_LAYERS_PER_UNIT; l++) {
    const op = pairs.length === 1 ? pairs[0] : pairs[rng.int(pairs.length)];
    ks.push(op.k);
    e.push(op.e);
  }
  const d = Array.from({ length: OFA_UNITS }, () => (phase.depths.length === 1 ? phase.depths[0] : phase.depths[rng.int(phase.depths.length)]));
  return { ks, e, d };
}

/** The training sampler of progressive shrinking (SupernetBuilder.samplers['progressive-shrinking']). */
export const ofaProgressiveShrinking: PathSampler<OfaConfig> = (rng, step, totalSteps) => sampleOfaPhase(progressiveShrinkingPhase(step, totalSteps), rng);
