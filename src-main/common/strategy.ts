import type { MethodId } from '../contracts/ids';

/** How a step chose its architecture (shown in events and the dashboard). */
export type Phase = 'warmup' | 'explore' | 'exploit' | 'random' | 'population' | 'evolve' | 'policy';

export interface Proposal<A> {
  arch: A;
  /** The continuous action α_t the agent emitted (L²NAS only). */
  alpha?: Float32Array;
  phase: Phase;
  /** ε used at this step (L²NAS only). */
  epsilon?: number;
  /** True when the strategy replaced a repeated architecture by an unseen one (dedupe). */
  deduped?: boolean;
}

export interface StepInfo {
  criticLoss: number | null;
  actorLoss: number | null;
}

/**
 * One search strategy (L²NAS or a baseline), NASLib-style: the search loop asks for the next
 * architecture, queries the estimator, and tells the strategy the result. Everything random
 * comes from the run's one Rng, given to the constructor.
 */
export interface SearchStrategy<A> {
  readonly method: MethodName;
  propose(step: number): Proposal<A>;
  /** `value`: the search metric (accuracy, %); `reward`: the paper's reward for it. */
  observe(p: Proposal<A>, value: number, reward: number): StepInfo;
  /** Everything needed to continue exactly (plain data; typed arrays allowed). */
  snapshot(): unknown;
  /** Restores a snapshot taken by the same strategy class and settings. */
  restore(s: unknown): void;
  dispose(): void;
}

export { METHOD_IDS as METHOD_NAMES } from '../contracts/ids';
export type MethodName = MethodId;
