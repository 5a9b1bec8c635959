import type { RunEvent } from '../../src-main/contracts/run';
import type { SearchSpace } from '../../src-main/common/spaces/space';

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
 * The agent's state s_t (PRODUCT.md §1; paper Figure 2): the element-wise mean of the one-hot
 * α^d of the top-K distinct architectures queried so far, each at its best value. Rebuilt from
 * the run's events, so it works for live runs, past runs and runs made by the CLI alike.
 */
export class TopKState {
  /** Best value per architecture key, and its arch text. */
  private readonly bestOf = new Map<string, { arch: string; value: number }>();
  /** The current top-K keys, best first. */
  private top: string[] = [];

  constructor(
    private readonly space: SearchSpace<unknown>,
    readonly k: number,
  ) {}

  add(e: { key: string; arch: string; value: number }): void {
    const prev = this.bestOf.get(e.key);
    if (prev && prev.value >= e.value) return;
    this.bestOf.set(e.key, { arch: e.arch, value: e.value });
    const worst = this.top.length < this.k ? -Infinity : this.bestOf.get(this.top[this.top.length - 1])!.value;
    if (!this.top.includes(e.key) && e.value <= worst) return;
    this.top = this.top.filter((k) => k !== e.key);
    let i = this.top.length;
    while (i > 0 && this.bestOf.get(this.top[i - 1])!.value < e.value) i--;
    this.top.splice(i, 0, e.key);
    if (this.top.length > this.k) this.top.length = this.k;
  }

  get size(): number {
    return this.top.length;
  }

  /** s_t as one matrix per α block: rows = edges/layers, columns = operations/choices. */
  matrices(): { name: string; rows: readonly string[]; cols: readonly string[]; values: number[][] }[] {
    const state = new Float32Array(this.space.dim);
    for (const key of this.top) {
      const oneHot = this.space.encode(this.space.parse(this.bestOf.get(key)!.arch));
      for (let i = 0; i < state.length; i++) state[i] += oneHot[i] / this.top.length;
    }
    let offset = 0;
    return this.space.matrices.map((m) => {
      const values = m.rows.map((_, r) => Array.from(state.subarray(offset + r * m.cols.length, offset + (r + 1) * m.cols.length)));
      offset += m.rows.length * m.cols.length;
      return { name: m.name, rows: m.rows, cols: m.cols, values };
    });
  }
}
