import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src-main/contracts/run';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { TopKState } from '../../src-main/common/top-k-state';
import { runConfigFromOptions } from '../../src-main/node/run-config';
import { accuracyOption, explorationOption, knownOptimum, lossOption, QUERY_DOTS_DARK, topKOptions } from '../../src-renderer/lib/chart-options';
import { configDiff, groupedCompareOption, groupStats, parallelOption, shortName, type CompareRun } from '../../src-renderer/lib/compare';
import { offerEvent, RunSeries } from '../../src-renderer/lib/run-series';

const A = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|';
const B = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

function series(values: number[]): RunSeries {
  const s = new RunSeries();
  let best = -Infinity;
  values.forEach((v, step) => {
    best = Math.max(best, v);
    s.push({ step, arch: step % 2 ? B : A, key: step % 2 ? B : A, value: v, reward: v / 100, best, phase: 'explore', epsilon: 0.5, criticLoss: 1, actorLoss: -1, seconds: step });
  });
  return s;
}

type Opt = Record<string, unknown> & { series: { data: [number, number][] }[]; tooltip: { formatter: (p: unknown) => string }; yAxis: Record<string, unknown> };

describe('explorable charts', () => {
  it('zoom and pan (inside + slider) on every time-series chart', () => {
    const s = series([50, 60, 55]);
    for (const o of [accuracyOption(s, 'cifar100'), explorationOption(s), lossOption(s)]) {
      expect((o.dataZoom as { type: string }[]).map((z) => z.type)).toEqual(['inside', 'slider']);
    }
  });

  it('fits the y-range to the data, or shows 0–100 %, and names step, value, unit and architecture in the tooltip', () => {
    const s = series([50.123, 70.5, 60]);
    const fit = accuracyOption(s, 'cifar100') as Opt;
    expect(fit.yAxis).toMatchObject({ scale: true, name: 'cifar100 (%)' });
    expect(fit.yAxis.min).toBeUndefined();
    expect((accuracyOption(s, 'cifar100', 'full') as Opt).yAxis).toMatchObject({ min: 0, max: 100 });
    const tip = fit.tooltip.formatter([{ value: [1, 70.5] }]);
    expect(tip).toBe(`step 1\nquery: 70.50 % cifar100\nbest so far: 70.50 %\nphase: explore\n${B}`);
  });

  it('dark theme: query dots stand out from the card (WCAG contrast ≥ 4.5 blended at their opacity); the light theme is unchanged', () => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a: number[], b: number[]) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const card = rgb('#181b22'); // --surface of the dark theme, the chart's background
    const dots = (o: Opt) => (o.series as unknown as { name: string; itemStyle: { color?: string; opacity: number } }[]).find((x) => x.name === 'query')!.itemStyle;
    const dark = dots(accuracyOption(series([50, 60]), 'cifar100', 'fit', null, true) as Opt);
    expect(dark).toEqual(QUERY_DOTS_DARK);
    const blended = rgb(dark.color!).map((v, i) => dark.opacity * v + (1 - dark.opacity) * card[i]);
    expect(contrast(blended, card)).toBeGreaterThan(4.5);
    // The old dark dots (ECharts' dark palette's first colour #4992ff at 0.7) were below 4.5.
    const old = rgb('#4992ff').map((v, i) => 0.7 * v + 0.3 * card[i]);
    expect(contrast(old, card)).toBeLessThan(4.5);
    expect(dots(accuracyOption(series([50, 60]), 'cifar100') as Opt)).toEqual({ opacity: 0.7 });
  });

  it('draws regret (optimum − best so far, log scale) when the optimum is known', () => {
    const s = series([50, 70, 90, 80]);
    expect(knownOptimum(s, null)).toBeNull();
    expect(knownOptimum(s, 2)).toBe(90);
    const o = accuracyOption(s, 'cifar100', 'regret', 90) as Opt;
    expect(o.yAxis.type).toBe('log');
    expect(o.series[0].data).toEqual([[0, 40], [1, 20], [2, 1e-3], [3, 1e-3]]);
    // without a known optimum, regret falls back to the accuracy view
    expect((accuracyOption(s, 'cifar100', 'regret', null) as Opt).yAxis.type).toBe('value');
  });

  it('stacks the two losses on two grids (no disagreeing grid lines)', () => {
    const o = lossOption(series([1, 2])) as { grid: unknown[]; yAxis: { gridIndex: number }[] };
    expect(o.grid).toHaveLength(2);
    expect(o.yAxis.map((y) => y.gridIndex)).toEqual([0, 1]);
  });

  it('heat-map: nothing before the first query; then a colour scale and a tooltip naming edge and operation', () => {
    const space = nb201Space;
    const state = new TopKState(4, space.dim);
    expect(topKOptions(state, space)).toEqual([]);
    offerEvent(state, space, { key: A, arch: A, reward: 1 });
    const [h] = topKOptions(state, space);
    const o = h.option as { visualMap: { show: boolean }; tooltip: { formatter: (p: unknown) => string }; title: { text: string } };
    expect(o.visualMap.show).toBe(true);
    expect(o.title.text).toContain('top-1');
    const tip = o.tooltip.formatter({ value: [0, 3, 1] });
    expect(tip).toMatch(/operation nor_conv_3x3/);
    expect(tip).toMatch(/mean α 1\.000/);
  });
});

