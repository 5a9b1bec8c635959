import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { getSpace, SPACES } from '../../src-main/common/spaces';
import { ofaActiveLayers, ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';

const cfg: OfaConfig = { ks: Array(20).fill(3), e: Array(20).fill(6), d: [2, 3, 4, 2, 3] };

describe('OFA space: shape and registry', () => {
  it('has α_O 20×9 (e3k3 … e6k7) then α_D 5×3', () => {
    expect(ofaSpace.dim).toBe(195);
    const [o, d] = ofaSpace.matrices;
    expect([o.rows.length, o.cols.length, d.rows.length, d.cols.length]).toEqual([20, 9, 5, 3]);
    expect(o.cols).toEqual(['MB3 3×3', 'MB3 5×5', 'MB3 7×7', 'MB4 3×3', 'MB4 5×5', 'MB4 7×7', 'MB6 3×3', 'MB6 5×5', 'MB6 7×7']);
    expect(d.cols).toEqual(['depth 2', 'depth 3', 'depth 4']);
    expect(ofaSpace.size).toBeCloseTo((81 + 729 + 6561) ** 5, -6); // ≈ 2×10^19
  });

  it('is registered, and unknown space ids name the choices', () => {
    expect(SPACES.ofa).toBe(ofaSpace);
    expect(getSpace('ofa')).toBe(ofaSpace);
    expect(Object.keys(SPACES)).toEqual(['nb201', 'darts', 'ofa']);
    expect(() => getSpace('enas')).toThrow(/unknown search space "enas".*nb201, darts, ofa/);
  });
});

describe('OFA space: depth', () => {
  it('layer j of unit u (index 4u+j) is active iff j < d[u]', () => {
    expect(ofaActiveLayers(cfg)).toEqual([0, 1, 4, 5, 6, 8, 9, 10, 11, 12, 13, 16, 17, 18]);
    expect(ofaActiveLayers({ ...cfg, d: [4, 4, 4, 4, 4] })).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(ofaActiveLayers({ ...cfg, d: [2, 2, 2, 2, 2] })).toEqual([0, 1, 4, 5, 8, 9, 12, 13, 16, 17]);
  });
});

describe('OFA space: discretize', () => {
  it('takes the argmax of each row of α_O and α_D (first on ties)', () => {
    const a = new Float32Array(195);
    a[0 * 9 + 5] = 1; // layer 0: e4k7
    a[7 * 9 + 8] = 1; // layer 7: e6k7
    a[19 * 9 + 1] = 0.5; // layer 19: e3k5 and e6k3 tie → first
    a[19 * 9 + 6] = 0.5;
    a[180 + 0 * 3 + 2] = 1; // unit 0: depth 4
    a[180 + 4 * 3 + 1] = 1; // unit 4: depth 3
    const c = ofaSpace.discretize(a);
    expect([c.e[0], c.ks[0]]).toEqual([4, 7]);
    expect([c.e[7], c.ks[7]]).toEqual([6, 7]);
    expect([c.e[19], c.ks[19]]).toEqual([3, 5]);
    expect([c.e[3], c.ks[3]]).toEqual([3, 3]); // all zero → first column
    expect(c.d).toEqual([4, 2, 2, 2, 3]);
    expect(c.r).toBeUndefined();
    expect(() => ofaSpace.discretize(new Float32Array(196))).toThrow(/expected 195/);
  });

  it('discretize(encode(c)) gives back c; encode is one-hot', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const c = ofaSpace.sample(rng);
      const e = ofaSpace.encode(c);
      expect(e.reduce((s, x) => s + x, 0)).toBe(25);
      expect(ofaSpace.discretize(e)).toEqual(c);
      expect(ofaSpace.key(ofaSpace.discretize(e))).toBe(ofaSpace.key(c));
    }
    expect(() => ofaSpace.encode({ ...cfg, d: [2, 3, 4, 2, 5] })).toThrow(/unit 4 has depth 5/);
  });
});

