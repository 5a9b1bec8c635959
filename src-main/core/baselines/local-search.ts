import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { Proposal, SearchStrategy, StepInfo } from '../../common/strategy';

export interface LocalSearchOptions {
  /**
   * 'first': move to the first neighbour (in random order) that beats the current architecture;
   * 'best': query every unseen neighbour, then move to the best one if it beats the current one.
   */
  move: 'first' | 'best';
}

/** First-improvement is the default: it spends fewer queries per move (bench/results/nb201.md). */
export const LOCAL_DEFAULTS: LocalSearchOptions = { move: 'first' };

/** A mutate-enumerated neighbourhood is complete when this many draws per neighbour found so far bring nothing new. */
const MUTATE_PATIENCE_PER_NEIGHBOUR = 8;
const MUTATE_PATIENCE_MIN = 64;
/** Inner moves/restarts without a query before a step gives up and re-queries a random sample (a tiny, exhausted space). */
const MAX_FREE_MOVES = 10_000;

interface Scored<A> {
  arch: A;
  value: number;
}

/**
 * Every architecture one choice away from `arch`, deduplicated by key, in the space's own order.
 *
 * Spaces whose α rows are independent categorical choices (NB201, OFA) are enumerated exactly:
 * each one-hot row of encode(arch) moved to each other column, then discretized. That needs
 * discretize(encode(a)) to give back `a` (OFA with a fixed resolution does not: α carries no
 * resolution). Every other space (DARTS: a node keeps two inputs; OFA with a resolution, whose
 * moves then change a kernel or an expand ratio, not both) is enumerated through its `mutate`,
 * which defines its one-choice moves: draws until MUTATE_PATIENCE_PER_NEIGHBOUR draws
 * per neighbour found bring no new one (a neighbour is then missed with probability ≈ e⁻⁸).
 */
export function neighbours<A>(space: SearchSpace<A>, arch: A, rng: Rng): A[] {
  const self = space.key(arch);
  const out = new Map<string, A>();
  const enc = space.encode(arch);
  if (space.categoricalRows && space.key(space.discretize(enc)) === self) {
    let offset = 0;
    for (const m of space.matrices) {
      const cols = m.cols.length;
      for (let r = 0; r < m.rows.length; r++, offset += cols) {
        let hot = -1;
        for (let j = 0; j < cols; j++) if (enc[offset + j] === 1) hot = j;
        for (let j = 0; j < cols; j++) {
          if (j === hot) continue;
          const alpha = enc.slice();
          alpha.fill(0, offset, offset + cols);
          alpha[offset + j] = 1;
          const n = space.discretize(alpha);
          const k = space.key(n);
          if (k !== self && !out.has(k)) out.set(k, n);
        }
      }
    }
    return [...out.values()];
  }
  let misses = 0;
  while (misses < Math.max(MUTATE_PATIENCE_MIN, MUTATE_PATIENCE_PER_NEIGHBOUR * out.size)) {
    const n = space.mutate(arch, rng);
    const k = space.key(n);
    if (k === self || out.has(k)) misses++;
    else {
      out.set(k, n);
      misses = 0;
    }
  }
  if (out.size === 0) throw new Error(`local search: ${space.id} (${space.title}) gives no one-choice neighbour of ${space.format(arch)}`);
  return [...out.values()];
}

function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Local search as in White et al. 2021 ("Local search is state of the art for NAS benchmarks"):
 * from a random architecture, examine its one-choice neighbours in random order and move to
 * the first one that is better (or, with move = 'best', to the best of all of them); at a local
 * optimum restart from a random architecture. Every query is of an architecture not queried
 * before: neighbours (and restart points) already queried are judged by their known value
 * without spending a query, so a move to a known better neighbour is free.
 */
export class LocalSearch<A> implements SearchStrategy<A> {
  readonly method = 'local' as const;
  /** Value of every architecture queried, by key. */
  private seen = new Map<string, number>();
  private current: Scored<A> | null = null;
  /** Neighbours of `current` not yet examined, in the order they will be. */
  private queue: A[] = [];
  /** move = 'best': the best neighbour of `current` examined so far. */
  private bestNeighbour: Scored<A> | null = null;

  constructor(
    private readonly space: SearchSpace<A>,
    private readonly rng: Rng,
    private readonly opts: LocalSearchOptions = LOCAL_DEFAULTS,
  ) {
    if (opts.move !== 'first' && opts.move !== 'best') throw new Error(`local search: move must be 'first' or 'best', got ${String(opts.move)}`);
  }

  private moveTo(s: Scored<A>): void {
    this.current = s;
    this.bestNeighbour = null;
    this.queue = shuffle(neighbours(this.space, s.arch, this.rng), this.rng);
  }

  /** A neighbour's value arrived (queried now or known): move now (first) or remember it (best). */
  private consider(s: Scored<A>): void {
    if (this.opts.move === 'first') {
      if (s.value > this.current!.value) this.moveTo(s);
    } else if (!this.bestNeighbour || s.value > this.bestNeighbour.value) this.bestNeighbour = s;
  }

  propose(): Proposal<A> {
    for (let free = 0; free < MAX_FREE_MOVES; free++) {
      if (!this.current) {
        const arch = this.space.sample(this.rng);
        const known = this.seen.get(this.space.key(arch));
        if (known === undefined) return { arch, phase: 'random' };
        this.moveTo({ arch, value: known });
        continue;
      }
      const next = this.queue.shift();
      if (next !== undefined) {
        const known = this.seen.get(this.space.key(next));
        if (known === undefined) return { arch: next, phase: 'evolve' };
        this.consider({ arch: next, value: known });
        continue;
      }
      // Every neighbour examined.
      if (this.bestNeighbour && this.bestNeighbour.value > this.current.value) this.moveTo(this.bestNeighbour);
      else this.current = null; // a local optimum: restart
    }
    // Only a space (nearly) every architecture of which was queried gets here.
    this.current = null;
    return { arch: this.space.sample(this.rng), phase: 'random' };
  }

  observe(p: Proposal<A>, value: number): StepInfo {
    this.seen.set(this.space.key(p.arch), value);
    if (!this.current) this.moveTo({ arch: p.arch, value });
    else this.consider({ arch: p.arch, value });
    return { criticLoss: null, actorLoss: null };
  }

  snapshot(): LocalSearchSnapshot {
    const fmt = (s: Scored<A> | null) => (s ? { arch: this.space.format(s.arch), value: s.value } : null);
    return {
      seen: [...this.seen],
      current: fmt(this.current),
      queue: this.queue.map((a) => this.space.format(a)),
      bestNeighbour: fmt(this.bestNeighbour),
    };
  }

  restore(s: unknown): void {
    const snap = s as LocalSearchSnapshot;
    const parse = (x: { arch: string; value: number } | null) => (x ? { arch: this.space.parse(x.arch), value: x.value } : null);
    this.seen = new Map(snap.seen);
    this.current = parse(snap.current);
    this.queue = snap.queue.map((a) => this.space.parse(a));
    this.bestNeighbour = parse(snap.bestNeighbour);
  }

  dispose(): void {}
}

export interface LocalSearchSnapshot {
  seen: [string, number][];
  current: { arch: string; value: number } | null;
  queue: string[];
  bestNeighbour: { arch: string; value: number } | null;
}
