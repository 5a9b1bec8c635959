import type { Rng } from '../rng';

/** One |E|×|O| block of α, e.g. NAS-Bench-201's 6×5 matrix or DARTS's α_normal. */
export interface AlphaMatrix {
  readonly name: string;
  /** Row labels (edges or layers). */
  readonly rows: readonly string[];
  /** Column labels (operations or choices). */
  readonly cols: readonly string[];
}

/**
 * A search space (paper §2, §3): it fixes α's shape, how α is discretized (Algorithm 1 / 2),
 * and the external text format of an architecture. The agent sees α flattened, matrices
 * concatenated in `matrices` order, row-major.
 */
export interface SearchSpace<A = unknown> {
  readonly id: SpaceId;
  readonly title: string;
  /**
   * Every row of α is one independent categorical choice whose argmax is the operation (NB201,
   * OFA): a row-wise policy such as REINFORCE's can sample the space. DARTS's rows are not (its
   * nodes keep their two strongest inputs).
   */
  readonly categoricalRows: boolean;
  /** File name of the architecture in its native text (format()), for exports. */
  readonly archFileName: string;
  readonly matrices: readonly AlphaMatrix[];
  /** Total number of α entries (the agent's action size). */
  readonly dim: number;
  /** Number of distinct architectures (may be astronomically large: a float). */
  readonly size: number;
  /** Discretize(α) → architecture (paper Alg. 1 / 2). */
  discretize(alpha: ArrayLike<number>): A;
  /** α^d: the one-hot matrices of an architecture, flattened. */
  encode(arch: A, out?: Float32Array): Float32Array;
  /** Canonical key: two architectures that build the same network share the key. */
  key(arch: A): string;
  /** External text form (NB201 arch string, DARTS genotype, OFA config JSON). */
  format(arch: A): string;
  /** Inverse of `format`; throws an Error naming what is wrong. */
  parse(text: string): A;
  /** A uniformly random architecture. */
  sample(rng: Rng): A;
  /** A random neighbour differing in one choice (used by REA and de-duplication). */
  mutate(arch: A, rng: Rng): A;
}

export type { SpaceId } from '../../contracts/ids';
import type { SpaceId } from '../../contracts/ids';

/** Index of the largest entry of `v[offset .. offset+n)` (first on ties). */
export function argmaxRange(v: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let j = 0; j < n; j++) {
    const x = v[offset + j];
    if (x > bestVal) {
      bestVal = x;
      best = j;
    }
  }
  return best;
}

export function checkAlphaLength(space: { id: string; dim: number }, alpha: ArrayLike<number>): void {
  if (alpha.length !== space.dim) {
    throw new Error(`${space.id}: α has ${alpha.length} entries, expected ${space.dim}`);
  }
}