describe('OFA space: subnet config', () => {
  it('formats the set_active_subnet(ks, e, d) JSON and round-trips it', () => {
    expect(ofaSpace.format(cfg)).toBe(`{"ks":[${cfg.ks.join(',')}],"e":[${cfg.e.join(',')}],"d":[2,3,4,2,3]}`);
    expect(JSON.parse(ofaSpace.format({ ...cfg, r: 224 }))).toEqual({ ...cfg, r: 224 });
    expect(ofaSpace.parse(ofaSpace.format({ ...cfg, r: 224 }))).toEqual({ ...cfg, r: 224 });
    const rng = new Rng(4);
    for (let i = 0; i < 100; i++) {
      const c = ofaSpace.sample(rng);
      expect(ofaSpace.parse(ofaSpace.format(c))).toEqual(c);
    }
    expect(ofaSpace.parse(`\n { "d": [2,3,4,2,3], "e": ${JSON.stringify(cfg.e)},\n "ks": ${JSON.stringify(cfg.ks)} }`)).toEqual(cfg);
  });

  it.each([
    ['{"ks":[3],"e":[],"d":[]}', /"ks" needs 20 kernel sizes, got 1/],
    [JSON.stringify({ ...cfg, e: cfg.e.slice(1) }), /"e" needs 20 expand ratios, got 19/],
    [JSON.stringify({ ks: cfg.ks, e: cfg.e }), /"d" needs 5 depths, got no list/],
    [JSON.stringify({ ...cfg, ks: [...cfg.ks.slice(0, 4), 4, ...cfg.ks.slice(5)] }), /ks\[4\] = 4; allowed 3, 5, 7/],
    [JSON.stringify({ ...cfg, e: [...cfg.e.slice(0, 19), 5] }), /e\[19\] = 5; allowed 3, 4, 6/],
    [JSON.stringify({ ...cfg, d: [2, 3, 4, 2, 5] }), /d\[4\] = 5; allowed 2, 3, 4/],
    [JSON.stringify({ ...cfg, r: -1 }), /"r" must be a positive integer/],
    [JSON.stringify({ ...cfg, w: 1 }), /unknown field "w"/],
    ['[1, 2]', /unknown field "0"|expected an object/],
    ['{ks:', /not JSON/],
  ])('rejects %s', (text, message) => {
    expect(() => ofaSpace.parse(text)).toThrow(message);
  });
});

describe('OFA space: key, sample, mutate', () => {
  it('key ignores ks/e of inactive layers and nothing else', () => {
    const other = { ...cfg, ks: cfg.ks.slice(), e: cfg.e.slice() };
    other.ks[3] = 7; // unit 0 has depth 2: layer 3 is inactive
    other.e[19] = 3; // unit 4 has depth 3: layer 19 is inactive
    expect(ofaSpace.key(other)).toBe(ofaSpace.key(cfg));
    other.ks[1] = 7; // active
    expect(ofaSpace.key(other)).not.toBe(ofaSpace.key(cfg));
    expect(ofaSpace.key({ ...cfg, d: [3, 3, 4, 2, 3] })).not.toBe(ofaSpace.key(cfg));
    expect(ofaSpace.key({ ...cfg, r: 192 })).not.toBe(ofaSpace.key(cfg));
  });

  it('samples every kernel, expand ratio and depth', () => {
    const rng = new Rng(9);
    const seen = { ks: new Set<number>(), e: new Set<number>(), d: new Set<number>() };
    for (let i = 0; i < 300; i++) {
      const c = ofaSpace.sample(rng);
      expect(() => ofaSpace.parse(ofaSpace.format(c))).not.toThrow();
      c.ks.forEach((v) => seen.ks.add(v));
      c.e.forEach((v) => seen.e.add(v));
      c.d.forEach((v) => seen.d.add(v));
    }
    expect([...seen.ks].sort()).toEqual([3, 5, 7]);
    expect([...seen.e].sort()).toEqual([3, 4, 6]);
    expect([...seen.d].sort()).toEqual([2, 3, 4]);
  });

  it('mutates one active layer’s ks or e, or one depth', () => {
    const rng = new Rng(6);
    for (let i = 0; i < 500; i++) {
      const c = ofaSpace.sample(rng);
      const m = ofaSpace.mutate(c, rng);
      expect(() => ofaSpace.parse(ofaSpace.format(m))).not.toThrow();
      expect(ofaSpace.key(m)).not.toBe(ofaSpace.key(c));
      const diffs = [
        ...c.ks.map((v, l) => (v !== m.ks[l] ? `ks${l}` : '')),
        ...c.e.map((v, l) => (v !== m.e[l] ? `e${l}` : '')),
        ...c.d.map((v, u) => (v !== m.d[u] ? `d${u}` : '')),
      ].filter(Boolean);
      expect(diffs).toHaveLength(1);
      const layer = /^(ks|e)(\d+)$/.exec(diffs[0]);
      if (layer) expect(ofaActiveLayers(c)).toContain(Number(layer[2]));
    }
  });
});
