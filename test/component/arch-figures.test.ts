// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { DARTS_V2, dartsSpace, PC_DARTS, type DartsGenotype } from '../../src-main/common/spaces/darts';
import { Rng } from '../../src-main/common/rng';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { ofaSpace, type OfaConfig } from '../../src-main/common/spaces/ofa';
import ArchitectureFigure from '../../src-renderer/components/arch/ArchitectureFigure.vue';
import DartsGenotypeFigure from '../../src-renderer/components/arch/DartsGenotypeFigure.vue';
import Nb201CellFigure from '../../src-renderer/components/arch/Nb201CellFigure.vue';
import OfaStripFigure from '../../src-renderer/components/arch/OfaStripFigure.vue';
import { boxesOverlap, boxHitsCircle, DARTS_IO_HALF, DARTS_LABEL_FONT, DARTS_NODE_R, dartsCellGeometry, dartsLabelBoxes, labelTextWidth, nb201ClassesOf, nb201NetworkTotals, nb201OpCost, OP_STYLE } from '../../src-renderer/lib/arch-figures';

/** The NAS-Bench-201 arch string names each edge as op~from, grouped by target node. */
function edgesOfArchString(s: string): Map<string, string> {
  const out = new Map<string, string>();
  s.split('+').forEach((node, i) => {
    for (const tok of node.split('|').filter(Boolean)) {
      const [op, from] = tok.split('~');
      out.set(`${from}→${i + 1}`, op);
    }
  });
  return out;
}

describe('NAS-Bench-201 cell figure', () => {
  const ARCH = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|';

  it('draws 4 nodes and the 6 edges of the arch string, labelled with their operations', () => {
    const w = mount(Nb201CellFigure, { props: { arch: nb201Space.parse(ARCH) } });
    expect(w.findAll('g.node')).toHaveLength(4);
    const edges = w.findAll('g.edge');
    expect(edges).toHaveLength(6);
    const drawn = new Map(edges.map((e) => [e.attributes('data-edge'), e.attributes('data-op')]));
    expect(drawn).toEqual(edgesOfArchString(ARCH));
    const labels = edges.map((e) => e.get('text').text());
    expect(labels.filter((l) => l === 'none')).toHaveLength(2);
    expect(labels).toContain('conv 3×3');
    expect(labels).toContain('avg pool 3×3');
  });

  it('dims the none edges only', () => {
    const w = mount(Nb201CellFigure, { props: { arch: nb201Space.parse(ARCH) } });
    for (const e of w.findAll('g.edge')) expect(e.attributes('opacity')).toBe(e.attributes('data-op') === 'none' ? '0.35' : '1');
  });

  it('reports conv parameters of the C=16, N=5 network on hover (k²c² + 2c per cell, 5 cells per stage)', () => {
    // 3×3: 5·(9·(16²+32²+64²) + 2·(16+32+64)) = 5·(48384 + 224)
    expect(nb201OpCost('nor_conv_3x3').params).toBe(243_040);
    expect(nb201OpCost('nor_conv_1x1').params).toBe(28_000);
    expect(nb201OpCost('avg_pool_3x3').params).toBe(0);
    const w = mount(Nb201CellFigure, { props: { arch: nb201Space.parse(ARCH) } });
    expect(w.get('g.edge[data-edge="0→1"] title').text()).toMatch(/nor_conv_3x3 — 243\.0k params/);
  });
});

describe('DARTS cell figures', () => {
  it.each([
    ['DARTS_V2', DARTS_V2],
    ['PC_DARTS', PC_DARTS],
  ])('%s: both cells have the published edges (input → node, op), plus 4 concat edges to c_k', (_name, g: DartsGenotype) => {
    const w = mount(DartsGenotypeFigure, { props: { genotype: g } });
    for (const kind of ['normal', 'reduce'] as const) {
      const cell = w.get(`g[data-cell="${kind}"]`);
      const inputName = (i: number) => (i === 0 ? 'in0' : i === 1 ? 'in1' : `n${i - 2}`);
      const expected = g[kind].map(([op, input], i) => `${inputName(input)}→n${Math.floor(i / 2)}:${op}`).sort();
      const drawn = cell.findAll('g.edge').map((e) => `${e.attributes('data-edge')}:${e.attributes('data-op')}`).sort();
      expect(drawn).toEqual(expected);
      expect(cell.findAll('g.concat')).toHaveLength(4);
      expect(cell.findAll('g.node').map((n) => n.attributes('data-node'))).toEqual(['in0', 'in1', 'n0', 'n1', 'n2', 'n3', 'out']);
    }
  });
});

describe('OFA Figure 3 strip', () => {
  const CONFIG: OfaConfig = {
    ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5],
    e: [3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4],
    d: [2, 3, 4, 2, 3],
  };

  it('has one block per active layer, plus the fixed first block, grouped by unit', () => {
    const w = mount(OfaStripFigure, { props: { config: CONFIG } });
    const blocks = w.findAll('g.block');
    expect(blocks).toHaveLength(1 + 2 + 3 + 4 + 2 + 3);
    expect(blocks[0].attributes('data-layer')).toBe('-1');
    expect(blocks[0].text()).toContain('fixed');
    const layers = blocks.slice(1).map((b) => Number(b.attributes('data-layer')));
    expect(layers).toEqual([0, 1, 4, 5, 6, 8, 9, 10, 11, 12, 13, 16, 17, 18]);
    expect(w.findAll('g.unit').map((u) => u.text())).toEqual(['unit 1 (d=2)', 'unit 2 (d=3)', 'unit 3 (d=4)', 'unit 4 (d=2)', 'unit 5 (d=3)']);
  });

  it('encodes expansion as width and kernel as colour, labelled "MB6 7×7"', () => {
    const w = mount(OfaStripFigure, { props: { config: CONFIG } });
    const blocks = w.findAll('g.block').slice(1);
    for (const b of blocks) {
      const l = Number(b.attributes('data-layer'));
      expect(b.text()).toContain(`MB${CONFIG.e[l]} ${CONFIG.ks[l]}×${CONFIG.ks[l]}`);
    }
    const width = (l: number) => Number(w.get(`g.block[data-layer="${l}"] rect`).attributes('width'));
    expect(width(0)).toBeLessThan(width(1)); // e=3 narrower than e=4
    expect(width(1)).toBeLessThan(width(5)); // e=4 narrower than e=6
    const fill = (l: number) => w.get(`g.block[data-layer="${l}"] rect`).attributes('fill');
    expect(new Set([fill(0), fill(1), fill(5)]).size).toBe(3); // kernels 3, 5, 7
    expect(fill(0)).toBe(fill(9)); // both 3×3
  });
});

