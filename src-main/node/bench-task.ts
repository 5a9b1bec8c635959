import type { RunConfig } from '../contracts/run';
import type { BenchmarkTable } from '../core/estimators/estimator';
import { getSpace } from '../common/spaces';
import type { SearchSpace } from '../common/spaces/space';
import { loadBenchmarkTables } from './benchmark-csv';
import { tableEstimatorOf } from './run-config';
import { runInMemory } from './search-session';

/** One (method, preset, metric, seed) run of `l2nas bench`. */
export interface BenchTask {
  id: number;
  config: RunConfig;
  /** Column reported for the architecture found (may equal the metric). */
  report: string;
  /** Query budgets at which the best-so-far is read off. */
  marks: number[];
  /** Best-so-far curve resolution (every `curveEvery` steps). */
  curveEvery: number;
}

export interface BenchTaskResult {
  id: number;
  /** Report-column value of the best-so-far architecture (by the search metric) at each mark. */
  atMarks: number[];
  /** Same, every `curveEvery` steps. */
  curve: number[];
  queriesToOptimum: number | null;
  seconds: number;
  steps: number;
  backend: string;
}

const tables = new Map<string, BenchmarkTable>();

/** Runs one bench task; tables are loaded once per process and file set. */
export async function runBenchTask(task: BenchTask): Promise<BenchTaskResult> {
  const space = getSpace(task.config.space) as SearchSpace<unknown>;
  const files = tableEstimatorOf(task.config).files;
  const cacheKey = files.join('\n');
  let table = tables.get(cacheKey);
  if (!table) {
    table = loadBenchmarkTables(files, space);
    tables.set(cacheKey, table);
  }
  const reportIndex = table.columns.indexOf(task.report);
  if (reportIndex < 0) throw new Error(`report column "${task.report}" is not in ${files.join(' + ')}`);
  const marks = new Set(task.marks);
  const atMarks: number[] = [];
  const curve: number[] = [];
  let bestValue = -Infinity;
  let bestReport = NaN;
  const result = await runInMemory(task.config, {
    table,
    onEvent: (e) => {
      if (e.value > bestValue) {
        bestValue = e.value;
        bestReport = table!.rows.get(e.key)![reportIndex];
      }
      const n = e.step + 1;
      if (marks.has(n)) atMarks[task.marks.indexOf(n)] = bestReport;
      if (n % task.curveEvery === 0) curve.push(bestReport);
    },
  });
  return { id: task.id, atMarks, curve, queriesToOptimum: result.queriesToOptimum, seconds: result.seconds, steps: result.steps, backend: result.backend };
}
