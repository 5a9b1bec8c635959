import type { ArchCost } from '../supernet/supernet';
import type { Estimator } from './estimator';

/**
 * The value an over-budget architecture gets instead of a query: 0 % accuracy, the worst any
 * query can return (Eq. 3 reward 1, the minimum; Eq. 7 −0.99).
 */
export const OVER_BUDGET_VALUE = 0;

/**
 * An estimator with a cost model and, optionally, a MAC budget: every architecture's MACs and
 * parameters are known (events.jsonl records them, report() adds them), and one above the budget
 * is rejected before querying — answered with OVER_BUDGET_VALUE without being evaluated — so
 * every method (L²NAS, REINFORCE, random, REA) obeys the same budget without a line of its own.
 *
 * Why a penalty and not resampling: resampling would have to live in each strategy's propose()
 * (the loop cannot ask L²NAS's actor or REA's mutation for "another one" without changing their
 * state and their checkpoints), and a policy that keeps proposing an over-budget region would
 * get no signal to leave it; with the penalty, L²NAS and REINFORCE learn the budget from their
 * rewards, REA's tournaments drop such members, and random search spends the step (it is
 * counted as a step, not as a query of the supernet: no evaluation runs). The search loop never
 * takes an over-budget architecture as the best (admits()).
 */
export class BudgetedEstimator<A> implements Estimator<A> {
  readonly kind: Estimator<A>['kind'];
  readonly metric: string;
  readonly reportColumns: readonly string[];

  constructor(
    private readonly inner: Estimator<A>,
    private readonly costOf: (arch: A) => ArchCost,
    /** Most MACs per image; undefined: no budget (costs are still recorded). */
    readonly maxMacs?: number,
  ) {
    this.kind = inner.kind;
    this.metric = inner.metric;
    this.reportColumns = inner.reportColumns;
    if (inner.optimum) this.optimum = () => inner.optimum!();
  }

  optimum?: () => { value: number; key: string };

  cost(arch: A): ArchCost {
    return this.costOf(arch);
  }

  admits(arch: A): boolean {
    return this.maxMacs === undefined || this.costOf(arch).macs <= this.maxMacs;
  }

  query(arch: A): number | Promise<number> {
    return this.admits(arch) ? this.inner.query(arch) : OVER_BUDGET_VALUE;
  }

  report(arch: A): Record<string, number> | Promise<Record<string, number>> {
    const c = this.costOf(arch);
    const inner = this.inner.report(arch);
    return inner instanceof Promise ? inner.then((r) => ({ ...r, macs: c.macs, params: c.params })) : { ...inner, macs: c.macs, params: c.params };
  }
}