describe('ArchitectureFigure', () => {
  it('parses the text with the space and draws it, or says what is wrong', () => {
    const good = mount(ArchitectureFigure, { props: { space: 'ofa', arch: ofaSpace.format({ ks: Array(20).fill(5), e: Array(20).fill(4), d: [4, 4, 4, 4, 4] }) } });
    expect(good.findAll('g.block')).toHaveLength(21);
    const bad = mount(ArchitectureFigure, { props: { space: 'nb201', arch: '|conv~0|' } });
    expect(bad.get('[role="alert"]').text()).toMatch(/Cannot draw this architecture/);
  });

  it("totals the whole NAS-Bench-201 network and meets the benchmark's published extremes", () => {
    const conv3 = nb201Space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    const none = nb201Space.parse('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    // NAS-Bench-201 (CIFAR-10): 1.53M parameters and 220.11M FLOPs (= MACs) at most, 0.073M at least.
    expect(nb201NetworkTotals(conv3, 10)).toEqual({ params: 1_531_546, macs: 220_119_680 });
    expect(nb201NetworkTotals(none, 10).params).toBe(73_306);
    expect(nb201NetworkTotals(none, 100).params - nb201NetworkTotals(none, 10).params).toBe(90 * 65);
    expect([nb201ClassesOf('cifar10'), nb201ClassesOf('cifar100'), nb201ClassesOf('imagenet16-120'), nb201ClassesOf('acc')]).toEqual([10, 100, 120, null]);
    const w = mount(ArchitectureFigure, { props: { space: 'nb201', arch: nb201Space.format(conv3), metric: 'cifar100' } });
    expect(w.get('[data-totals]').text()).toBe('Whole network (C = 16, N = 5, 100 classes): 1.54M parameters, 220.13M MACs');
    const darts = mount(ArchitectureFigure, { props: { space: 'darts', arch: nb201Space.format(conv3) } });
    expect(darts.find('[data-totals]').exists()).toBe(false); // not a genotype: the error, no totals line
  });
});

describe('DARTS cell labels (measured to fit, never under a node)', () => {
  const cells = (g: DartsGenotype) => [g.normal, g.reduce];
  const nodeHits = (geom: ReturnType<typeof dartsCellGeometry>) =>
    dartsLabelBoxes(geom).filter((b) =>
      geom.nodes.some((n) => (n.id.startsWith('n') ? boxHitsCircle(b, n, DARTS_NODE_R) : boxesOverlap(b, { x0: n.x - DARTS_IO_HALF.w, y0: n.y - DARTS_IO_HALF.h, x1: n.x + DARTS_IO_HALF.w, y1: n.y + DARTS_IO_HALF.h }))),
    ).length;
  const labelOverlaps = (geom: ReturnType<typeof dartsCellGeometry>) => {
    const b = dartsLabelBoxes(geom);
    let n = 0;
    for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) if (boxesOverlap(b[i], b[j])) n++;
    return n;
  };

  it('each box is as wide as its text plus padding (the widest label, "max pool 3×3", did not fit the old 64 px box)', () => {
    const w = labelTextWidth('max pool 3×3', DARTS_LABEL_FONT);
    expect(w).toBeGreaterThan(64 - 2 * 2); // the old box: overflowing text, measured
    const g = dartsCellGeometry(DARTS_V2.reduce);
    for (const e of g.edges) expect(e.labelW).toBeGreaterThanOrEqual(labelTextWidth(OP_STYLE[e.op].label, DARTS_LABEL_FONT) + 8);
    // Narrow labels get narrow boxes (they no longer hide more of the edges than they need).
    expect(g.edges.find((e) => e.op === 'skip_connect')!.labelW).toBeLessThan(w);
  });

  it('published genotypes: no label under a node and no two labels overlapping, in either cell', () => {
    for (const g of [DARTS_V2, PC_DARTS]) {
      for (const cell of cells(g)) {
        const geom = dartsCellGeometry(cell);
        expect(nodeHits(geom)).toBe(0);
        expect(labelOverlaps(geom)).toBe(0);
      }
    }
  });

  it('500 random genotypes: no label under a node', () => {
    const rng = new Rng(7);
    let overlaps = 0;
    for (let i = 0; i < 500; i++) {
      for (const cell of cells(dartsSpace.sample(rng))) {
        const geom = dartsCellGeometry(cell);
        expect(nodeHits(geom)).toBe(0);
        overlaps += labelOverlaps(geom);
      }
    }
    // Label–label overlaps remain possible where four edges converge on one node; they stay rare.
    expect(overlaps).toBeLessThan(50);
  });
});
