import type { Nb201Arch } from '../spaces/nb201';
import type { SupernetTrainer } from '../supernet/supernet-trainer';
import type { Estimator } from './estimator';

/**
 * The weight-sharing estimator (PRODUCT.md §3): a query is the validation accuracy (%) of the
 * discrete architecture with the supernet's inherited weights, on a fixed set of validation
 * batches so that queries compare. NAS-Bench-201 space.
 */
export class SupernetEstimator implements Estimator<Nb201Arch> {
  readonly kind = 'supernet' as const;
  readonly metric = 'supernet-val-accuracy';
  readonly reportColumns: readonly string[] = [];

  constructor(private readonly trainer: SupernetTrainer) {}

  query(arch: Nb201Arch): number {
    return this.trainer.evaluate(arch);
  }

  report(arch: Nb201Arch): Record<string, number> {
    return { [this.metric]: this.query(arch), accEnv: this.trainer.accEnv };
  }

}
