import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/core/rng';
import { DARTS_OPS, DARTS_V2, dartsSpace, formatGenotype, parseGenotype, PC_DARTS } from '../../src-main/core/spaces/darts';
import { getSpace } from '../../src-main/core/spaces';
import { ofaActiveLayers, ofaSpace, parseOfaConfig } from '../../src-main/core/spaces/ofa';

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

describe('DARTS space', () => {
  it('has two 14×7 matrices in the DARTS operation order', () => {
    expect(dartsSpace.dim).toBe(196);
    expect(dartsSpace.matrices.map((m) => [m.rows.length, m.cols.length])).toEqual([[14, 7], [14, 7]]);
    expect(DARTS_OPS[0]).toBe('max_pool_3x3');
  });

  it('round-trips the published genotypes (REFERENCE.md) through its text form', () => {
    expect(formatGenotype(DARTS_V2)).toBe(DARTS_V2_TEXT);
    for (const g of [DARTS_V2, PC_DARTS]) {
      const again = parseGenotype(formatGenotype(g));
      expect(again).toEqual(g);
      expect(dartsSpace.key(dartsSpace.discretize(dartsSpace.encode(g)))).toBe(dartsSpace.key(g));
    }
    expect(PC_DARTS.reduce[5]).toEqual(['sep_conv_3x3', 3]);
  });

  it('accepts range(2, 6), double quotes and line breaks', () => {
    const text = DARTS_V2_TEXT.replace(/'/g, '"').replace(/\[2, 3, 4, 5\]/g, 'range(2, 6)').replace(/, \(/g, ',\n  (');
    expect(parseGenotype(text)).toEqual(DARTS_V2);
  });

  it.each([
    [DARTS_V2_TEXT.replace("('sep_conv_3x3', 0)", "('conv_9x9', 0)"), /unknown operation "conv_9x9"/],
    [DARTS_V2_TEXT.replace(", ('dil_conv_3x3', 2)", ''), /normal has 7 \(op, input\) pairs/],
    [DARTS_V2_TEXT.replace("('sep_conv_3x3', 1), ('skip_connect', 0)", "('sep_conv_3x3', 5), ('skip_connect', 0)"), /node 2: input 5 out of range 0\.\.3/],
    [DARTS_V2_TEXT.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", "('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0)"), /both pairs use input 0/],
    [DARTS_V2_TEXT.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 3, 4]'), /normal_concat must be \[2, 3, 4, 5\]/],
  ])('rejects a bad genotype (%#)', (text, message) => {
    expect(() => parseGenotype(text)).toThrow(message);
  });

  it('Algorithm 2 keeps the largest entry and the largest on a different edge', () => {
    const a = new Float32Array(196);
    // node 0 (rows 0-1): the two largest entries are both on edge 0 → second pick must come from edge 1.
    a[0 * 7 + 3] = 0.9;
    a[0 * 7 + 4] = 0.8;
    a[1 * 7 + 6] = 0.1;
    // node 3 (rows 9-13): largest on input 4, next largest on input 2.
    a[13 * 7 + 2] = 0.7;
    a[11 * 7 + 5] = 0.6;
    const g = dartsSpace.discretize(a);
    expect(g.normal.slice(0, 2)).toEqual([['sep_conv_3x3', 0], ['dil_conv_5x5', 1]]);
    expect(g.normal.slice(6, 8)).toEqual([['skip_connect', 4], ['dil_conv_3x3', 2]]);
  });

  it('always picks two different input edges per node, for any α', () => {
    const rng = new Rng(8);
    for (let t = 0; t < 300; t++) {
      const g = dartsSpace.discretize(rng.fillUniform(new Float32Array(196)));
      for (const cell of [g.normal, g.reduce]) {
        for (let k = 0; k < 4; k++) {
          expect(cell[2 * k][1]).not.toBe(cell[2 * k + 1][1]);
          expect(Math.max(cell[2 * k][1], cell[2 * k + 1][1])).toBeLessThanOrEqual(k + 1);
        }
      }
      const m = dartsSpace.mutate(g, rng);
      expect(() => parseGenotype(dartsSpace.format(m))).not.toThrow();
      expect(dartsSpace.key(m)).not.toBe(dartsSpace.key(g));
    }
  });

  it('its key ignores the order of the two pairs of a node', () => {
    const swapped = { ...DARTS_V2, normal: [DARTS_V2.normal[1], DARTS_V2.normal[0], ...DARTS_V2.normal.slice(2)] };
    expect(dartsSpace.key(swapped)).toBe(dartsSpace.key(DARTS_V2));
  });
});

describe('OFA space', () => {
  const cfg = { ks: Array(20).fill(3), e: Array(20).fill(6), d: [2, 3, 4, 2, 3] };

  it('has α_O 20×9 and α_D 5×3', () => {
    expect(ofaSpace.dim).toBe(195);
    expect(ofaSpace.matrices[0].cols[0]).toBe('MB3 3×3');
  });

  it('depth masks the right layers', () => {
    expect(ofaActiveLayers(cfg)).toEqual([0, 1, 4, 5, 6, 8, 9, 10, 11, 12, 13, 16, 17, 18]);
    expect(ofaActiveLayers({ ...cfg, d: [4, 4, 4, 4, 4] })).toHaveLength(20);
  });

  it('round-trips the OFA subnet config and discretizes α_O / α_D by row argmax', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 100; i++) {
      const c = ofaSpace.sample(rng);
      expect(parseOfaConfig(ofaSpace.format(c))).toEqual(c);
      expect(ofaSpace.discretize(ofaSpace.encode(c))).toEqual(c);
      const m = ofaSpace.mutate(c, rng);
      expect(ofaSpace.key(m)).not.toBe(ofaSpace.key(c));
    }
    expect(JSON.parse(ofaSpace.format({ ...cfg, r: 224 }))).toEqual({ ...cfg, r: 224 });
  });

  it('its key ignores the choices of inactive layers', () => {
    const other = { ...cfg, ks: cfg.ks.slice() };
    other.ks[3] = 7; // unit 1 has depth 2: layer 3 is inactive
    expect(ofaSpace.key(other)).toBe(ofaSpace.key(cfg));
    other.ks[1] = 7; // active
    expect(ofaSpace.key(other)).not.toBe(ofaSpace.key(cfg));
  });

  it.each([
    ['{"ks":[3],"e":[],"d":[]}', /"ks" needs 20/],
    [JSON.stringify({ ...cfg, e: [...cfg.e.slice(0, 19), 5] }), /e\[19\] = 5; allowed 3, 4, 6/],
    [JSON.stringify({ ...cfg, d: [2, 3, 4, 2, 5] }), /d\[4\] = 5/],
    [JSON.stringify({ ...cfg, w: 1 }), /unknown field "w"/],
    ['{ks:', /not JSON/],
  ])('rejects %s', (text, message) => {
    expect(() => parseOfaConfig(text)).toThrow(message);
  });
});

describe('space registry', () => {
  it('knows all three spaces and names the choices for an unknown one', () => {
    expect(getSpace('ofa')).toBe(ofaSpace);
    expect(() => getSpace('enas')).toThrow(/nb201, darts, ofa/);
  });
});
