import type { SupernetTrainer } from '../supernet/supernet-trainer';
import { readsSynchronously } from '../backend-reads';
import type { Estimator } from './estimator';

/**
 * The weight-sharing estimator (docs/ARCHITECTURE.md, "Estimators"): a query is the validation accuracy (%) of the
 * discrete architecture with the supernet's inherited weights, on a fixed set of validation
 * batches so that queries compare. Any space with a PathSupernet (NAS-Bench-201, DARTS).
 */
export class SupernetEstimator<A> implements Estimator<A> {
  readonly kind = 'supernet' as const;
  readonly metric = 'supernet-val-accuracy';
  readonly reportColumns: readonly string[] = [];

  constructor(private readonly trainer: SupernetTrainer<A>) {}

  query(arch: A): number | Promise<number> {
    return readsSynchronously() ? this.trainer.evaluate(arch) : this.trainer.evaluateAsync(arch);
  }

  async report(arch: A): Promise<Record<string, number>> {
    return { [this.metric]: await this.query(arch), accEnv: this.trainer.accEnv };
  }
}
