import type { RunConfig } from '../contracts/run';
import type { Rng } from '../common/rng';
import { getSpace } from '../common/spaces';
import type { StopRequest } from '../core/search/run-search';
import type { BenchmarkTable, Estimator } from '../core/estimators/estimator';
import { TableEstimator } from '../core/estimators/table-estimator';
import type { BatchProgress, EpochReport } from '../core/supernet/supernet-trainer';
import { loadBenchmarkTables } from './benchmark-csv';
import { prepareSupernetEstimator } from './supernet-preparation';
import { columnMax } from './run-config';

/** What an estimator's preparation reports while it runs (supernet training). */
export interface PreparationHooks {
  /** Human-readable progress lines (CLI, logs). */
  onProgress?: (line: string) => void;
  /** Structured training progress, at most every `progressEveryMs` and after each epoch's last batch. */
  onBatch?: (p: BatchProgress) => void;
  /** After each epoch, once its checkpoint is on disk. */
  onEpoch?: (r: EpochReport & { epochs: number }) => void;
  /** Preparation continues from a checkpoint, after epoch `epoch`. */
  onResume?: (epoch: number) => void;
  progressEveryMs?: number;
  /** Polled between training batches: a pause or cancel ends the preparation (PreparationStopped). */
  shouldStop?: () => StopRequest;
  /** Awaited between training batches, so that messages and signals arrive. */
  yieldToEvents?: () => Promise<void>;
}

export interface EstimatorContext {
  /** The run folder (checkpoints of the preparation go there); null for runs held in memory. */
  dir: string | null;
  /** The run's one Rng (a preparation draws from it: data split, weight init, sampled paths). */
  rng: Rng;
  hooks: PreparationHooks;
  /** A table already loaded (bench loads each file set once for many runs). */
  table?: BenchmarkTable;
}

/** An estimator ready to answer queries, with what its preparation cost. */
export interface PreparedEstimator {
  estimator: Estimator<unknown>;
  /** Seconds spent preparing it, over every session of the run (supernet training). */
  seconds: number;
  /** Acc(Env) for Eq. 7, where the estimator defines it (a supernet's best validation accuracy). */
  accEnv?: number;
  /** Extra metrics for result.json, measured once after the search (may draw from the run's Rng). */
  finish?: (rng: Rng) => Record<string, number> | Promise<Record<string, number>>;
  dispose(): void;
}

export type EstimatorFactory = (config: RunConfig, ctx: EstimatorContext) => Promise<PreparedEstimator>;

async function prepareTableEstimator(config: RunConfig, ctx: EstimatorContext): Promise<PreparedEstimator> {
  const e = config.estimator;
  if (e.kind !== 'table') throw new Error('not a table run');
  const space = getSpace(config.space);
  const table = ctx.table ?? loadBenchmarkTables(e.files, space);
  const r = config.reward;
  // Eq. 7 on a table: Acc(Env) is a column's maximum (run-config.ts records it in config.json when
  // it writes one; a bench run held in memory has it measured here).
  const accEnv = r.kind === 'eq7' && r.accEnvFrom === 'table-max' ? columnMax(table, r.column ?? e.metric) : undefined;
  return { estimator: new TableEstimator(space, table, e.metric, e.report) as Estimator<unknown>, seconds: 0, accEnv, dispose: () => {} };
}


/**
 * Every estimator kind of the run config, and how a run gets one (docs/ARCHITECTURE.md, "Estimators"). Adding an
 * estimator: its config in contracts/run.ts, its factory, one line here.
 */
const FACTORIES: { readonly [K in RunConfig['estimator']['kind']]: EstimatorFactory } = {
  table: prepareTableEstimator,
  supernet: prepareSupernetEstimator,
};

/** The estimator of a run, prepared (a supernet trained or loaded from its checkpoint). */
export function createEstimator(config: RunConfig, ctx: EstimatorContext): Promise<PreparedEstimator> {
  return FACTORIES[config.estimator.kind](config, ctx);
}
