import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSearch, neighbours, type LocalSearchOptions } from '../../src-main/core/baselines/local-search';
import { createStrategy } from '../../src-main/core/search/create-strategy';
import { runSearch } from '../../src-main/core/search/run-search';
import { TableEstimator } from '../../src-main/core/estimators/table-estimator';
import { loadBenchmarkTables } from '../../src-main/node/benchmark-csv';
import { resolveAgentConfig } from '../../src-main/common/presets';
import { Rng } from '../../src-main/common/rng';
import { nb201Space, type Nb201Arch } from '../../src-main/common/spaces/nb201';
import { dartsSpace, DARTS_V2, type DartsGenotype } from '../../src-main/common/spaces/darts';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import type { SearchStrategy } from '../../src-main/common/strategy';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

function drive<A>(space: SearchSpace<A>, s: SearchStrategy<A>, steps: number, f: (a: A) => number) {
  const out: { key: string; value: number; phase: string }[] = [];
  for (let t = 0; t < steps; t++) {
    const p = s.propose(t);
    const v = f(p.arch);
    s.observe(p, v, v);
    out.push({ key: space.key(p.arch), value: v, phase: p.phase });
  }
  return out;
}

const diff = (a: Nb201Arch, b: Nb201Arch) => a.filter((op, e) => op !== b[e]).length;

describe('local search', () => {
  it('enumerates the 24 one-op neighbours of an NB201 cell exactly', () => {
    const arch = [0, 1, 2, 3, 4, 0];
    const ns = neighbours(nb201Space, arch, new Rng(1));
    expect(ns).toHaveLength(24);
    expect(new Set(ns.map(nb201Space.key)).size).toBe(24);
    for (const n of ns) expect(diff(n, arch)).toBe(1);
  });

  it('enumerates OFA neighbours from α (one layer op or one depth) and DARTS neighbours through mutate', () => {
    const rng = new Rng(2);
    const c: OfaConfig = ofaSpace.sample(rng);
    const active = c.d.reduce((a, d) => a + d, 0);
    // 8 other (e, k) choices per active layer, 2 other depths per unit; inactive layers build nothing.
    expect(neighbours(ofaSpace, c, rng)).toHaveLength(active * 8 + 5 * 2);
    // With a fixed resolution α cannot carry it: the space's mutate is used, and keeps r. Its
    // moves change kernel OR expand ratio (2 + 2 per active layer), not both at once.
    const withR = { ...c, r: 160 };
    const nr = neighbours(ofaSpace, withR, rng);
    expect(nr.length).toBe(active * 4 + 5 * 2);
    expect(nr.every((n) => n.r === 160)).toBe(true);
    const g: DartsGenotype = DARTS_V2;
    const nd = neighbours(dartsSpace, g, rng);
    expect(new Set(nd.map(dartsSpace.key)).size).toBe(nd.length);
    expect(nd.length).toBeGreaterThan(100);
    for (const n of nd.slice(0, 20)) {
      const changed = (['normal', 'reduce'] as const).reduce((a, cell) => a + n[cell].filter((p, i) => p[0] !== g[cell][i][0] || p[1] !== g[cell][i][1]).length, 0);
      expect(changed).toBe(1);
    }
  });

  for (const move of ['first', 'best'] as LocalSearchOptions['move'][]) {
    it(`${move}-improvement reaches the optimum of a synthetic table, never repeating a query`, async () => {
      const file = writeSyntheticNb201(path.join(tempDir('local'), 't.csv'));
      const est = new TableEstimator(nb201Space, loadBenchmarkTables([file], nb201Space), 'acc');
      const ls = new LocalSearch(nb201Space, new Rng(3), { move });
      const keys: string[] = [];
      const { state } = await runSearch({ space: nb201Space, estimator: est, strategy: ls, steps: 300, reward: { kind: 'eq3' }, onEvent: (e) => keys.push(e.arch) });
      expect(state.best!.arch).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
      expect(state.queriesToOptimum).not.toBeNull();
      // Hill climbing on 6 edges: at most 6 improving moves of at most 24 neighbours each.
      expect(state.queriesToOptimum!).toBeLessThanOrEqual(1 + 6 * 24);
      expect(new Set(keys).size).toBe(keys.length);
    });
  }

  it('moves only to a better neighbour and restarts at a local optimum', () => {
    // Count of nor_conv_3x3, except an isolated global optimum all-skip: all-conv3x3 is a local optimum.
    const f = (a: Nb201Arch) => (a.every((o) => o === 1) ? 100 : a.filter((o) => o === 3).length);
    const ls = new LocalSearch(nb201Space, new Rng(4));
    const steps = drive(nb201Space, ls, 400, f);
    expect(steps[0].phase).toBe('random');
    const localOpt = steps.findIndex((s) => s.value === 6);
    expect(localOpt).toBeGreaterThan(0);
    // All 24 neighbours of the local optimum are worse and get queried (some maybe earlier); then a restart.
    expect(steps.slice(localOpt + 1).some((s) => s.phase === 'random')).toBe(true);
    expect(steps.filter((s) => s.phase === 'random').length).toBeGreaterThan(1);
    expect(new Set(steps.map((s) => s.key)).size).toBe(steps.length);
  });

  it('is seeded: same seed, same run; another seed, another run', () => {
    const f = (a: Nb201Arch) => a.reduce((x, o, e) => x + ((o * (e + 2)) % 5), 0);
    const run = (seed: number) => drive(nb201Space, new LocalSearch(nb201Space, new Rng(seed)), 300, f).map((s) => s.key);
    expect(run(5)).toEqual(run(5));
    expect(run(6)).not.toEqual(run(5));
  });

  for (const [name, move] of [['first', 'first'], ['best', 'best']] as const) {
    it(`restores a snapshot (through JSON) and continues exactly like the original (${name})`, () => {
      const f = (a: Nb201Arch) => a.reduce((x, o, e) => x + ((o * (e + 3)) % 7), 0);
      const rng = new Rng(7);
      const a = new LocalSearch(nb201Space, rng, { move });
      drive(nb201Space, a, 77, f);
      const snap = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
      const rngState = rng.getState();
      const cont = drive(nb201Space, a, 200, f);
      const b = new LocalSearch(nb201Space, new Rng(rngState), { move });
      b.restore(snap);
      expect(drive(nb201Space, b, 200, f)).toEqual(cont);
    });
  }

  it('runs on DARTS and OFA through createStrategy without repeating a query', () => {
    const s = { agent: resolveAgentConfig('nb201', {}), rea: { population: 10, sample: 3 }, reinforce: { lr: 0.01, baselineMomentum: 0.9 } };
    const d = drive(dartsSpace, createStrategy('local', dartsSpace, new Rng(8), s), 60, (g) => g.normal.filter((p) => p[0] === 'sep_conv_3x3').length);
    expect(new Set(d.map((x) => x.key)).size).toBe(60);
    expect(d[d.length - 1].value).toBeGreaterThanOrEqual(d[0].value);
    const o = drive(ofaSpace, createStrategy('local', ofaSpace, new Rng(9), s), 60, (c) => c.d.reduce((x, y) => x + y, 0));
    expect(new Set(o.map((x) => x.key)).size).toBe(60);
    expect(Math.max(...o.map((x) => x.value))).toBeGreaterThan(o[0].value);
  });

  it('rejects an unknown move rule by name', () => {
    expect(() => new LocalSearch(nb201Space, new Rng(1), { move: 'steepest' as 'best' })).toThrow(/move must be 'first' or 'best'/);
  });
});
