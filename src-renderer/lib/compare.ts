import type { EChartsCoreOption } from 'echarts/core';
import type { RunConfig, RunResult } from '../../src-main/contracts/run';
import { ACCURACY_DECIMALS, MAX_POINTS } from './chart-options';

/**
 * Compare for experiments (#15 item 3): runs grouped by method and preset, mean ± std of the
 * best-so-far over their seeds, a metrics table, a config diff and a parallel-coordinates view.
 * Pure functions over configs and best-so-far columns, so component tests check the statistics.
 */
export interface CompareRun {
  id: string;
  config: RunConfig;
  result: RunResult | null;
  /** Best so far at step i (i = 0, 1, …). */
  best: readonly number[];
  /** Best query so far: value and step. */
  top: { value: number; step: number } | null;
}

/** The preset names only L²NAS's hyperparameters; other methods do not show one. */
export function groupOf(c: RunConfig): string {
  return c.method === 'l2nas' ? `${c.method} · ${c.preset}` : c.method;
}

/** A short legend name: method · preset · seed. */
export function shortName(c: RunConfig): string {
  return `${groupOf(c)} · seed ${c.seed}`;
}

export interface GroupStats {
  name: string;
  ids: string[];
  /** Steps at which the statistics are drawn (every step, or a stride for long runs). */
  steps: number[];
  mean: number[];
  std: number[];
  /** Runs that reached each drawn step. */
  n: number[];
}

/**
 * Mean and (sample) standard deviation of best-so-far at each step over the group's runs that
 * reached that step; std is 0 where one run remains. Best-so-far only rises, so a stride keeps
 * the curve's shape for long runs.
 */
export function groupStats(runs: readonly CompareRun[]): GroupStats[] {
  const groups = new Map<string, CompareRun[]>();
  for (const r of runs) groups.set(groupOf(r.config), [...(groups.get(groupOf(r.config)) ?? []), r]);
  return [...groups].map(([name, members]) => {
    const len = Math.max(0, ...members.map((m) => m.best.length));
    const stride = Math.max(1, Math.ceil(len / MAX_POINTS));
    const out: GroupStats = { name, ids: members.map((m) => m.id), steps: [], mean: [], std: [], n: [] };
    for (let i = 0; i < len; i += stride) push(out, members, i);
    if (len > 0 && (len - 1) % stride !== 0) push(out, members, len - 1);
    return out;
  });
}

function push(out: GroupStats, members: readonly CompareRun[], i: number): void {
  const xs = members.filter((m) => m.best.length > i).map((m) => m.best[i]);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  out.steps.push(i);
  out.mean.push(mean);
  out.std.push(std);
  out.n.push(xs.length);
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } | null {
  if (!xs.length) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0 };
}

const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

/** One chart: per group a mean line and a ±1 std band (two stacked series: the lower edge, then the width). */
export function groupedCompareOption(stats: readonly GroupStats[], metric: string): EChartsCoreOption {
  const series: unknown[] = [];
  stats.forEach((g, k) => {
    const color = PALETTE[k % PALETTE.length];
    const lower = g.steps.map((s, i) => [s, g.mean[i] - g.std[i]]);
    const width = g.steps.map((s, i) => [s, 2 * g.std[i]]);
    series.push(
      { name: `${g.name} ± std`, type: 'line', stack: `band-${k}`, data: lower, showSymbol: false, lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false }, color },
      { name: `${g.name} ± std`, type: 'line', stack: `band-${k}`, data: width, showSymbol: false, lineStyle: { opacity: 0 }, areaStyle: { color, opacity: 0.18 }, silent: true, tooltip: { show: false }, color },
      { name: `${g.name} (${g.ids.length} run${g.ids.length === 1 ? '' : 's'})`, type: 'line', step: 'end', data: g.steps.map((s, i) => [s, g.mean[i]]), showSymbol: false, lineStyle: { width: 2 }, color },
    );
  });
  const byName = new Map(stats.map((g) => [`${g.name} (${g.ids.length} run${g.ids.length === 1 ? '' : 's'})`, g]));
  return {
    animation: false,
    grid: { left: 60, right: 24, top: 64, bottom: 78 },
    tooltip: {
      trigger: 'axis',
      renderMode: 'richText',
      confine: true,
      formatter: (params: { seriesName?: string; value?: unknown }[]) => {
        const lines: string[] = [];
        for (const p of params) {
          const g = byName.get(p.seriesName ?? '');
          if (!g || !Array.isArray(p.value)) continue;
          const i = g.steps.indexOf(p.value[0] as number);
          if (lines.length === 0) lines.push(`step ${p.value[0]}`);
          if (i >= 0) lines.push(`${g.name}: ${g.mean[i].toFixed(ACCURACY_DECIMALS)} ± ${g.std[i].toFixed(ACCURACY_DECIMALS)} % (n = ${g.n[i]})`);
        }
        return lines.join('\n');
      },
    },
    legend: { data: [...byName.keys()], top: 6, type: 'scroll' },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 18, bottom: 8, showDataShadow: false },
    ],
    xAxis: { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 24 },
    // The axis name sits above the axis (at its end), so a long metric name never pushes the plot aside.
    yAxis: { type: 'value', name: `best ${metric} (%)`, nameLocation: 'end', nameTextStyle: { align: 'left' }, scale: true },
    series,
  };
}

