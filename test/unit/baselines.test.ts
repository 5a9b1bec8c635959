import { describe, expect, it } from 'vitest';
import { RandomSearch } from '../../src-main/core/baselines/random-search';
import { RegularizedEvolution } from '../../src-main/core/baselines/regularized-evolution';
import { Reinforce } from '../../src-main/core/baselines/reinforce';
import { Rng } from '../../src-main/common/rng';
import type { SearchStrategy } from '../../src-main/common/strategy';
import { nb201Space, type Nb201Arch } from '../../src-main/common/spaces/nb201';

const toy = (a: Nb201Arch) => 60 + 5 * a.filter((op) => op === 3).length;

function drive(s: SearchStrategy<Nb201Arch>, steps: number) {
  const out: { arch: Nb201Arch; value: number; phase: string }[] = [];
  for (let t = 0; t < steps; t++) {
    const p = s.propose(t);
    const v = toy(p.arch);
    s.observe(p, v, v);
    out.push({ arch: p.arch, value: v, phase: p.phase });
  }
  return out;
}

describe('baselines', () => {
  it('random search is seeded and uniform over operations', () => {
    const a = drive(new RandomSearch(nb201Space, new Rng(1)), 3000);
    expect(drive(new RandomSearch(nb201Space, new Rng(1)), 50).map((x) => x.arch)).toEqual(a.slice(0, 50).map((x) => x.arch));
    const counts = new Array(5).fill(0);
    a.forEach((x) => x.arch.forEach((op) => counts[op]++));
    for (const c of counts) expect(c / (3000 * 6)).toBeCloseTo(0.2, 1);
  });

  it('REA starts with P random members, then mutates one choice of a tournament winner', () => {
    const steps = drive(new RegularizedEvolution(nb201Space, new Rng(2), { population: 10, sample: 3 }), 400);
    expect(steps.slice(0, 10).every((s) => s.phase === 'population')).toBe(true);
    expect(steps.slice(10).every((s) => s.phase === 'evolve')).toBe(true);
    expect(Math.max(...steps.map((s) => s.value))).toBe(90); // all six edges nor_conv_3x3 on the toy landscape
    const mean = (xs: typeof steps) => xs.reduce((a, s) => a + s.value, 0) / xs.length;
    expect(mean(steps.slice(300))).toBeGreaterThan(mean(steps.slice(0, 10)) + 10);
  });

  it('REA removes the oldest member, not the worst (ageing)', () => {
    const rea = new RegularizedEvolution(nb201Space, new Rng(3), { population: 2, sample: 2 });
    const archs = [[3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]];
    archs.forEach((a, i) => rea.observe({ arch: a, phase: 'population' }, [90, 10, 20][i]));
    // The 90 member was the oldest and is gone: every parent now has value ≤ 20, so children
    // differ from [0…] or [1…] in one edge.
    for (let i = 0; i < 20; i++) {
      const child = rea.propose().arch;
      const diffs = archs.slice(1).map((a) => a.filter((op, e) => op !== child[e]).length);
      expect(Math.min(...diffs)).toBe(1);
    }
  });

  it('REINFORCE moves probability toward the better operations', () => {
    const steps = drive(new Reinforce(nb201Space, new Rng(4), { lr: 0.05, baselineMomentum: 0.9 }), 600);
    const conv = (xs: typeof steps) => xs.reduce((a, s) => a + s.arch.filter((op) => op === 3).length, 0) / xs.length;
    expect(conv(steps.slice(500))).toBeGreaterThan(conv(steps.slice(0, 100)) + 1.5);
  });
});
