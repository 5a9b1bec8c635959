import { DARTS_OPS, type DartsGenotype, type DartsPair } from '../../src-main/common/spaces/darts';
import { NB201_EDGES, NB201_OPS, type Nb201Arch } from '../../src-main/common/spaces/nb201';
import { OFA_LAYERS_PER_UNIT, ofaActiveLayers, type OfaConfig } from '../../src-main/common/spaces/ofa';

/** Operation → short label and colour, shared by the cell figures and their legends. */
export const OP_STYLE: Record<string, { label: string; color: string }> = {
  none: { label: 'none', color: '#9ca3af' },
  skip_connect: { label: 'skip', color: '#475569' },
  nor_conv_1x1: { label: 'conv 1×1', color: '#2563eb' },
  nor_conv_3x3: { label: 'conv 3×3', color: '#7c3aed' },
  avg_pool_3x3: { label: 'avg pool 3×3', color: '#059669' },
  max_pool_3x3: { label: 'max pool 3×3', color: '#0d9488' },
  sep_conv_3x3: { label: 'sep 3×3', color: '#7c3aed' },
  sep_conv_5x5: { label: 'sep 5×5', color: '#a21caf' },
  dil_conv_3x3: { label: 'dil 3×3', color: '#ea580c' },
  dil_conv_5x5: { label: 'dil 5×5', color: '#b45309' },
};

/**
 * Parameters and multiply-accumulates of one NAS-Bench-201 edge operation summed over the
 * benchmark's network (C = 16, N = 5 cells per stage at 32×32, 16×16, 8×8 with 16, 32, 64
 * channels; Dong & Yang 2020): ReLU-Conv-BN k×k has k²c² conv weights (no bias) + 2c BN
 * affine parameters and k²c²·H·W MACs per cell. Pooling, skip and none have no parameters.
 */
export function nb201OpCost(op: string): { params: number; macs: number } {
  const k = op === 'nor_conv_3x3' ? 3 : op === 'nor_conv_1x1' ? 1 : 0;
  if (!k) return { params: 0, macs: 0 };
  let params = 0;
  let macs = 0;
  for (const [c, hw] of [[16, 32], [32, 16], [64, 8]]) {
    params += 5 * (k * k * c * c + 2 * c);
    macs += 5 * k * k * c * c * hw * hw;
  }
  return { params, macs };
}

/**
 * Classes of the NAS-Bench-201 network's classifier for a table metric column (CIFAR-10,
 * CIFAR-100, ImageNet16-120), or null when the column names none of them.
 */
export function nb201ClassesOf(metric: string): number | null {
  const m = metric.toLowerCase();
  if (m.includes('imagenet')) return 120;
  if (m.includes('cifar100') || m.includes('cifar-100')) return 100;
  if (m.includes('cifar10') || m.includes('cifar-10')) return 10;
  return null;
}

/**
 * Parameters and MACs of the whole NAS-Bench-201 network (C = 16, N = 5; Dong & Yang 2020) with
 * this cell: the six edges' costs (nb201OpCost) plus the fixed parts — the 3×3 stem (3→16) with
 * BN, the two stride-2 residual blocks (ReLU-Conv-BN 3×3 twice, and AvgPool + 1×1 conv on the
 * shortcut) 16→32 at 16×16 and 32→64 at 8×8, the last BN, and the classifier 64→classes. Counted
 * this way the benchmark's own extremes come out: 0.073M / 1.53M parameters and 220.1M MACs
 * with every edge a 3×3 conv (CIFAR-10), as its published tables give them.
 */
export function nb201NetworkTotals(arch: Nb201Arch, classes: number): { params: number; macs: number } {
  let params = 0;
  let macs = 0;
  for (const o of arch) {
    const c = nb201OpCost(NB201_OPS[o]);
    params += c.params;
    macs += c.macs;
  }
  // stem: conv 3×3, 3→16 at 32×32 (no bias), BN(16)
  params += 3 * 3 * 3 * 16 + 2 * 16;
  macs += 3 * 3 * 3 * 16 * 32 * 32;
  for (const [cin, cout, hw] of [[16, 32, 16], [32, 64, 8]]) {
    const weights = 9 * cin * cout + 9 * cout * cout + cin * cout;
    params += weights + 2 * cout + 2 * cout;
    macs += weights * hw * hw;
  }
  params += 2 * 64 + 64 * classes + classes; // last BN, classifier (with bias)
  macs += 64 * classes;
  return { params, macs };
}

export interface EdgeGeom {
  id: string;
  op: string;
  from: number;
  to: number;
  path: string;
  labelX: number;
  labelY: number;
  dimmed: boolean;
}

interface Pt {
  x: number;
  y: number;
}

