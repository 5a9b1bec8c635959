import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { Proposal, SearchStrategy, StepInfo } from '../../common/strategy';

const NO_LOSS: StepInfo = { criticLoss: null, actorLoss: null };

/** Random search: each query an architecture drawn uniformly (with replacement, as usual). */
export class RandomSearch<A> implements SearchStrategy<A> {
  readonly method = 'random' as const;
  constructor(
    private readonly space: SearchSpace<A>,
    private readonly rng: Rng,
  ) {}
  propose(): Proposal<A> {
    return { arch: this.space.sample(this.rng), phase: 'random' };
  }
  observe(): StepInfo {
    return NO_LOSS;
  }
  /** Stateless: the run's Rng carries everything. */
  snapshot(): unknown {
    return {};
  }
  restore(): void {}
  dispose(): void {}
}
