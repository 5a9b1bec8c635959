import type { AgentConfig } from '../../contracts/agent-config';
import { L2nasAgent } from '../agent/l2nas-agent';
import { LOCAL_DEFAULTS, LocalSearch, type LocalSearchOptions } from '../baselines/local-search';
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
  /** Absent: LOCAL_DEFAULTS (first improvement). */
  local?: LocalSearchOptions;
}

type StrategyFactory = (space: SearchSpace<unknown>, rng: Rng, s: StrategySettings) => SearchStrategy<unknown>;

/** Every method (contracts/ids.ts METHOD_IDS) and how to build it: a missing one is a compile error. */
const STRATEGIES: { readonly [K in MethodName]: StrategyFactory } = {
  l2nas: (space, rng, s) => new L2nasAgent(space, s.agent, rng),
  random: (space, rng) => new RandomSearch(space, rng),
  rea: (space, rng, s) => new RegularizedEvolution(space, rng, s.rea),
  reinforce: (space, rng, s) => new Reinforce(space, rng, s.reinforce),
  local: (space, rng, s) => new LocalSearch(space, rng, s.local ?? LOCAL_DEFAULTS),
};

/** Builds a method's strategy; all of them draw from the run's one Rng. */
export function createStrategy<A>(method: MethodName, space: SearchSpace<A>, rng: Rng, s: StrategySettings): SearchStrategy<A> {
  return STRATEGIES[method](space as SearchSpace<unknown>, rng, s) as SearchStrategy<A>;
}
