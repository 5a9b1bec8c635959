import type { Rng } from '../rng';
import { argmaxRange, checkAlphaLength, type SearchSpace } from './space';

/**
 * Once-for-All MobileNetV3 (paper §3.3): 5 units of up to 4 MBConv layers. α_O (20×9) picks
 * expand ratio e ∈ {3,4,6} × kernel k ∈ {3,5,7} per layer; α_D (5×3) picks each unit's depth
 * ∈ {2,3,4}. Layer j of a unit is active iff j < depth. The first MBConv block (expand 1,
 * kernel 3) is fixed and not part of α.
 */
export const OFA_EXPANDS = [3, 4, 6] as const;
export const OFA_KERNELS = [3, 5, 7] as const;
export const OFA_DEPTHS = [2, 3, 4] as const;
export const OFA_UNITS = 5;
export const OFA_LAYERS_PER_UNIT = 4;
const L = OFA_UNITS * OFA_LAYERS_PER_UNIT;
const OPS = OFA_EXPANDS.flatMap((e) => OFA_KERNELS.map((k) => ({ e, k })));
const OP_DIM = L * OPS.length;

export interface OfaConfig {
  /** Kernel size of each of the 20 layers (OFA's set_active_subnet `ks`). */
  ks: number[];
  /** Expand ratio of each of the 20 layers (`e`). */
  e: number[];
  /** Depth of each of the 5 units (`d`). */
  d: number[];
  /** Input resolution, when chosen. */
  r?: number;
}

/** Indices (0..19) of the layers a config keeps. */
export function ofaActiveLayers(c: OfaConfig): number[] {
  const out: number[] = [];
  for (let u = 0; u < OFA_UNITS; u++) for (let j = 0; j < c.d[u]; j++) out.push(u * OFA_LAYERS_PER_UNIT + j);
  return out;
}

const lengthOf = (v: unknown) => (Array.isArray(v) ? `${v.length}` : 'no list');

function check(c: OfaConfig): OfaConfig {
  const bad = (m: string) => new Error(`OFA config: ${m}`);
  if (!Array.isArray(c.ks) || c.ks.length !== L) throw bad(`"ks" needs ${L} kernel sizes, got ${lengthOf(c.ks)}`);
  if (!Array.isArray(c.e) || c.e.length !== L) throw bad(`"e" needs ${L} expand ratios, got ${lengthOf(c.e)}`);
  if (!Array.isArray(c.d) || c.d.length !== OFA_UNITS) throw bad(`"d" needs ${OFA_UNITS} depths, got ${lengthOf(c.d)}`);
  c.ks.forEach((k, i) => {
    if (!(OFA_KERNELS as readonly number[]).includes(k)) throw bad(`ks[${i}] = ${k}; allowed ${OFA_KERNELS.join(', ')}`);
  });
  c.e.forEach((e, i) => {
    if (!(OFA_EXPANDS as readonly number[]).includes(e)) throw bad(`e[${i}] = ${e}; allowed ${OFA_EXPANDS.join(', ')}`);
  });
  c.d.forEach((d, i) => {
    if (!(OFA_DEPTHS as readonly number[]).includes(d)) throw bad(`d[${i}] = ${d}; allowed ${OFA_DEPTHS.join(', ')}`);
  });
  if (c.r !== undefined && !(Number.isInteger(c.r) && c.r > 0)) throw bad(`"r" must be a positive integer resolution`);
  return c;
}

