import type { RunEvent } from '../../src-main/contracts/run';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import type { TopKState } from '../../src-main/common/top-k-state';

/**
 * Keeps at most `max` points of a series for drawing: for long runs each bucket of steps keeps
 * its first, lowest and highest point, so spikes and the envelope survive (a 20,000-step run
 * draws ~2·max points instead of 20,000). Shorter series are returned whole.
 */
export function downsampleMinMax(xs: ArrayLike<number>, ys: ArrayLike<number | null>, max: number): [number, number][] {
  const out: [number, number][] = [];
  const n = xs.length;
  if (n <= max) {
    for (let i = 0; i < n; i++) if (ys[i] !== null) out.push([xs[i], ys[i] as number]);
    return out;
  }
  const bucket = Math.ceil(n / Math.max(1, Math.floor(max / 2)));
  for (let start = 0; start < n; start += bucket) {
    const end = Math.min(n, start + bucket);
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i];
      if (y === null) continue;
      if (lo < 0 || y < (ys[lo] as number)) lo = i;
      if (hi < 0 || y > (ys[hi] as number)) hi = i;
    }
    if (lo < 0) continue;
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) if (out.length === 0 || out[out.length - 1][0] !== xs[i]) out.push([xs[i], ys[i] as number]);
  }
  return out;
}

/** Column arrays of a run's events, appended to as events arrive (no per-event re-copy). */
export class RunSeries {
  readonly step: number[] = [];
  readonly value: number[] = [];
  readonly best: number[] = [];
  readonly epsilon: (number | null)[] = [];
  readonly criticLoss: (number | null)[] = [];
  readonly actorLoss: (number | null)[] = [];
  readonly seconds: number[] = [];
  readonly phase: string[] = [];
  /** Each query's architecture text (tooltips name it; a click on a query point draws it). */
  readonly arch: string[] = [];

  get length(): number {
    return this.step.length;
  }

  push(e: RunEvent): void {
    this.step.push(e.step);
    this.value.push(e.value);
    this.best.push(e.best);
    this.epsilon.push(e.epsilon);
    this.criticLoss.push(e.criticLoss);
    this.actorLoss.push(e.actorLoss);
    this.seconds.push(e.seconds);
    this.phase.push(e.phase);
    this.arch.push(e.arch);
  }

  /** Index of `step` (steps are 0, 1, 2… in order, so it is the step itself when present). */
  indexOf(step: number): number {
    return this.step[step] === step ? step : this.step.indexOf(step);
  }

  /** Queries per second over the last `window` steps (the live rate, not the run's average). */
  stepsPerSecond(window = 50): number | null {
    const n = this.length;
    if (n < 2) return null;
    const a = Math.max(0, n - 1 - window);
    const dt = this.seconds[n - 1] - this.seconds[a];
    return dt > 0 ? (n - 1 - a) / dt : null;
  }

  /** Seconds left for `total` steps at the live rate. */
  eta(total: number): number | null {
    const rate = this.stepsPerSecond();
    return rate ? Math.max(0, total - this.length) / rate : null;
  }
}

/**
 * Offers one queried architecture to the top-K state s_t (paper §2.2, Figure 2) at its reward, as
 * the agent offered it: the engine's own TopKState (src-main/common) rebuilt from a run's events,
 * so the dashboard draws the state the agent saw, for live runs, past runs and CLI-made runs alike.
 */
export function offerEvent(state: TopKState, space: SearchSpace<unknown>, e: Pick<RunEvent, 'key' | 'arch' | 'reward'>): void {
  state.offer(e.key, e.reward, space.encode(space.parse(e.arch)));
}

/** s_t as one matrix per α block: rows = edges/layers, columns = operations/choices. */
export function stateMatrices(state: TopKState, space: SearchSpace<unknown>): { name: string; rows: readonly string[]; cols: readonly string[]; values: number[][] }[] {
  const s = state.state();
  let offset = 0;
  return space.matrices.map((m) => {
    const values = m.rows.map((_, r) => Array.from(s.subarray(offset + r * m.cols.length, offset + (r + 1) * m.cols.length)));
    offset += m.rows.length * m.cols.length;
    return { name: m.name, rows: m.rows, cols: m.cols, values };
  });
}
