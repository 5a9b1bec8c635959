import type { Rng } from '../rng';
import { checkAlphaLength, type SearchSpace } from './space';

/** DARTS operations, α column order (docs/ARCHITECTURE.md, "Spaces"; no `none`). */
export const DARTS_OPS = ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;
export type DartsOp = (typeof DARTS_OPS)[number];

/** One chosen incoming edge of an intermediate node: [operation, input]. Input 0 = cell k−2, 1 = cell k−1, 2.. = nodes. */
export type DartsPair = readonly [op: DartsOp, input: number];
export interface DartsGenotype {
  /** 8 pairs, two per intermediate node, in node order. */
  normal: readonly DartsPair[];
  reduce: readonly DartsPair[];
}

const NODES = 4;
const O = DARTS_OPS.length;
/** First α row of node k: node k has k+2 incoming edges (rows 0-1, 2-4, 5-8, 9-13). */
const NODE_ROW = [0, 2, 5, 9];
const ROWS = 14;
const CELL_DIM = ROWS * O;

function rowLabels(): string[] {
  const out: string[] = [];
  for (let k = 0; k < NODES; k++) for (let i = 0; i < k + 2; i++) out.push(`${i}→n${k}`);
  return out;
}

/** Algorithm 2 on one cell's 14×7 block: per node the largest entry, then the largest on another edge. */
function discretizeCell(alpha: ArrayLike<number>, offset: number): DartsPair[] {
  const pairs: DartsPair[] = [];
  for (let k = 0; k < NODES; k++) {
    const edges = k + 2;
    let i1 = -1, j1 = -1, v1 = -Infinity;
    for (let i = 0; i < edges; i++) {
      for (let j = 0; j < O; j++) {
        const v = alpha[offset + (NODE_ROW[k] + i) * O + j];
        if (v > v1) [v1, i1, j1] = [v, i, j];
      }
    }
    let i2 = -1, j2 = -1, v2 = -Infinity;
    for (let i = 0; i < edges; i++) {
      if (i === i1) continue;
      for (let j = 0; j < O; j++) {
        const v = alpha[offset + (NODE_ROW[k] + i) * O + j];
        if (v > v2) [v2, i2, j2] = [v, i, j];
      }
    }
    pairs.push([DARTS_OPS[j1], i1], [DARTS_OPS[j2], i2]);
  }
  return pairs;
}

function checkCell(pairs: readonly DartsPair[], cell: string): void {
  if (pairs.length !== 2 * NODES) throw new Error(`DARTS genotype: ${cell} has ${pairs.length} (op, input) pairs, expected ${2 * NODES}`);
  for (let k = 0; k < NODES; k++) {
    const [a, b] = [pairs[2 * k], pairs[2 * k + 1]];
    for (const [op, input] of [a, b]) {
      if (!DARTS_OPS.includes(op)) throw new Error(`DARTS genotype: ${cell} node ${k}: unknown operation "${op}" (expected one of ${DARTS_OPS.join(', ')})`);
      if (!Number.isInteger(input) || input < 0 || input > k + 1) throw new Error(`DARTS genotype: ${cell} node ${k}: input ${input} out of range 0..${k + 1}`);
    }
    if (a[1] === b[1]) throw new Error(`DARTS genotype: ${cell} node ${k}: both pairs use input ${a[1]}; Algorithm 2 picks two different edges`);
  }
}

const fmtCell = (pairs: readonly DartsPair[]) => `[${pairs.map(([op, i]) => `('${op}', ${i})`).join(', ')}]`;

export function formatGenotype(g: DartsGenotype): string {
  return `Genotype(normal=${fmtCell(g.normal)}, normal_concat=[2, 3, 4, 5], reduce=${fmtCell(g.reduce)}, reduce_concat=[2, 3, 4, 5])`;
}

function parseConcat(text: string, name: string): void {
  const m = new RegExp(`${name}\\s*=\\s*(\\[[^\\]]*\\]|range\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\))`).exec(text);
  if (!m) throw new Error(`DARTS genotype: missing ${name}=[2, 3, 4, 5] (or range(2, 6))`);
  const list = m[2] !== undefined ? Array.from({ length: Number(m[3]) - Number(m[2]) }, (_, i) => Number(m[2]) + i) : m[1].slice(1, -1).split(',').map((s) => Number(s.trim()));
  if (list.join(',') !== '2,3,4,5') throw new Error(`DARTS genotype: ${name} must be [2, 3, 4, 5], got [${list.join(', ')}]`);
}

