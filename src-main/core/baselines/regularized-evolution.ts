import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { Proposal, SearchStrategy, StepInfo } from '../../common/strategy';

export interface ReaOptions {
  /** Population size P (NAS-Bench-201 paper: 10). */
  population: number;
  /** Tournament sample size S (NAS-Bench-201 paper: 3). */
  sample: number;
}

export const REA_DEFAULTS: ReaOptions = { population: 10, sample: 3 };

/**
 * Regularised evolution (Real et al. 2019) as run in the NAS-Bench-201 paper: P random
 * architectures, then each query mutates the best of S members drawn with replacement, adds the
 * child and removes the OLDEST member (ageing, not the worst).
 */
export class RegularizedEvolution<A> implements SearchStrategy<A> {
  readonly method = 'rea' as const;
  private members: { arch: A; value: number }[] = [];

  constructor(
    private readonly space: SearchSpace<A>,
    private readonly rng: Rng,
    private readonly opts: ReaOptions = REA_DEFAULTS,
  ) {
    if (opts.population < 1 || opts.sample < 1) throw new Error('REA needs population >= 1 and sample >= 1');
  }

  propose(): Proposal<A> {
    if (this.members.length < this.opts.population) return { arch: this.space.sample(this.rng), phase: 'population' };
    let parent = this.members[this.rng.int(this.members.length)];
    for (let i = 1; i < this.opts.sample; i++) {
      const c = this.members[this.rng.int(this.members.length)];
      if (c.value > parent.value) parent = c;
    }
    return { arch: this.space.mutate(parent.arch, this.rng), phase: 'evolve' };
  }

  observe(p: Proposal<A>, value: number): StepInfo {
    this.members.push({ arch: p.arch, value });
    if (this.members.length > this.opts.population) this.members.shift();
    return { criticLoss: null, actorLoss: null };
  }

  snapshot(): { members: { arch: string; value: number }[] } {
    return { members: this.members.map((m) => ({ arch: this.space.format(m.arch), value: m.value })) };
  }

  restore(s: unknown): void {
    const { members } = s as ReturnType<RegularizedEvolution<A>['snapshot']>;
    this.members = members.map((m) => ({ arch: this.space.parse(m.arch), value: m.value }));
  }

  dispose(): void {}
}