export function parseOfaConfig(text: string): OfaConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`OFA config: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!raw || typeof raw !== 'object') throw new Error('OFA config: expected an object {"ks": [...], "e": [...], "d": [...]}');
  const o = raw as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['ks', 'e', 'd', 'r'].includes(k));
  if (extra.length) throw new Error(`OFA config: unknown field "${extra[0]}"`);
  return check({ ks: o.ks as number[], e: o.e as number[], d: o.d as number[], ...(o.r !== undefined ? { r: o.r as number } : {}) });
}

export function formatOfaConfig(c: OfaConfig): string {
  return JSON.stringify({ ks: c.ks, e: c.e, d: c.d, ...(c.r !== undefined ? { r: c.r } : {}) });
}

export const ofaSpace: SearchSpace<OfaConfig> = {
  id: 'ofa',
  title: 'OFA MobileNetV3',
  categoricalRows: true,
  archFileName: 'best-arch.json',
  matrices: [
    { name: 'alpha_O', rows: Array.from({ length: L }, (_, i) => `unit ${Math.floor(i / 4) + 1} layer ${(i % 4) + 1}`), cols: OPS.map((o) => `MB${o.e} ${o.k}×${o.k}`) },
    { name: 'alpha_D', rows: Array.from({ length: OFA_UNITS }, (_, u) => `unit ${u + 1}`), cols: OFA_DEPTHS.map((d) => `depth ${d}`) },
  ],
  dim: OP_DIM + OFA_UNITS * OFA_DEPTHS.length,
  // Per unit: Σ_d 9^d distinct active-layer choices.
  size: (9 ** 2 + 9 ** 3 + 9 ** 4) ** OFA_UNITS,
  /** Algorithm 1 on α_O and α_D separately (paper §3.3). */
  discretize(alpha) {
    checkAlphaLength(this, alpha);
    const ks: number[] = [], e: number[] = [], d: number[] = [];
    for (let l = 0; l < L; l++) {
      const op = OPS[argmaxRange(alpha, l * OPS.length, OPS.length)];
      ks.push(op.k);
      e.push(op.e);
    }
    for (let u = 0; u < OFA_UNITS; u++) d.push(OFA_DEPTHS[argmaxRange(alpha, OP_DIM + u * OFA_DEPTHS.length, OFA_DEPTHS.length)]);
    return { ks, e, d };
  },
  encode(c, out = new Float32Array(OP_DIM + OFA_UNITS * OFA_DEPTHS.length)) {
    out.fill(0);
    for (let l = 0; l < L; l++) {
      const j = OPS.findIndex((o) => o.e === c.e[l] && o.k === c.ks[l]);
      if (j < 0) throw new Error(`OFA encode: layer ${l} has e=${c.e[l]}, ks=${c.ks[l]}`);
      out[l * OPS.length + j] = 1;
    }
    for (let u = 0; u < OFA_UNITS; u++) {
      const j = OFA_DEPTHS.indexOf(c.d[u] as 2 | 3 | 4);
      if (j < 0) throw new Error(`OFA encode: unit ${u} has depth ${c.d[u]}`);
      out[OP_DIM + u * OFA_DEPTHS.length + j] = 1;
    }
    return out;
  },
  /**
   * Inactive layers' choices build nothing, so the key leaves them out. A set resolution is part
   * of the key (it changes accuracy and MACs); α carries none, so discretize(encode(c)) drops `r`.
   */
  key(c) {
    const units: string[] = [];
    for (let u = 0; u < OFA_UNITS; u++) {
      const layers: string[] = [];
      for (let j = 0; j < c.d[u]; j++) layers.push(`e${c.e[u * 4 + j]}k${c.ks[u * 4 + j]}`);
      units.push(layers.join(','));
    }
    return units.join('|') + (c.r !== undefined ? `@${c.r}` : '');
  },
  format: formatOfaConfig,
  parse: parseOfaConfig,
  /** Uniform over configs, as OFA's sample_active_subnet: each depth, kernel and expand ratio uniform. */
  sample(rng: Rng) {
    const ks: number[] = [], e: number[] = [];
    for (let l = 0; l < L; l++) {
      const op = OPS[rng.int(OPS.length)];
      ks.push(op.k);
      e.push(op.e);
    }
    return { ks, e, d: Array.from({ length: OFA_UNITS }, () => OFA_DEPTHS[rng.int(OFA_DEPTHS.length)]) };
  },
  /** Changes one active layer's kernel or expand ratio, or one unit's depth. */
  mutate(c, rng) {
    const next: OfaConfig = { ...c, ks: c.ks.slice(), e: c.e.slice(), d: c.d.slice() };
    const active = ofaActiveLayers(c);
    const pick = rng.int(active.length + OFA_UNITS);
    const other = <T extends number>(vals: readonly T[], cur: number) => vals.filter((v) => v !== cur)[rng.int(vals.length - 1)];
    if (pick >= active.length) {
      const u = pick - active.length;
      next.d[u] = other(OFA_DEPTHS, c.d[u]);
    } else if (rng.int(2) === 0) {
      next.ks[active[pick]] = other(OFA_KERNELS, c.ks[active[pick]]);
    } else {
      next.e[active[pick]] = other(OFA_EXPANDS, c.e[active[pick]]);
    }
    return next;
  },
};