/** Settings of a config as flat "path → value" pairs (estimator file lists joined). */
export function flatConfig(c: RunConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    else out[prefix] = Array.isArray(v) ? v.join(', ') : String(v);
  };
  walk('', { ...c, createdAt: undefined, version: undefined });
  for (const k of Object.keys(out)) if (out[k] === 'undefined') delete out[k];
  // Settings a method never reads are not a difference between its runs.
  for (const k of Object.keys(out)) {
    if (c.method !== 'l2nas' && (k.startsWith('agent.') || k === 'preset')) delete out[k];
    if (c.method !== 'rea' && k.startsWith('rea.')) delete out[k];
    if (c.method !== 'reinforce' && k.startsWith('reinforce.')) delete out[k];
  }
  return out;
}

/**
 * The settings whose values differ between the runs that use them ("–" where a run's method has
 * no such setting: REA's runs have no agent settings, and that alone is no difference).
 */
export function configDiff(configs: readonly { id: string; config: RunConfig }[]): { key: string; values: string[] }[] {
  const flats = configs.map((c) => flatConfig(c.config));
  const keys = [...new Set(flats.flatMap((f) => Object.keys(f)))].sort();
  return keys.map((key) => ({ key, values: flats.map((f) => f[key] ?? '–') })).filter((d) => new Set(d.values.filter((v) => v !== '–')).size > 1);
}

/**
 * Parallel coordinates: one axis per numeric setting that differs between the runs (at most 8),
 * the last axis the best accuracy; one line per run, coloured by its group.
 */
export function parallelOption(runs: readonly CompareRun[], metric: string): EChartsCoreOption | null {
  const diff = configDiff(runs).filter((d) => d.key !== 'seed' && d.values.every((v) => v === '–' || Number.isFinite(Number(v))));
  const dims = diff.slice(0, 8);
  const groups = [...new Set(runs.map((r) => groupOf(r.config)))];
  if (!runs.some((r) => r.top) || dims.length === 0) return null;
  const axes = [...dims.map((d, i) => ({ dim: i, name: d.key.replace(/^agent\./, ''), type: 'value', scale: true })), { dim: dims.length, name: `best ${metric} (%)`, type: 'value', scale: true }];
  return {
    animation: false,
    tooltip: { renderMode: 'richText' },
    legend: { data: groups, top: 4, type: 'scroll' },
    parallel: { left: 60, right: 90, top: 56, bottom: 30 },
    parallelAxis: axes.map((a) => ({ ...a, nameTextStyle: { fontSize: 10 }, nameGap: 10 })),
    series: groups.map((g, k) => ({
      name: g,
      type: 'parallel',
      color: PALETTE[k % PALETTE.length],
      lineStyle: { width: 2, opacity: 0.8 },
      data: runs
        .map((r, j) => ({ r, j }))
        .filter(({ r }) => groupOf(r.config) === g && r.top)
        .map(({ r, j }) => ({ name: `${r.id} (${shortName(r.config)})`, value: [...dims.map((d) => (d.values[j] === '–' ? null : Number(d.values[j]))), r.top!.value] })),
    })),
  };
}