function parseCell(text: string, name: 'normal' | 'reduce'): DartsPair[] {
  const m = new RegExp(`(?:^|[^_a-z])${name}\\s*=\\s*\\[([^\\]]*)\\]`).exec(text);
  if (!m) throw new Error(`DARTS genotype: no ${name}=[...] list`);
  const pairs: DartsPair[] = [];
  const re = /\(\s*['"]([^'"]*)['"]\s*,\s*(-?\d+)\s*,?\s*\)/g;
  let p: RegExpExecArray | null;
  let last = 0;
  const gap = (to: number) => {
    const junk = m[1].slice(last, to).replace(/^[\s,]+|[\s,]+$/g, '');
    if (junk) throw new Error(`DARTS genotype: cannot read "${junk.slice(0, 40)}" in ${name} (expected ('op', input) pairs)`);
  };
  while ((p = re.exec(m[1]))) {
    gap(p.index);
    pairs.push([p[1] as DartsOp, Number(p[2])]);
    last = re.lastIndex;
  }
  gap(m[1].length);
  checkCell(pairs, name);
  return pairs;
}

/** Parses `Genotype(normal=[('op', i), …], normal_concat=…, reduce=[…], reduce_concat=…)` (DARTS's genotypes.py form). */
export function parseGenotype(text: string): DartsGenotype {
  const body = text.trim().replace(/^Genotype\s*\(/, '(');
  const g = { normal: parseCell(body, 'normal'), reduce: parseCell(body, 'reduce') };
  parseConcat(body, 'normal_concat');
  parseConcat(body, 'reduce_concat');
  return g;
}

function cellKey(pairs: readonly DartsPair[]): string {
  const nodes: string[] = [];
  for (let k = 0; k < NODES; k++) {
    nodes.push([pairs[2 * k], pairs[2 * k + 1]].map(([op, i]) => `${op}~${i}`).sort().join('+'));
  }
  return nodes.join('|');
}

function sampleCell(rng: Rng): DartsPair[] {
  const pairs: DartsPair[] = [];
  for (let k = 0; k < NODES; k++) {
    const a = rng.int(k + 2);
    const b = (a + 1 + rng.int(k + 1)) % (k + 2);
    pairs.push([DARTS_OPS[rng.int(O)], a], [DARTS_OPS[rng.int(O)], b]);
  }
  return pairs;
}

function cellsOfDarts(): number {
  let n = 1;
  for (let k = 0; k < NODES; k++) n *= ((k + 2) * (k + 1)) / 2 * O * O; // unordered input pairs × op pairs
  return n;
}

export const dartsSpace: SearchSpace<DartsGenotype> = {
  id: 'darts',
  title: 'DARTS cells (normal + reduction)',
  categoricalRows: false,
  archFileName: 'best-genotype.txt',
  matrices: [
    { name: 'alpha_normal', rows: rowLabels(), cols: DARTS_OPS },
    { name: 'alpha_reduce', rows: rowLabels(), cols: DARTS_OPS },
  ],
  dim: 2 * CELL_DIM,
  size: cellsOfDarts() ** 2,
  discretize(alpha) {
    checkAlphaLength(this, alpha);
    return { normal: discretizeCell(alpha, 0), reduce: discretizeCell(alpha, CELL_DIM) };
  },
  encode(g, out = new Float32Array(2 * CELL_DIM)) {
    out.fill(0);
    [g.normal, g.reduce].forEach((pairs, c) =>
      pairs.forEach(([op, input], p) => {
        const k = p >> 1;
        const j = DARTS_OPS.indexOf(op);
        if (j < 0 || !(input >= 0 && input <= k + 1)) throw new Error(`DARTS encode: bad pair ('${op}', ${input}) at node ${k}`);
        out[c * CELL_DIM + (NODE_ROW[k] + input) * O + j] = 1;
      }),
    );
    return out;
  },
  key: (g) => `normal:${cellKey(g.normal)};reduce:${cellKey(g.reduce)}`,
  format: formatGenotype,
  parse: parseGenotype,
  sample: (rng) => ({ normal: sampleCell(rng), reduce: sampleCell(rng) }),
  mutate(g, rng) {
    const cell = rng.int(2) === 0 ? 'normal' : 'reduce';
    const pairs = g[cell].slice();
    const p = rng.int(pairs.length);
    const k = p >> 1;
    const [op, input] = pairs[p];
    const other = pairs[p ^ 1][1];
    // Another input of node k, different from this one and from the node's other input (node 0
    // has only two inputs, both used: there only the operation can change).
    const inputs = Array.from({ length: k + 2 }, (_, i) => i).filter((i) => i !== input && i !== other);
    if (inputs.length === 0 || rng.int(2) === 0) {
      pairs[p] = [DARTS_OPS[(DARTS_OPS.indexOf(op) + 1 + rng.int(O - 1)) % O], input];
    } else {
      pairs[p] = [op, inputs[rng.int(inputs.length)]];
    }
    return { ...g, [cell]: pairs };
  },
};

/** Published genotypes (REFERENCE.md) for checks of formats and, later, the network builder. */
export const DARTS_V2: DartsGenotype = parseGenotype(
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
);
export const PC_DARTS: DartsGenotype = parseGenotype(
  "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=[2, 3, 4, 5])",
);