const cfg = (method: string, seed: number, set: string[] = [], preset = 'nb201'): RunConfig =>
  runConfigFromOptions({ space: 'nb201', method, preset, benchmark: ['/t.csv'], metric: 'cifar100', report: ['cifar10'], steps: 3, seed, set, backend: 'auto' });
const run = (id: string, config: RunConfig, best: number[]): CompareRun => ({ id, config, result: null, best, top: { value: best[best.length - 1], step: best.length - 1 } });

describe('compare for experiments', () => {
  const runs = [
    run('l1', cfg('l2nas', 0), [60, 70, 80]),
    run('l2', cfg('l2nas', 1), [62, 74, 84]),
    run('l3', cfg('l2nas', 2, [], 'nb201-tuned'), [50, 51]),
    run('r1', cfg('random', 0), [55, 65]),
  ];

  it('groups by method and preset and gives mean ± sample std over seeds at each step', () => {
    const g = groupStats(runs);
    expect(g.map((x) => x.name)).toEqual(['l2nas · nb201', 'l2nas · nb201-tuned', 'random']);
    expect(g[0].mean).toEqual([61, 72, 82]);
    expect(g[0].std.map((v) => Number(v.toFixed(6)))).toEqual([1.414214, 2.828427, 2.828427]);
    expect(g[2]).toMatchObject({ steps: [0, 1], mean: [55, 65], std: [0, 0], n: [1, 1] });
    const o = groupedCompareOption(g, 'cifar100') as { series: { name: string; stack?: string; data: number[][] }[]; legend: { data: string[] } };
    expect(o.legend.data).toEqual(['l2nas · nb201 (2 runs)', 'l2nas · nb201-tuned (1 run)', 'random (1 run)']);
    const band = o.series.filter((s) => s.stack === 'band-0');
    expect(band[0].data[1][1]).toBeCloseTo(72 - 2.828427, 5); // lower edge
    expect(band[1].data[1][1]).toBeCloseTo(2 * 2.828427, 5); // width
  });

  it('legends use short names, and the config diff lists only settings that differ (unused ones left out)', () => {
    expect(shortName(runs[0].config)).toBe('l2nas · nb201 · seed 0');
    expect(shortName(runs[3].config)).toBe('random · seed 0');
    const d = configDiff([runs[0], { id: 'x', config: cfg('l2nas', 0, ['tau=0.8']) }]);
    expect(d).toEqual([{ key: 'agent.tau', values: ['0.9', '0.8'] }].map((x) => ({ ...x, values: [String(runs[0].config.agent.tau), '0.8'] })));
    const mixed = configDiff([runs[0], runs[3]]).map((x) => x.key);
    expect(mixed).toContain('method');
    expect(mixed.some((k) => k.startsWith('rea.'))).toBe(false);
    expect(mixed.some((k) => k.startsWith('agent.'))).toBe(false); // the random run has none: no difference
  });

  it('parallel coordinates: one axis per differing numeric setting, then the best accuracy', () => {
    const two = [run('a', cfg('l2nas', 0, ['tau=0.8', 'topK=8']), [70]), run('b', cfg('l2nas', 0, ['tau=0.7']), [75])];
    const o = parallelOption(two, 'cifar100') as { parallelAxis: { name: string }[]; series: { data: { value: number[] }[] }[] };
    expect(o.parallelAxis.map((a) => a.name)).toEqual(['tau', 'topK', 'best cifar100 (%)']);
    expect(o.series[0].data.map((d) => d.value)).toEqual([[0.8, 8, 70], [0.7, two[1].config.agent.topK, 75]]);
  });
});