/** A quadratic edge from a to b bending by `bend` pixels (label at the curve's midpoint). */
function curve(a: Pt, b: Pt, bend: number, r: number, t = 0.5): { path: string; labelX: number; labelY: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  // Start and end on the node circles, not at their centres, so arrowheads stay visible.
  const s = { x: a.x + ux * r, y: a.y + uy * r };
  const e = { x: b.x - ux * r, y: b.y - uy * r };
  const c = { x: (s.x + e.x) / 2 - uy * bend, y: (s.y + e.y) / 2 + ux * bend };
  return {
    path: `M${s.x.toFixed(1)},${s.y.toFixed(1)} Q${c.x.toFixed(1)},${c.y.toFixed(1)} ${e.x.toFixed(1)},${e.y.toFixed(1)}`,
    labelX: (1 - t) ** 2 * s.x + 2 * t * (1 - t) * c.x + t * t * e.x,
    labelY: (1 - t) ** 2 * s.y + 2 * t * (1 - t) * c.y + t * t * e.y,
  };
}

export const NB201_NODE_R = 22;
export const NB201_NODES: Pt[] = [0, 1, 2, 3].map((i) => ({ x: 70 + i * 170, y: 170 }));

/** The NAS-Bench-201 cell as a DAG: 4 nodes, 6 edges (into node 1, then 2, then 3). */
export function nb201CellGeometry(arch: Nb201Arch): EdgeGeom[] {
  return NB201_EDGES.map(([to, from], e) => {
    const span = to - from;
    // Neighbours straight; 0→2 above, 1→3 below, 0→3 high above: no two edges cross labels.
    const bend = span === 1 ? 0 : span === 3 ? -150 : from === 0 ? -75 : 75;
    const op = NB201_OPS[arch[e]];
    return { id: `${from}→${to}`, op, from, to, ...curve(NB201_NODES[from], NB201_NODES[to], bend, NB201_NODE_R), dimmed: op === 'none' };
  });
}

export interface DartsNodeGeom extends Pt {
  id: string;
  label: string;
}

/**
 * Advance widths of DejaVu Sans (units per 2048 em) for the characters of the op labels. The
 * figures ask for Helvetica/Arial; on Linux without those the browser falls back to Liberation
 * Sans (Arial's metrics) or DejaVu Sans, the widest of the three, so boxes sized by these widths
 * fit whichever is drawn (the browser e2e measures the rendered text against its box).
 */
const DEJAVU_SANS_ADVANCE: Record<string, number> = {
  ' ': 651, a: 1255, b: 1300, c: 1126, d: 1300, e: 1260, f: 721, g: 1300, h: 1298, i: 569, j: 569, k: 1186, l: 569, m: 1995,
  n: 1298, o: 1253, p: 1300, q: 1300, r: 842, s: 1067, t: 803, u: 1298, v: 1212, w: 1675, x: 1212, y: 1212, z: 1075, '×': 1716, _: 1024, '-': 739,
};
/** Width in pixels of `text` at `fontSize` px (digits 1303 units; anything else as wide as `m`). */
export function labelTextWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const ch of text) units += DEJAVU_SANS_ADVANCE[ch] ?? (ch >= '0' && ch <= '9' ? 1303 : 1995);
  return (units / 2048) * fontSize;
}

/** Font size of the DARTS edge labels and the padding either side of the text in their boxes. */
export const DARTS_LABEL_FONT = 10.5;
const DARTS_LABEL_PAD = 5;
const DARTS_LABEL_H = 18;
const DARTS_NODE_R = 18;
const DARTS_IO_HALF = { w: 30, h: 18 };

