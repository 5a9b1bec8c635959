import * as path from 'node:path';
import { RUN_FORMAT_VERSION, type RunConfig, type RunEvent, type RunResult } from '../contracts/run';
import type { BenchmarkTable, Estimator } from '../core/estimators/estimator';
import { TableEstimator } from '../core/estimators/table-estimator';
import { Rng, type RngState } from '../common/rng';
import { createStrategy } from '../core/search/create-strategy';
import { runSearch, type LoopState, type StopRequest } from '../core/search/run-search';
import type { SearchStrategy } from '../common/strategy';
import { getSpace } from '../common/spaces';
import type { SearchSpace } from '../common/spaces/space';
import { selectBackend } from './backend';
import { loadBenchmarkTables } from './benchmark-csv';
import { tableEstimatorOf } from './run-config';
import { CheckpointError } from './checkpoint-codec';
import { checkCheckpointFits, checkpointOrigin, type CheckpointOrigin } from './checkpoint-fit';
import {
  EventAppender,
  RUN_FILES,
  readCheckpoint,
  readRunConfig,
  truncateRunEvents,
  writeCheckpoint,
  writeRunResult,
} from './run-folder';

/** What a checkpoint holds (PRODUCT.md §5): strategy state, RNG state, loop state. */
interface Checkpoint {
  version: 1;
  loop: LoopState;
  rng: RngState;
  strategy: unknown;
  /** The settings it was made with (checkpoint-fit.ts); absent in checkpoints of older versions. */
  origin?: CheckpointOrigin;
}

/** Lets IPC messages and signals in between steps (see runSearch). */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface SessionHooks {
  onEvent?: (e: RunEvent) => void;
  shouldStop?: () => StopRequest;
  /** A table already loaded (bench loads each file set once for many runs). */
  table?: BenchmarkTable;
}

interface Built {
  space: SearchSpace<unknown>;
  estimator: Estimator<unknown>;
  rng: Rng;
  strategy: SearchStrategy<unknown>;
  backend: string;
}

/** Picks the backend and builds space, estimator, the run's Rng and the strategy from a config. */
async function build(config: RunConfig, table?: BenchmarkTable): Promise<Built> {
  const backend = await selectBackend(config.backend);
  const space = getSpace(config.space) as SearchSpace<unknown>;
  const est = tableEstimatorOf(config);
  const t = table ?? loadBenchmarkTables(est.files, space);
  const estimator = new TableEstimator(space, t, est.metric, est.report);
  const rng = new Rng(config.seed);
  const strategy = createStrategy(config.method, space, rng, config);
  return { space, estimator, rng, strategy, backend: backend.backend };
}

function toResult(b: Built, loop: LoopState, status: RunResult['status']): RunResult {
  if (!loop.best) throw new Error('the run stopped before its first query');
  return {
    version: RUN_FORMAT_VERSION,
    status,
    best: { ...loop.best, metrics: b.estimator.report(b.space.parse(loop.best.arch)) },
    steps: loop.step,
    seconds: loop.seconds,
    backend: b.backend,
    queriesToOptimum: loop.queriesToOptimum,
  };
}

/** A search held in memory only (the bench): no folder, no checkpoints. */
export async function runInMemory(config: RunConfig, hooks: SessionHooks = {}): Promise<RunResult> {
  const b = await build(config, hooks.table);
  try {
    const s = await runSearch({ ...b, steps: config.steps, reward: config.reward, onEvent: hooks.onEvent, shouldStop: hooks.shouldStop });
    return toResult(b, s.state, s.outcome === 'completed' ? 'completed' : 'cancelled');
  } finally {
    b.strategy.dispose();
  }
}

export type FolderOutcome = { outcome: 'completed' | 'cancelled'; result: RunResult } | { outcome: 'paused'; step: number };

/**
 * Runs (or resumes) the search of a run folder: appends events, checkpoints every
 * `checkpointEvery` steps and on pause, writes result.json at the end. Resuming restores the
 * last checkpoint — strategy, RNG and loop state — and drops events written after it, so a
 * resumed run repeats exactly the steps an uninterrupted run would take.
 */
export async function runFolder(dir: string, opts: { resume: boolean; checkpointEvery: number } & SessionHooks): Promise<FolderOutcome> {
  const config = readRunConfig(dir);
  const b = await build(config, opts.table);
  let from: LoopState | undefined;
  try {
    if (opts.resume) {
      const cp = readCheckpoint(dir) as Checkpoint | null;
      if (cp) {
        if (cp.version !== 1) throw new CheckpointError(`${dir}: checkpoint version ${cp.version} is not supported`);
        checkCheckpointFits(config, cp, path.join(dir, RUN_FILES.checkpoint));
        b.strategy.restore(cp.strategy);
        b.rng.setState(cp.rng);
        from = cp.loop;
      }
    }
    truncateRunEvents(dir, from?.step ?? 0);
    const events = new EventAppender(dir);
    const save = (loop: LoopState) => {
      events.flush();
      writeCheckpoint(dir, { version: 1, loop, rng: b.rng.getState(), strategy: b.strategy.snapshot(), origin: checkpointOrigin(config) } satisfies Checkpoint);
    };
    let s;
    try {
      s = await runSearch({
        ...b,
        steps: config.steps,
        reward: config.reward,
        from,
        onEvent: (e) => {
          events.append(e);
          opts.onEvent?.(e);
        },
        checkpoint: { every: opts.checkpointEvery, save },
        shouldStop: opts.shouldStop,
        yieldToEvents,
      });
      if (s.outcome === 'paused') save(s.state);
    } finally {
      events.close();
    }
    if (s.outcome === 'paused') return { outcome: 'paused', step: s.state.step };
    const result = toResult(b, s.state, s.outcome);
    writeRunResult(dir, result);
    return { outcome: s.outcome, result };
  } finally {
    b.strategy.dispose();
  }
}
