import type { Rng } from '../rng';
import { argmaxRange, checkAlphaLength, type SearchSpace } from './space';

/** NAS-Bench-201 operation order (docs/ARCHITECTURE.md, "Spaces"; column order of α). */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** Edge order of the arch string: (1←0), (2←0), (2←1), (3←0), (3←1), (3←2). */
export const NB201_EDGES: readonly (readonly [to: number, from: number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/** An NB201 cell: the operation index (into NB201_OPS) on each of the 6 edges. */
export type Nb201Arch = readonly number[];

const E = NB201_EDGES.length;
const O = NB201_OPS.length;

/** Official arch string: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. */
export function nb201ToString(arch: Nb201Arch): string {
  const o = arch.map((i) => NB201_OPS[i]);
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
}

export function parseNb201(text: string): Nb201Arch {
  const s = text.trim();
  const nodes = s.split('+');
  if (nodes.length !== 3) {
    throw new Error(`not a NAS-Bench-201 arch string (expected 3 nodes joined by '+'): "${text}"`);
  }
  const arch: number[] = [];
  nodes.forEach((node, i) => {
    if (!node.startsWith('|') || !node.endsWith('|')) {
      throw new Error(`not a NAS-Bench-201 arch string (node ${i + 1} must be wrapped in '|'): "${text}"`);
    }
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== i + 1) {
      throw new Error(`not a NAS-Bench-201 arch string (node ${i + 1} needs ${i + 1} edges, has ${edges.length}): "${text}"`);
    }
    edges.forEach((edge, j) => {
      const m = /^([a-z0-9_]+)~(\d+)$/.exec(edge);
      if (!m || Number(m[2]) !== j) {
        throw new Error(`not a NAS-Bench-201 arch string (edge "${edge}" of node ${i + 1} should be op~${j}): "${text}"`);
      }
      const op = NB201_OPS.indexOf(m[1] as Nb201Op);
      if (op < 0) {
        throw new Error(`unknown NAS-Bench-201 operation "${m[1]}" in "${text}" (expected one of ${NB201_OPS.join(', ')})`);
      }
      arch.push(op);
    });
  });
  return arch;
}

/** Official architecture index order of the benchmark is by arch string; ours is base-5 digits. */
export function nb201FromIndex(index: number): Nb201Arch {
  const arch: number[] = [];
  let x = index;
  for (let e = 0; e < E; e++) {
    arch.push(x % O);
    x = Math.floor(x / O);
  }
  return arch;
}

export function nb201ToIndex(arch: Nb201Arch): number {
  let x = 0;
  for (let e = E - 1; e >= 0; e--) x = x * O + arch[e];
  return x;
}

export const nb201Space: SearchSpace<Nb201Arch> = {
  id: 'nb201',
  title: 'NAS-Bench-201 cell',
  categoricalRows: true,
  archFileName: 'best-arch.txt',
  matrices: [
    {
      name: 'alpha',
      rows: NB201_EDGES.map(([to, from]) => `${from}→${to}`),
      cols: NB201_OPS,
    },
  ],
  dim: E * O,
  size: O ** E,
  /** Algorithm 1: argmax of each row. */
  discretize(alpha) {
    checkAlphaLength(this, alpha);
    const arch: number[] = new Array(E);
    for (let e = 0; e < E; e++) arch[e] = argmaxRange(alpha, e * O, O);
    return arch;
  },
  encode(arch, out = new Float32Array(E * O)) {
    out.fill(0);
    for (let e = 0; e < E; e++) out[e * O + arch[e]] = 1;
    return out;
  },
  key: nb201ToString,
  format: nb201ToString,
  parse: parseNb201,
  sample(rng: Rng) {
    return Array.from({ length: E }, () => rng.int(O));
  },
  mutate(arch, rng) {
    const out = arch.slice();
    const e = rng.int(E);
    out[e] = (out[e] + 1 + rng.int(O - 1)) % O;
    return out;
  },
};
