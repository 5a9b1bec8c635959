import type { AgentConfig } from '../../contracts/agent-config';
import { L2nasAgent } from '../agent/l2nas-agent';
import { RandomSearch } from '../baselines/random-search';
import { RegularizedEvolution, type ReaOptions } from '../baselines/regularized-evolution';
import { Reinforce, type ReinforceOptions } from '../baselines/reinforce';
import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { MethodName, SearchStrategy } from '../../common/strategy';

export interface StrategySettings {
  agent: AgentConfig;
  rea: ReaOptions;
  reinforce: ReinforceOptions;
}

/** Builds a method's strategy; all of them draw from the run's one Rng. */
export function createStrategy<A>(method: MethodName, space: SearchSpace<A>, rng: Rng, s: StrategySettings): SearchStrategy<A> {
  switch (method) {
    case 'l2nas':
      return new L2nasAgent(space, s.agent, rng);
    case 'random':
      return new RandomSearch(space, rng);
    case 'rea':
      return new RegularizedEvolution(space, rng, s.rea);
    case 'reinforce':
      return new Reinforce(space, rng, s.reinforce);
  }
}
