import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { reward } from '../../src-main/common/rewards';
import { TopKState } from '../../src-main/common/top-k-state';
import { downsampleMinMax, offerEvent, RunSeries, stateMatrices } from '../../src-renderer/lib/run-series';

describe('downsampleMinMax (charts at 20,000 steps)', () => {
  it('returns short series whole, skipping nulls', () => {
    expect(downsampleMinMax([0, 1, 2], [5, null, 7], 10)).toEqual([[0, 5], [2, 7]]);
  });

  it('keeps at most ~max points of a 20,000-step series, and every bucket extreme', () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 20_000 }, (_, i) => i);
    const ys = xs.map(() => rng.uniform(0, 100));
    ys[12_345] = 1000; // a spike must survive
    ys[777] = -50;
    const out = downsampleMinMax(xs, ys, 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(out.length).toBeGreaterThan(2000);
    expect(out).toContainEqual([12_345, 1000]);
    expect(out).toContainEqual([777, -50]);
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
  });
});

describe('top-K state from events (the agent state s_t of Figure 2, the engine\'s TopKState)', () => {
  it('equals the mean one-hot α^d of the K best distinct architectures, computed by brute force', () => {
    const rng = new Rng(11);
    const k = 8;
    const state = new TopKState(k, nb201Space.dim);
    const best = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      // Repeats with different values: each architecture counts once, at its best value.
      const arch = i % 3 === 0 ? nb201Space.sample(new Rng(i % 17)) : nb201Space.sample(rng);
      const key = nb201Space.key(arch);
      const value = Math.round(rng.uniform(0, 1000)) / 10;
      offerEvent(state, nb201Space, { key, arch: nb201Space.format(arch), reward: reward(value) });
      best.set(key, Math.max(best.get(key) ?? -Infinity, value));
    }
    const topKeys = [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key]) => key);
    const expected = new Float64Array(nb201Space.dim);
    for (const key of topKeys) {
      const oneHot = nb201Space.encode(nb201Space.parse(key)); // NB201 keys are arch strings
      oneHot.forEach((v, i) => (expected[i] += v / k));
    }
    expect(state.size).toBe(k);
    const [m] = stateMatrices(state, nb201Space);
    expect(m.rows).toHaveLength(6);
    expect(m.cols).toHaveLength(5);
    m.values.flat().forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    for (const row of m.values) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('RunSeries reports the live rate and ETA from event times', () => {
    const s = new RunSeries();
    for (let i = 0; i < 101; i++) s.push({ step: i, arch: 'a', key: 'a', value: 1, reward: 1, best: 1, phase: 'x', epsilon: null, criticLoss: null, actorLoss: null, seconds: i * 0.5 });
    expect(s.stepsPerSecond()).toBeCloseTo(2, 6);
    expect(s.eta(201)).toBeCloseTo(50, 6);
  });
});
