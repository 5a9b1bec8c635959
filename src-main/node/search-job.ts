import type { RunConfig, RunEvent, RunResult } from '../contracts/run';
import { RUN_FORMAT_VERSION } from '../contracts/run';
import { TableEstimator } from '../core/estimators/table-estimator';
import { Rng } from '../core/rng';
import { createStrategy } from '../core/search/create-strategy';
import { runSearch } from '../core/search/run-search';
import { getSpace } from '../core/spaces';
import type { SearchSpace } from '../core/spaces/space';
import type { BenchmarkTable } from '../core/estimators/estimator';
import { loadBenchmarkTables } from './benchmark-csv';
import { selectBackend } from './backend';

export interface JobHooks {
  onEvent?: (e: RunEvent) => void;
  shouldStop?: () => boolean;
  /** A table already loaded (the bench loads each file set once for many runs). */
  table?: BenchmarkTable;
}

/**
 * Runs one search described by a validated RunConfig: picks the backend, builds space,
 * estimator and strategy, runs the loop. The same code serves the CLI, the bench and workers.
 */
export async function runSearchJob(config: RunConfig, hooks: JobHooks = {}): Promise<RunResult> {
  const backend = await selectBackend(config.backend);
  const space = getSpace(config.space) as SearchSpace<unknown>;
  if (config.estimator.kind !== 'table') throw new Error(`estimator "${config.estimator.kind}" is not available yet`);
  const table = hooks.table ?? loadBenchmarkTables(config.estimator.files, space);
  const estimator = new TableEstimator(space, table, config.estimator.metric, config.estimator.report);
  const rng = new Rng(config.seed);
  const strategy = createStrategy(config.method, space, rng, config);
  try {
    const s = runSearch({
      space,
      estimator,
      strategy,
      steps: config.steps,
      reward: config.reward,
      onEvent: hooks.onEvent,
      shouldStop: hooks.shouldStop,
    });
    return {
      version: RUN_FORMAT_VERSION,
      status: s.cancelled ? 'cancelled' : 'completed',
      best: { arch: space.format(s.best.arch), key: s.best.key, value: s.best.value, metrics: estimator.report(s.best.arch), step: s.best.step },
      steps: s.steps,
      seconds: s.seconds,
      backend: backend.backend,
      queriesToOptimum: s.queriesToOptimum,
    };
  } finally {
    strategy.dispose();
  }
}
