import type { RunEvent } from '../../contracts/run';
import type { Estimator } from '../estimators/estimator';
import { reward as rewardOf, type RewardSpec } from '../rewards';
import type { SearchSpace } from '../spaces/space';
import type { SearchStrategy } from './strategy';

export interface SearchBest<A> {
  arch: A;
  key: string;
  value: number;
  step: number;
}

export interface SearchOptions<A> {
  space: SearchSpace<A>;
  estimator: Estimator<A>;
  strategy: SearchStrategy<A>;
  steps: number;
  reward: RewardSpec;
  /** Called after every query (write events, update a progress bar). */
  onEvent?: (e: RunEvent) => void;
  /** Polled between steps: return true to stop early (cancel). */
  shouldStop?: () => boolean;
}

export interface SearchSummary<A> {
  best: SearchBest<A>;
  steps: number;
  seconds: number;
  cancelled: boolean;
  /** First step whose architecture is the estimator's known optimum, or null. */
  queriesToOptimum: number | null;
}

/**
 * The search loop shared by every method: ask the strategy, query the estimator, compute the
 * reward (Eq. 3 / Eq. 7), tell the strategy. It knows only the interfaces.
 */
export function runSearch<A>(o: SearchOptions<A>): SearchSummary<A> {
  const t0 = performance.now();
  const optimumKey = o.estimator.optimum?.().key ?? null;
  let best: SearchBest<A> | null = null;
  let queriesToOptimum: number | null = null;
  let step = 0;
  for (; step < o.steps; step++) {
    if (o.shouldStop?.()) break;
    const p = o.strategy.propose(step);
    const value = o.estimator.query(p.arch);
    const r = rewardOf(value, o.reward);
    const info = o.strategy.observe(p, value, r);
    const key = o.space.key(p.arch);
    if (!best || value > best.value) best = { arch: p.arch, key, value, step };
    if (queriesToOptimum === null && key === optimumKey) queriesToOptimum = step + 1;
    o.onEvent?.({
      step,
      arch: o.space.format(p.arch),
      key,
      value,
      reward: r,
      best: best.value,
      phase: p.phase,
      epsilon: p.epsilon ?? null,
      criticLoss: info.criticLoss,
      actorLoss: info.actorLoss,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  if (!best) throw new Error('the search stopped before its first query');
  return { best, steps: step, seconds: (performance.now() - t0) / 1000, cancelled: step < o.steps, queriesToOptimum };
}