export interface DartsEdgeGeom extends EdgeGeom {
  /** Width of the label box, from the measured text. */
  labelW: number;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const boxesOverlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
function boxHitsCircle(b: Box, c: Pt, r: number): boolean {
  const dx = c.x - Math.max(b.x0, Math.min(c.x, b.x1));
  const dy = c.y - Math.max(b.y0, Math.min(c.y, b.y1));
  return dx * dx + dy * dy < r * r;
}

/**
 * Where a label may sit along its edge, nearest the preferred spot first: labels sit nearer the
 * target (each node has two incoming edges but the inputs have many outgoing), and slide along
 * the curve when that spot covers a node or a label placed before.
 */
const LABEL_T = [0.62, 0.52, 0.72, 0.42, 0.8, 0.34, 0.86, 0.26];

/** One DARTS cell (Liu et al. 2019, Fig. 1 style): inputs c_{k−2}, c_{k−1}, nodes 0–3, concat output c_k. */
export function dartsCellGeometry(pairs: readonly DartsPair[]): { nodes: DartsNodeGeom[]; edges: DartsEdgeGeom[]; concat: EdgeGeom[] } {
  const nodes: DartsNodeGeom[] = [
    { id: 'in0', label: 'c_{k-2}', x: 60, y: 70 },
    { id: 'in1', label: 'c_{k-1}', x: 60, y: 250 },
    // Intermediate nodes on a descending diagonal (DARTS paper, Fig. 4 style): edges from both
    // inputs fan out to the right and rarely cross each other's labels.
    ...[0, 1, 2, 3].map((k) => ({ id: `n${k}`, label: String(k), x: 260 + k * 140, y: 50 + k * 70 })),
    { id: 'out', label: 'c_{k}', x: 800, y: 160 },
  ];
  const nodeHit = (b: Box) =>
    nodes.some((n) => (n.id.startsWith('n') ? boxHitsCircle(b, n, DARTS_NODE_R + 2) : boxesOverlap(b, { x0: n.x - DARTS_IO_HALF.w - 2, y0: n.y - DARTS_IO_HALF.h - 2, x1: n.x + DARTS_IO_HALF.w + 2, y1: n.y + DARTS_IO_HALF.h + 2 })));
  const placed: Box[] = [];
  const edges = pairs.map(([op, input], i): DartsEdgeGeom => {
    const to = 2 + Math.floor(i / 2);
    const second = i % 2 === 1;
    const bend = input >= 2 && to - input > 1 ? -45 : second ? 14 : -14;
    const labelW = Math.ceil(labelTextWidth(OP_STYLE[op].label, DARTS_LABEL_FONT) + 2 * DARTS_LABEL_PAD);
    const at = (t: number) => {
      const c = curve(nodes[input], nodes[to], bend, 20, t);
      return { c, box: { x0: c.labelX - labelW / 2, y0: c.labelY - DARTS_LABEL_H / 2, x1: c.labelX + labelW / 2, y1: c.labelY + DARTS_LABEL_H / 2 } };
    };
    const candidates = LABEL_T.map(at);
    // First spot clear of nodes and labels, else the first clear of nodes, else the preferred one.
    const pick = candidates.find((k) => !nodeHit(k.box) && !placed.some((p) => boxesOverlap(p, k.box))) ?? candidates.find((k) => !nodeHit(k.box)) ?? candidates[0];
    placed.push(pick.box);
    return { id: `${nodes[input].id}→${nodes[to].id}#${i}`, op, from: input, to, ...pick.c, dimmed: false, labelW };
  });
  const concat = [2, 3, 4, 5].map((n) => ({ id: `${nodes[n].id}→out`, op: 'concat', from: n, to: 6, ...curve(nodes[n], nodes[6], 0, 20), dimmed: true }));
  return { nodes, edges, concat };
}

/** The label boxes of a DARTS cell (for tests and layout checks). */
export function dartsLabelBoxes(g: ReturnType<typeof dartsCellGeometry>): Box[] {
  return g.edges.map((e) => ({ x0: e.labelX - e.labelW / 2, y0: e.labelY - DARTS_LABEL_H / 2, x1: e.labelX + e.labelW / 2, y1: e.labelY + DARTS_LABEL_H / 2 }));
}
export { boxesOverlap, boxHitsCircle, DARTS_NODE_R, DARTS_IO_HALF };

export function dartsOpsUsed(g: DartsGenotype): string[] {
  const used = new Set([...g.normal, ...g.reduce].map(([op]) => op as string));
  return DARTS_OPS.filter((op) => used.has(op));
}

export interface OfaBlockGeom {
  /** Layer index 0..19 in the 5×4 grid, or -1 for the fixed first block. */
  layer: number;
  unit: number;
  kernel: number;
  expand: number;
  x: number;
  width: number;
  label: string;
  fixed: boolean;
}

/** Block width encodes the expand ratio (paper Figure 3): wider = more channels inside the MBConv. */
export const OFA_EXPAND_WIDTH: Record<number, number> = { 1: 22, 3: 30, 4: 38, 6: 54 };
export const OFA_KERNEL_COLOR: Record<number, string> = { 3: '#60a5fa', 5: '#f59e0b', 7: '#ef4444' };

/**
 * The OFA subnet as a Figure 3 strip: the fixed first MBConv (expand 1, 3×3; not searchable),
 * then one block per active layer, left to right, grouped by unit.
 */
export function ofaStripGeometry(c: OfaConfig): { blocks: OfaBlockGeom[]; units: { unit: number; x0: number; x1: number; depth: number }[]; width: number } {
  const gap = 6;
  const unitGap = 26;
  let x = 20;
  const blocks: OfaBlockGeom[] = [{ layer: -1, unit: 0, kernel: 3, expand: 1, x, width: OFA_EXPAND_WIDTH[1], label: 'MB1 3×3', fixed: true }];
  x += OFA_EXPAND_WIDTH[1] + unitGap;
  const units: { unit: number; x0: number; x1: number; depth: number }[] = [];
  const active = ofaActiveLayers(c);
  for (let u = 0; u < c.d.length; u++) {
    const x0 = x;
    for (const layer of active.filter((l) => Math.floor(l / OFA_LAYERS_PER_UNIT) === u)) {
      const w = OFA_EXPAND_WIDTH[c.e[layer]];
      blocks.push({ layer, unit: u + 1, kernel: c.ks[layer], expand: c.e[layer], x, width: w, label: `MB${c.e[layer]} ${c.ks[layer]}×${c.ks[layer]}`, fixed: false });
      x += w + gap;
    }
    units.push({ unit: u + 1, x0, x1: x - gap, depth: c.d[u] });
    x += unitGap - gap;
  }
  return { blocks, units, width: x + 10 };
}
