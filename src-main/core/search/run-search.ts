import type { RunEvent } from '../../contracts/run';
import type { Estimator } from '../estimators/estimator';
import { reward as rewardOf, type RewardSpec } from '../../common/rewards';
import type { SearchSpace } from '../../common/spaces/space';
import type { SearchStrategy } from '../../common/strategy';

export interface SearchBest {
  /** External form (arch string / genotype / config) of the best architecture. */
  arch: string;
  key: string;
  value: number;
  step: number;
}

/** Where a loop stands between steps: saved in checkpoints, given back to resume. */
export interface LoopState {
  /** The next step to run (= steps done). */
  step: number;
  best: SearchBest | null;
  queriesToOptimum: number | null;
  /** Seconds spent so far (over every session of the run). */
  seconds: number;
}

export type StopRequest = 'pause' | 'cancel' | null;

export interface SearchOptions<A> {
  space: SearchSpace<A>;
  estimator: Estimator<A>;
  strategy: SearchStrategy<A>;
  steps: number;
  reward: RewardSpec;
  /** Continue from here (resume); default: a fresh run. */
  from?: LoopState;
  /** Called after every query (write events, update a progress bar). */
  onEvent?: (e: RunEvent) => void;
  /** Called after step s when (s + 1) % every === 0, with the state to checkpoint. */
  checkpoint?: { every: number; save: (state: LoopState) => void };
  /** Polled between steps. */
  shouldStop?: () => StopRequest;
  /**
   * Awaited between steps so that messages and signals (pause, cancel, Ctrl-C) can arrive while
   * a long run goes (e.g. setImmediate in Node, a zero-delay timer in a browser).
   */
  yieldToEvents?: () => Promise<void>;
}

export interface SearchSummary {
  state: LoopState;
  /** 'completed', or why the loop stopped early. */
  outcome: 'completed' | 'paused' | 'cancelled';
}

/**
 * The search loop shared by every method: ask the strategy, query the estimator, compute the
 * reward (Eq. 3 / Eq. 7), tell the strategy. It knows only the interfaces.
 */
export async function runSearch<A>(o: SearchOptions<A>): Promise<SearchSummary> {
  const t0 = performance.now();
  const optimumKey = o.estimator.optimum?.().key ?? null;
  const state: LoopState = o.from ? { ...o.from } : { step: 0, best: null, queriesToOptimum: null, seconds: 0 };
  const base = state.seconds;
  const elapsed = () => base + (performance.now() - t0) / 1000;
  while (state.step < o.steps) {
    if (o.yieldToEvents) await o.yieldToEvents();
    const stop = o.shouldStop?.() ?? null;
    if (stop) {
      state.seconds = elapsed();
      return { state, outcome: stop === 'pause' ? 'paused' : 'cancelled' };
    }
    const step = state.step;
    const p = o.strategy.propose(step);
    // An over-budget architecture is answered with the penalty and never becomes the best.
    const admitted = o.estimator.admits?.(p.arch) ?? true;
    const cost = o.estimator.cost?.(p.arch);
    const value = await o.estimator.query(p.arch);
    const r = rewardOf(value, o.reward);
    const info = o.strategy.observe(p, value, r);
    const key = o.space.key(p.arch);
    const arch = o.space.format(p.arch);
    if (admitted && (!state.best || value > state.best.value)) state.best = { arch, key, value, step };
    if (state.queriesToOptimum === null && key === optimumKey) state.queriesToOptimum = step + 1;
    state.step = step + 1;
    state.seconds = elapsed();
    o.onEvent?.({
      step, arch, key, value, reward: r, best: state.best ? state.best.value : value, phase: p.phase, epsilon: p.epsilon ?? null,
      criticLoss: info.criticLoss, actorLoss: info.actorLoss, seconds: state.seconds,
      ...(cost ? { macs: cost.macs, params: cost.params } : {}),
      ...(admitted ? {} : { overBudget: true as const }),
    });
    if (o.checkpoint && state.step % o.checkpoint.every === 0 && state.step < o.steps) o.checkpoint.save({ ...state });
  }
  state.seconds = elapsed();
  return { state, outcome: 'completed' };
}
