import type { SearchSpace } from '../../common/spaces/space';
import type { BenchmarkTable, Estimator } from './estimator';

/**
 * The benchmark-table oracle (docs/ARCHITECTURE.md, "Estimators"): a query is a lookup of the architecture's row.
 * The table must cover the whole space, so no query can fall off it mid-search.
 */
export class TableEstimator<A> implements Estimator<A> {
  readonly kind = 'table' as const;
  private readonly metricIndex: number;
  private readonly reportIndex: number[];
  private best: { value: number; key: string } | null = null;

  constructor(
    private readonly space: SearchSpace<A>,
    private readonly table: BenchmarkTable,
    readonly metric: string,
    readonly reportColumns: readonly string[] = [],
  ) {
    const where = table.sources.join(' + ');
    const col = (name: string, role: string): number => {
      const i = table.columns.indexOf(name);
      if (i < 0) {
        throw new Error(`${role} column "${name}" is not in ${where} (columns: ${table.columns.join(', ')})`);
      }
      return i;
    };
    this.metricIndex = col(metric, 'metric');
    this.reportIndex = reportColumns.map((c) => col(c, 'report'));
    if (table.rows.size !== space.size) {
      throw new Error(
        `${where} covers ${table.rows.size} of the ${space.size} architectures of ${space.title}: a table estimator needs every one`,
      );
    }
  }

  private row(arch: A): Float64Array {
    const key = this.space.key(arch);
    const row = this.table.rows.get(key);
    if (!row) throw new Error(`architecture ${key} is not in ${this.table.sources.join(' + ')}`);
    return row;
  }

  query(arch: A): number {
    return this.row(arch)[this.metricIndex];
  }

  report(arch: A): Record<string, number> {
    const row = this.row(arch);
    const out: Record<string, number> = { [this.metric]: row[this.metricIndex] };
    this.reportColumns.forEach((c, i) => (out[c] = row[this.reportIndex[i]]));
    return out;
  }

  optimum(): { value: number; key: string } {
    if (!this.best) {
      let best = { value: -Infinity, key: '' };
      for (const [key, row] of this.table.rows) {
        if (row[this.metricIndex] > best.value) best = { value: row[this.metricIndex], key };
      }
      this.best = best;
    }
    return this.best;
  }
}
