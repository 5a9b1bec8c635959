import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { DARTS_OPS, DARTS_V2, dartsSpace, PC_DARTS, type DartsGenotype } from '../../src-main/common/spaces/darts';
import { getSpace, SPACES } from '../../src-main/common/spaces';

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";
const PC_DARTS_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=[2, 3, 4, 5])";

/** Row of (node k, input i) in one cell's 14×7 block. */
const row = (k: number, i: number) => [0, 2, 5, 9][k] + i;
const at = (cell: 0 | 1, k: number, i: number, op: number) => cell * 98 + row(k, i) * 7 + op;

function expectValidCell(pairs: DartsGenotype['normal']): void {
  expect(pairs).toHaveLength(8);
  for (let k = 0; k < 4; k++) {
    const [a, b] = [pairs[2 * k], pairs[2 * k + 1]];
    expect(a[1]).not.toBe(b[1]);
    for (const [op, input] of [a, b]) {
      expect(DARTS_OPS).toContain(op);
      expect(input).toBeGreaterThanOrEqual(0);
      expect(input).toBeLessThanOrEqual(k + 1);
    }
  }
}

describe('DARTS space: shape', () => {
  it('has α_normal and α_reduce, 14×7 each, in the DARTS operation order', () => {
    expect(dartsSpace.dim).toBe(196);
    expect(dartsSpace.matrices.map((m) => [m.name, m.rows.length, m.cols.length])).toEqual([
      ['alpha_normal', 14, 7],
      ['alpha_reduce', 14, 7],
    ]);
    expect(DARTS_OPS).toEqual(['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']);
    // Per node C(k+2, 2) input pairs × 7² op pairs; two cells.
    expect(dartsSpace.size).toBeCloseTo((1 * 3 * 6 * 10 * 49 ** 4) ** 2, -5);
    expect(SPACES.darts).toBe(dartsSpace);
    expect(getSpace('darts')).toBe(dartsSpace);
  });
});

describe('DARTS space: Algorithm 2', () => {
  it('keeps the largest entry and the largest on a different edge (hand-made α)', () => {
    const a = new Float32Array(196);
    // normal node 0: the two largest are both on edge 0 → the second pick comes from edge 1.
    a[at(0, 0, 0, 3)] = 0.9;
    a[at(0, 0, 0, 4)] = 0.8;
    a[at(0, 0, 1, 6)] = 0.1;
    // normal node 1: largest on input 2, then the best other edge is input 0 (input 2's runner-up ignored).
    a[at(0, 1, 2, 0)] = 0.95;
    a[at(0, 1, 2, 1)] = 0.94;
    a[at(0, 1, 0, 5)] = 0.5;
    a[at(0, 1, 1, 5)] = 0.4;
    // normal node 3: largest on input 4, next largest on input 2.
    a[at(0, 3, 4, 2)] = 0.7;
    a[at(0, 3, 2, 5)] = 0.6;
    // reduce node 2: largest on input 3, then input 1.
    a[at(1, 2, 3, 1)] = 0.3;
    a[at(1, 2, 1, 4)] = 0.2;
    const g = dartsSpace.discretize(a);
    expect(g.normal.slice(0, 2)).toEqual([['sep_conv_3x3', 0], ['dil_conv_5x5', 1]]);
    expect(g.normal.slice(2, 4)).toEqual([['max_pool_3x3', 2], ['dil_conv_3x3', 0]]);
    expect(g.normal.slice(6, 8)).toEqual([['skip_connect', 4], ['dil_conv_3x3', 2]]);
    expect(g.reduce.slice(4, 6)).toEqual([['avg_pool_3x3', 3], ['sep_conv_5x5', 1]]);
  });

  it('always picks two different input edges per node, for random α', () => {
    const rng = new Rng(8);
    for (let t = 0; t < 500; t++) {
      const g = dartsSpace.discretize(rng.fillUniform(new Float32Array(196)));
      expectValidCell(g.normal);
      expectValidCell(g.reduce);
    }
  });

  it('rejects α of the wrong length', () => {
    expect(() => dartsSpace.discretize(new Float32Array(195))).toThrow(/195 entries, expected 196/);
  });
});

