import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunEventSchema, type RunEvent } from '../../src-main/contracts/run';
import { METHOD_IDS } from '../../src-main/contracts/ids';
import { resolveAgentConfig } from '../../src-main/common/presets';
import { Rng } from '../../src-main/common/rng';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import { REINFORCE_DEFAULTS } from '../../src-main/core/baselines/reinforce';
import { BudgetedEstimator, OVER_BUDGET_VALUE } from '../../src-main/core/estimators/budgeted-estimator';
import type { Estimator } from '../../src-main/core/estimators/estimator';
import { createStrategy } from '../../src-main/core/search/create-strategy';
import { runSearch } from '../../src-main/core/search/run-search';
import { ofaCostModel } from '../../src-main/core/supernet/ofa-cost';
import { COSTED_SUPERNETS } from '../../src-main/core/supernet/cost-models';
import { SUPERNET_IDS, SUPERNET_SPECS } from '../../src-main/common/supernets';

const model = ofaCostModel({ inChannels: 1, classes: 10 }, 25, 4);
const cost = (c: OfaConfig) => model.cost(c, 28, 28);

/** A stand-in for the supernet that remembers what it was asked: bigger subnets score higher (as a budget makes interesting). */
class CountingEstimator implements Estimator<OfaConfig> {
  readonly kind = 'supernet' as const;
  readonly metric = 'acc';
  readonly reportColumns = [];
  readonly asked: OfaConfig[] = [];
  query(c: OfaConfig): number {
    this.asked.push(c);
    return 50 + cost(c).macs / 2e5;
  }
  report(c: OfaConfig) {
    return { acc: this.query(c) };
  }
}

describe('MAC budget (BudgetedEstimator in the search loop)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(METHOD_IDS)('%s: over-budget subnets are never queried nor best; every event carries MACs and params', async (method) => {
    const budget = 3.1e6; // about the median subnet at w0.25, N = 4, 28×28
    const inner = new CountingEstimator();
    const estimator = new BudgetedEstimator(inner, cost, budget);
    const rng = new Rng(3);
    const agent = resolveAgentConfig('ofa', { warmupSteps: 10, topK: 16, dedupe: 'top-k', batchSize: 8, hidden: 16 });
    const strategy = createStrategy(method, ofaSpace, rng, { agent, rea: { population: 10, sample: 3 }, reinforce: REINFORCE_DEFAULTS });
    const events: RunEvent[] = [];
    const { state } = await runSearch({ space: ofaSpace, estimator, strategy, steps: 40, reward: { kind: 'eq3' }, onEvent: (e) => events.push(RunEventSchema.parse(e)) });
    strategy.dispose();
    expect(events).toHaveLength(40);
    for (const e of events) {
      const c = cost(ofaSpace.parse(e.arch));
      expect([e.macs, e.params]).toEqual([c.macs, c.params]);
      expect(e.overBudget === true).toBe(c.macs > budget);
      if (e.overBudget) expect([e.value, e.reward]).toEqual([OVER_BUDGET_VALUE, 1]);
    }
    expect(events.some((e) => e.overBudget)).toBe(true);
    expect(inner.asked.length).toBe(events.filter((e) => !e.overBudget).length);
    expect(inner.asked.every((c) => cost(c).macs <= budget)).toBe(true);
    expect(cost(ofaSpace.parse(state.best!.arch)).macs).toBeLessThanOrEqual(budget);
    expect(estimator.report(ofaSpace.parse(state.best!.arch))).toMatchObject({ macs: expect.any(Number), params: expect.any(Number) });
  });

  it('without a budget, costs are recorded and every subnet is queried; events of older runs (no macs) still read', () => {
    const inner = new CountingEstimator();
    const e = new BudgetedEstimator(inner, cost);
    const big = { ks: new Array(20).fill(7), e: new Array(20).fill(6), d: [4, 4, 4, 4, 4] };
    expect(e.admits(big)).toBe(true);
    expect(e.query(big)).toBeGreaterThan(50);
    expect(inner.asked).toHaveLength(1);
    const old = { step: 0, arch: 'x', key: 'x', value: 1, reward: 1, best: 1, phase: 'random', epsilon: null, criticLoss: null, actorLoss: null, seconds: 0 };
    expect(RunEventSchema.parse(old)).toEqual(old);
    expect(() => RunEventSchema.parse({ ...old, macs: -1 })).toThrow();
  });
});

describe('which supernets take a MAC budget', () => {
  it('the form’s capability flag (common/supernets.ts) agrees with the cost models (core/supernet/cost-models.ts)', () => {
    for (const id of SUPERNET_IDS) expect(SUPERNET_SPECS[id].macBudget, id).toBe(COSTED_SUPERNETS.includes(id));
    expect(COSTED_SUPERNETS).toContain('ofa');
  });
});
