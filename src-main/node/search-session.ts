import * as path from 'node:path';
import { RUN_FORMAT_VERSION, type RunConfig, type RunEvent, type RunResult } from '../contracts/run';
import type { BenchmarkTable } from '../core/estimators/estimator';
import { Rng, type RngState } from '../common/rng';
import { createStrategy } from '../core/search/create-strategy';
import { runSearch, type LoopState, type StopRequest } from '../core/search/run-search';
import type { SearchStrategy } from '../common/strategy';
import { getSpace } from '../common/spaces';
import { resolveReward, type RewardSpec } from '../common/rewards';
import type { SearchSpace } from '../common/spaces/space';
import { hostBound, onHost, selectBackend } from './backend';
import { createEstimator, type PreparationHooks, type PreparedEstimator } from './estimators';
import { PreparationStopped } from './supernet-preparation';
import { CheckpointError } from './checkpoint-codec';
import { loadStartPolicy, writeFinalPolicy } from './policy-file';
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

/** What a search checkpoint holds: strategy state, RNG state, loop state. */
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

export interface SessionHooks extends Omit<PreparationHooks, 'shouldStop' | 'yieldToEvents'> {
  onEvent?: (e: RunEvent) => void;
  /** Polled between steps, and between training batches while an estimator prepares. */
  shouldStop?: () => StopRequest;
  /** A table already loaded (bench loads each file set once for many runs). */
  table?: BenchmarkTable;
}

interface Built {
  space: SearchSpace<unknown>;
  prepared: PreparedEstimator;
  rng: Rng;
  strategy: SearchStrategy<unknown>;
  backend: string;
  /** The reward computed: config.json's, with Eq. 7's Acc(Env) from the estimator where the config defers to it. */
  reward: RewardSpec;
}

/**
 * Everything a run needs, from its config: the backend, the space, the run's one Rng, the
 * estimator — prepared (a supernet is trained, continued from its epoch checkpoint, or loaded
 * finished) — and then the strategy. The order of draws from the Rng is fixed: preparation
 * first, the strategy's initialisation after, so every session of a run draws alike.
 */
async function build(config: RunConfig, dir: string | null, hooks: SessionHooks): Promise<Built> {
  const backend = await selectBackend(config.backend);
  const space = getSpace(config.space) as SearchSpace<unknown>;
  const rng = new Rng(config.seed);
  const prepared = await createEstimator(config, { dir, rng, table: hooks.table, hooks: { ...hooks, yieldToEvents } });
  try {
    const reward = resolveReward(config.reward, prepared.accEnv);
    // On WebGPU the strategy (the agent's MLPs) lives on the host backend (node/backend.ts hostBound).
    const strategy = hostBound(onHost(() => createStrategy(config.method, space, rng, config)));
    return { space, prepared, rng, strategy, backend: backend.backend, reward };
  } catch (e) {
    prepared.dispose();
    throw e;
  }
}

function dispose(b: Built): void {
  b.strategy.dispose();
  b.prepared.dispose();
}

async function toResult(b: Built, loop: LoopState, status: RunResult['status']): Promise<RunResult> {
  if (!loop.best) {
    // Every query so far was over the budget (they are rejected before querying, never the best).
    throw new Error(loop.step === 0
      ? 'the run stopped before its first query'
      : `none of the ${loop.step} queried architectures was within the budget (over-budget subnets are rejected before querying and are never the best): raise the budget (--max-macs / maxMacs) or search with more steps`);
  }
  const extra = status === 'completed' ? ((await b.prepared.finish?.(b.rng)) ?? {}) : {};
  return {
    version: RUN_FORMAT_VERSION,
    status,
    best: { ...loop.best, metrics: { ...(await b.prepared.estimator.report(b.space.parse(loop.best.arch))), ...extra } },
    steps: loop.step,
    seconds: loop.seconds + b.prepared.seconds,
    backend: b.backend,
    queriesToOptimum: loop.queriesToOptimum,
    reward: b.reward,
  };
}

/** A search held in memory only (the bench): no folder, no checkpoints. */
export async function runInMemory(config: RunConfig, hooks: SessionHooks = {}): Promise<RunResult> {
  const b = await build(config, null, hooks);
  try {
    const s = await runSearch({ ...b, estimator: b.prepared.estimator, steps: config.steps, reward: b.reward, onEvent: hooks.onEvent, shouldStop: hooks.shouldStop });
    return await toResult(b, s.state, s.outcome === 'completed' ? 'completed' : 'cancelled');
  } finally {
    dispose(b);
  }
}

export type FolderOutcome =
  | { outcome: 'completed'; result: RunResult }
  /** No result when the run was cancelled before its search began (while its supernet trained). */
  | { outcome: 'cancelled'; result: RunResult | null }
  | { outcome: 'paused'; step: number };

/**
 * Runs (or resumes) a run folder, for every estimator kind: prepares the estimator (a supernet
 * trains with its own per-epoch checkpoints), then runs the search loop, appending events,
 * checkpointing every `checkpointEvery` steps and on pause, and writes result.json at the end.
 * Resuming restores the last search checkpoint — strategy, RNG and loop state — and drops events
 * written after it, so a resumed run repeats exactly the steps an uninterrupted run would take.
 * A pause or cancel during preparation returns at once (training resumes after its last epoch).
 */
export async function runFolder(dir: string, opts: { resume: boolean; checkpointEvery: number } & SessionHooks): Promise<FolderOutcome> {
  const config = readRunConfig(dir);
  let b: Built;
  try {
    b = await build(config, dir, opts);
  } catch (e) {
    if (!(e instanceof PreparationStopped)) throw e;
    return e.request === 'pause' ? { outcome: 'paused', step: 0 } : { outcome: 'cancelled', result: null };
  }
  let from: LoopState | undefined;
  try {
    // A fine-tuning run (issue #12) starts from its policy; a checkpoint restored next replaces it.
    loadStartPolicy(dir, config, b.strategy);
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
        estimator: b.prepared.estimator,
        steps: config.steps,
        reward: b.reward,
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
    const result = await toResult(b, s.state, s.outcome);
    // The learned policy, for `--policy <this run>` (issue #12); before result.json marks the run ended.
    writeFinalPolicy(dir, config, b.strategy, s.state.step, b.reward.kind === 'eq7' ? b.reward.accEnv : undefined);
    writeRunResult(dir, result);
    return s.outcome === 'completed' ? { outcome: 'completed', result } : { outcome: 'cancelled', result };
  } finally {
    dispose(b);
  }
}
