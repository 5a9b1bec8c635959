import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { NB201_OPS, nb201FromIndex, nb201Space, nb201ToIndex, nb201ToString, parseNb201 } from '../../src-main/common/spaces/nb201';
import { NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

describe('NAS-Bench-201 space', () => {
  it('parses and prints back every one of the 15,625 official arch strings', () => {
    requireSharedData();
    const lines = fs.readFileSync(NB201_TEST_CSV, 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(15625);
    const keys = new Set<string>();
    for (const line of lines) {
      const arch = line.split(',')[1];
      const parsed = parseNb201(arch);
      expect(nb201ToString(parsed)).toBe(arch);
      keys.add(nb201Space.key(parsed));
    }
    expect(keys.size).toBe(15625);
  });

  it('has a 6×5 α in the official edge and operation order', () => {
    expect(nb201Space.dim).toBe(30);
    expect(nb201Space.size).toBe(15625);
    expect(nb201Space.matrices[0].cols).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
    expect(nb201Space.matrices[0].rows).toEqual(['0→1', '0→2', '1→2', '0→3', '1→3', '2→3']);
  });

  it('discretizes by row argmax (Algorithm 1) and inverts encode', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const a = nb201Space.sample(rng);
      expect(nb201Space.discretize(nb201Space.encode(a))).toEqual(a);
      expect(nb201FromIndex(nb201ToIndex(a))).toEqual(a);
    }
    const alpha = new Float32Array(30);
    alpha[0 * 5 + 3] = 0.9; // edge 0→1: nor_conv_3x3
    alpha[5 * 5 + 1] = 0.2; // edge 2→3: skip_connect
    expect(nb201Space.format(nb201Space.discretize(alpha))).toBe(
      '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|',
    );
  });

  it('mutates exactly one edge to a different operation', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 100; i++) {
      const a = nb201Space.sample(rng);
      const b = nb201Space.mutate(a, rng);
      expect(a.filter((op, e) => op !== b[e])).toHaveLength(1);
    }
  });

  it.each([
    ['|nor_conv_3x3~0|+|none~0|none~1|', 'expected 3 nodes'],
    ['|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'unknown NAS-Bench-201 operation "conv"'],
    ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', 'should be op~0'],
    ['|none~0|+|none~0|+|none~0|none~1|none~2|', 'node 2 needs 2 edges'],
  ])('rejects %s', (text, message) => {
    expect(() => parseNb201(text)).toThrow(message);
  });

  it('lists the operations in PRODUCT.md order', () => {
    expect(NB201_OPS).toHaveLength(5);
  });
});