describe('DARTS space: genotype text', () => {
  it('formats the published genotypes exactly and round-trips them', () => {
    expect(dartsSpace.format(DARTS_V2)).toBe(DARTS_V2_TEXT);
    expect(dartsSpace.format(PC_DARTS)).toBe(PC_DARTS_TEXT);
    for (const g of [DARTS_V2, PC_DARTS]) {
      const again = dartsSpace.parse(dartsSpace.format(g));
      expect(again).toEqual(g);
      expect(dartsSpace.format(again)).toBe(dartsSpace.format(g));
    }
    expect(PC_DARTS.reduce[5]).toEqual(['sep_conv_3x3', 3]);
    expect(DARTS_V2.normal[7]).toEqual(['dil_conv_3x3', 2]);
  });

  it('accepts range(2, 6), double quotes, line breaks and no leading Genotype name', () => {
    const loose = DARTS_V2_TEXT.replace(/'/g, '"')
      .replace(/\[2, 3, 4, 5\]/g, 'range(2, 6)')
      .replace(/, \(/g, ',\n    (')
      .replace(/=/g, ' = ');
    expect(dartsSpace.parse(loose)).toEqual(DARTS_V2);
    expect(dartsSpace.parse(`\n  ${loose.replace(/^Genotype/, '')}  \n`)).toEqual(DARTS_V2);
    expect(dartsSpace.parse(DARTS_V2_TEXT.replace(/^Genotype\(/, '').replace(/\)$/, ''))).toEqual(DARTS_V2);
    expect(dartsSpace.parse(DARTS_V2_TEXT.replace(/\[2, 3, 4, 5\]/g, 'range(2,6)'))).toEqual(DARTS_V2);
  });

  it.each([
    ['unknown op', DARTS_V2_TEXT.replace("('sep_conv_3x3', 0)", "('conv_9x9', 0)"), /normal node 0: unknown operation "conv_9x9"/],
    ['none is not a DARTS op here', DARTS_V2_TEXT.replace("('max_pool_3x3', 0)", "('none', 0)"), /reduce node 0: unknown operation "none"/],
    ['7 pairs', DARTS_V2_TEXT.replace(", ('dil_conv_3x3', 2)", ''), /normal has 7 \(op, input\) pairs, expected 8/],
    ['9 pairs', DARTS_V2_TEXT.replace("('max_pool_3x3', 1)]", "('max_pool_3x3', 1), ('max_pool_3x3', 3)]"), /reduce has 9 \(op, input\) pairs/],
    ['input out of range', DARTS_V2_TEXT.replace("('sep_conv_3x3', 1), ('skip_connect', 0)", "('sep_conv_3x3', 5), ('skip_connect', 0)"), /normal node 2: input 5 out of range 0\.\.3/],
    ['input 2 into node 0', DARTS_V2_TEXT.replace("reduce=[('max_pool_3x3', 0)", "reduce=[('max_pool_3x3', 2)"), /reduce node 0: input 2 out of range 0\.\.1/],
    ['same input twice', DARTS_V2_TEXT.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", "('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0)"), /normal node 0: both pairs use input 0/],
    ['short concat', DARTS_V2_TEXT.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 3, 4]'), /normal_concat must be \[2, 3, 4, 5\], got \[2, 3, 4\]/],
    ['range concat', DARTS_V2_TEXT.replace('reduce_concat=[2, 3, 4, 5]', 'reduce_concat=range(1, 6)'), /reduce_concat must be \[2, 3, 4, 5\], got \[1, 2, 3, 4, 5\]/],
    ['missing reduce', 'Genotype(normal=[], normal_concat=[2, 3, 4, 5])', /normal has 0|no reduce/],
    ['garbage in a list', DARTS_V2_TEXT.replace("('skip_connect', 0), ('dil", "skip_connect, ('dil"), /cannot read "skip_connect" in normal/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => dartsSpace.parse(text)).toThrow(message);
  });
});

describe('DARTS space: encode, key, sample, mutate', () => {
  it('encodes one-hot: 1 at (row of (node, input), op) per pair, and discretize(encode(a)) keeps the key', () => {
    const e = dartsSpace.encode(DARTS_V2);
    expect(e).toHaveLength(196);
    expect(e.reduce((s, x) => s + x, 0)).toBe(16);
    expect(e[at(0, 3, 2, DARTS_OPS.indexOf('dil_conv_3x3'))]).toBe(1);
    expect(e[at(1, 1, 2, DARTS_OPS.indexOf('skip_connect'))]).toBe(1);
    const rng = new Rng(3);
    for (const g of [DARTS_V2, PC_DARTS, ...Array.from({ length: 200 }, () => dartsSpace.sample(rng))]) {
      expect(dartsSpace.key(dartsSpace.discretize(dartsSpace.encode(g)))).toBe(dartsSpace.key(g));
    }
  });

  it('key ignores the order of the two pairs of a node, and nothing else', () => {
    const swapped = { ...DARTS_V2, normal: [DARTS_V2.normal[1], DARTS_V2.normal[0], ...DARTS_V2.normal.slice(2)] };
    expect(dartsSpace.key(swapped)).toBe(dartsSpace.key(DARTS_V2));
    const moved = { ...DARTS_V2, normal: [DARTS_V2.normal[0], DARTS_V2.normal[2], DARTS_V2.normal[1], ...DARTS_V2.normal.slice(3)] };
    expect(dartsSpace.key(moved)).not.toBe(dartsSpace.key(DARTS_V2));
    const cellsSwapped = { normal: DARTS_V2.reduce, reduce: DARTS_V2.normal };
    expect(dartsSpace.key(cellsSwapped)).not.toBe(dartsSpace.key(DARTS_V2));
  });

  it('samples valid genotypes with every input pair and op reachable', () => {
    const rng = new Rng(11);
    const node3Inputs = new Set<string>();
    const ops = new Set<string>();
    for (let t = 0; t < 1000; t++) {
      const g = dartsSpace.sample(rng);
      if (t < 100) {
        expectValidCell(g.normal);
        expectValidCell(g.reduce);
      }
      node3Inputs.add([g.normal[6][1], g.normal[7][1]].sort().join(','));
      for (const [op] of g.reduce) ops.add(op);
    }
    expect(node3Inputs.size).toBe(10); // C(5, 2)
    expect(ops.size).toBe(7);
  });

  it('mutates exactly one choice and keeps the genotype valid', () => {
    const rng = new Rng(5);
    for (let t = 0; t < 500; t++) {
      const g = dartsSpace.sample(rng);
      const m = dartsSpace.mutate(g, rng);
      expect(() => dartsSpace.parse(dartsSpace.format(m))).not.toThrow();
      expect(dartsSpace.key(m)).not.toBe(dartsSpace.key(g));
      let changed = 0;
      for (const c of ['normal', 'reduce'] as const) {
        g[c].forEach(([op, input], p) => {
          changed += (op !== m[c][p][0] ? 1 : 0) + (input !== m[c][p][1] ? 1 : 0);
        });
      }
      expect(changed).toBe(1);
    }
  });
});
