import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';

describe('Rng', () => {
  it('repeats for the same seed and differs for another', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xs);
  });

  it('restores its state exactly', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.next();
    const s = a.getState();
    const rest = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => new Rng(s).next()).slice(0, 1)).toEqual(rest.slice(0, 1));
    const b = new Rng(0);
    b.setState(s);
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(rest);
  });

  it('is uniform enough: mean ≈ 0.5, ints cover their range', () => {
    const r = new Rng(1);
    let sum = 0;
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 20000; i++) {
      sum += r.next();
      counts[r.int(5)]++;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(c).toBeGreaterThan(3600);
  });
});
