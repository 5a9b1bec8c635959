import type { ArchCost } from '../supernet/supernet';

/**
 * A performance estimator (docs/ARCHITECTURE.md, "Estimators"): the environment that answers a query for one
 * discrete architecture. Accuracies are in percent.
 */
export interface Estimator<A> {
  readonly kind: 'table' | 'supernet';
  /** The column (or quantity) searched on. */
  readonly metric: string;
  /** Further columns reported for the found architecture. */
  readonly reportColumns: readonly string[];
  /** The search signal for `arch` (a promise where the backend reads asynchronously: WebGPU). */
  query(arch: A): number | Promise<number>;
  /** The metric and every report column for `arch`. */
  report(arch: A): Record<string, number> | Promise<Record<string, number>>;
  /** The best value of the search metric over the whole space, when known (tables). */
  optimum?(): { value: number; key: string };
  /** MACs and parameters of `arch` at the run's resolution, where known (recorded in events.jsonl). */
  cost?(arch: A): ArchCost;
  /**
   * Whether `arch` is within the run's budget (default: every one is). One that is not is
   * answered by query() with a fixed penalty, without being evaluated, and is never the best.
   */
  admits?(arch: A): boolean;
}

/** Accuracy columns of an imported benchmark table, keyed by canonical architecture key. */
export interface BenchmarkTable {
  /** Numeric columns, in file order (joined tables: first file first). */
  readonly columns: readonly string[];
  /** key → one value per column. */
  readonly rows: ReadonlyMap<string, Float64Array>;
  /** Where the table came from, for messages. */
  readonly sources: readonly string[];
}
