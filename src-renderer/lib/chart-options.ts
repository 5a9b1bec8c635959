import type { EChartsCoreOption } from 'echarts/core';
import type { EpochSummary } from '../../src-main/contracts/studio-api';
import type { TrainEpoch } from '../../src-main/contracts/train';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import type { TopKState } from '../../src-main/common/top-k-state';
import { downsampleMinMax, stateMatrices, type RunSeries } from './run-series';

/** Points drawn per series at most (min/max per bucket beyond this; see downsampleMinMax). */
export const MAX_POINTS = 3000;

/** Room at the bottom for the step axis name and the zoom slider under it. */
const grid = { left: 60, right: 24, top: 40, bottom: 78 };
const tooltip = { trigger: 'axis', renderMode: 'richText', confine: true } as const;
/**
 * Zoom and pan on every time-series chart (#15 item 1): wheel/drag inside the plot, and a slider
 * under it. Set without start/end, so a live redraw (setOption merge) keeps the user's zoom.
 */
const zoom = [
  { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
  { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 18, bottom: 8, showDataShadow: false },
];
const stepAxis = { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 24 } as const;

/** One decimal count for every accuracy shown (tooltips, cards and tables agree). */
export const ACCURACY_DECIMALS = 2;
const pct = (v: number) => `${v.toFixed(ACCURACY_DECIMALS)} %`;

interface AxisParam {
  seriesName?: string;
  value?: unknown;
  dataIndex?: number;
}
const stepOf = (params: AxisParam | AxisParam[]): number | null => {
  const p = Array.isArray(params) ? params[0] : params;
  const v = p?.value;
  return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : null;
};
/** Shortens long architecture texts (DARTS genotypes) for a tooltip line. */
const short = (arch: string) => (arch.length > 120 ? `${arch.slice(0, 117)}…` : arch);

/**
 * The accuracy chart's y-axis: fitted to the data (default), the full 0–100 % range, or regret
 * (optimum − best so far, log scale) when the table's optimum is known.
 */
export type AccuracyView = 'fit' | 'full' | 'regret';

/**
 * Query dots in the dark theme: the theme's first palette colour at 70 % opacity blended into the
 * card (#181b22) and the dots were hard to see; this sky blue keeps a WCAG contrast ratio above
 * 7 against the card even blended at 90 % (test/component/charts-compare.test.ts measures it).
 */
export const QUERY_DOTS_DARK = { color: '#7dd3fc', opacity: 0.9 } as const;

/** Accuracy of each query (scatter) and the best so far (line), against step. */
export function accuracyOption(s: RunSeries, metric: string, view: AccuracyView = 'fit', optimum: number | null = null, dark = false): EChartsCoreOption {
  const unit = metric === 'supernet-val-accuracy' ? 'val. accuracy' : metric;
  const formatter = (params: AxisParam | AxisParam[]) => {
    const step = stepOf(params);
    if (step === null) return '';
    const i = s.indexOf(step);
    if (i < 0) return `step ${step}`;
    const lines = [`step ${step}`, `query: ${pct(s.value[i])} ${unit}`, `best so far: ${pct(s.best[i])}`];
    if (optimum !== null) lines.push(`regret: ${(optimum - s.best[i]).toFixed(ACCURACY_DECIMALS)} points`);
    lines.push(`phase: ${s.phase[i]}`, short(s.arch[i]));
    return lines.join('\n');
  };
  if (view === 'regret' && optimum !== null) {
    // log scale: a regret of 0 (optimum found) is drawn at the floor of 0.001 points.
    const regret = s.best.map((b) => Math.max(1e-3, optimum - b));
    return {
      animation: false,
      grid,
      tooltip: { ...tooltip, formatter },
      legend: { data: ['regret'], top: 6 },
      dataZoom: zoom,
      xAxis: stepAxis,
      yAxis: { type: 'log', name: 'optimum − best (points)', min: 1e-3, nameGap: 8 },
      series: [{ name: 'regret', type: 'line', step: 'end', showSymbol: false, lineStyle: { width: 2 }, data: downsampleMinMax(s.step, regret, MAX_POINTS) }],
    };
  }
  return {
    animation: false,
    grid,
    tooltip: { ...tooltip, formatter },
    legend: { data: ['query', 'best so far'], top: 6 },
    dataZoom: zoom,
    xAxis: stepAxis,
    yAxis: view === 'full' ? { type: 'value', name: `${unit} (%)`, min: 0, max: 100 } : { type: 'value', name: `${unit} (%)`, scale: true },
    series: [
      { name: 'query', type: 'scatter', symbolSize: dark ? 6 : 5, large: true, itemStyle: dark ? QUERY_DOTS_DARK : { opacity: 0.7 }, data: downsampleMinMax(s.step, s.value, MAX_POINTS) },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, lineStyle: { width: 2 }, data: downsampleMinMax(s.step, s.best, MAX_POINTS) },
    ],
  };
}

/** The table optimum of a run when it is known: the value at the step that first found it (result.json). */
export function knownOptimum(s: RunSeries, queriesToOptimum: number | null | undefined): number | null {
  if (queriesToOptimum === null || queriesToOptimum === undefined) return null;
  const i = s.indexOf(queriesToOptimum);
  return i >= 0 ? s.value[i] : null;
}

/** ε of ε-greedy exploration (or the warm-up's random phase) against step. */
export function explorationOption(s: RunSeries): EChartsCoreOption {
  return {
    animation: false,
    grid,
    tooltip: { ...tooltip, valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '–') },
    dataZoom: zoom,
    xAxis: stepAxis,
    yAxis: { type: 'value', name: 'ε', min: 0, max: 1 },
    series: [{ name: 'ε', type: 'line', showSymbol: false, data: downsampleMinMax(s.step, s.epsilon, MAX_POINTS) }],
  };
}

/**
 * Critic check loss and actor loss (−mean Q) against step: two stacked plots sharing the step
 * axis and its zoom (two y-axes on one plot draw grid lines that do not line up).
 */
export function lossOption(s: RunSeries): EChartsCoreOption {
  return {
    animation: false,
    grid: [
      { left: 60, right: 24, top: 34, height: '30%' },
      { left: 60, right: 24, top: '56%', bottom: 78 },
    ],
    tooltip: { ...tooltip, valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toPrecision(4) : '–') },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    legend: { data: ['critic loss', 'actor loss'], top: 6 },
    dataZoom: [
      { type: 'inside', xAxisIndex: [0, 1], filterMode: 'none' },
      { type: 'slider', xAxisIndex: [0, 1], filterMode: 'none', height: 18, bottom: 8, showDataShadow: false },
    ],
    xAxis: [
      { type: 'value', min: 0, gridIndex: 0, axisLabel: { show: false } },
      { ...stepAxis, gridIndex: 1 },
    ],
    yAxis: [
      { type: 'value', name: 'critic', scale: true, gridIndex: 0, nameGap: 8 },
      { type: 'value', name: 'actor', scale: true, gridIndex: 1, nameGap: 8 },
    ],
    series: [
      { name: 'critic loss', type: 'line', showSymbol: false, xAxisIndex: 0, yAxisIndex: 0, data: downsampleMinMax(s.step, s.criticLoss, MAX_POINTS) },
      { name: 'actor loss', type: 'line', showSymbol: false, xAxisIndex: 1, yAxisIndex: 1, data: downsampleMinMax(s.step, s.actorLoss, MAX_POINTS) },
    ],
  };
}

/**
 * The top-K state s_t (paper §2.2, Figure 2): rows = edges (or layers), columns = operations;
 * a colour scale, a tooltip naming edge and operation, numbers in the cells when they fit.
 * Empty until the first query (no "mean of top-0" grid of zeros).
 */
export function topKOptions(state: TopKState, space: SearchSpace<unknown>, dark = false): { name: string; option: EChartsCoreOption }[] {
  if (state.size === 0) return [];
  return stateMatrices(state, space).map((m) => {
    const data: [number, number, number][] = [];
    m.values.forEach((row, r) => row.forEach((v, c) => data.push([r, c, Number(v.toFixed(3))])));
    const cells = m.rows.length * m.cols.length;
    return {
      name: m.name,
      option: {
        animation: false,
        grid: { left: 120, right: 20, top: 30, bottom: 96 },
        tooltip: {
          renderMode: 'richText',
          formatter: (p: { value?: [number, number, number] }) => (p.value ? `${m.name}: ${m.rows[p.value[0]]}\noperation ${m.cols[p.value[1]]}\nmean α ${p.value[2].toFixed(3)}` : ''),
        },
        title: { text: `${m.name} (mean of top-${state.size})`, textStyle: { fontSize: 12 }, left: 'center', top: 4 },
        xAxis: { type: 'category', data: [...m.rows], axisLabel: { rotate: 45, fontSize: 10 } },
        yAxis: { type: 'category', data: [...m.cols], axisLabel: { fontSize: 10, width: 110, overflow: 'truncate' } },
        // Zero cells take the page's own background, so the dark theme has no bright squares.
        visualMap: {
          min: 0, max: 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 160, itemWidth: 10, show: true, text: ['1', '0'],
          inRange: { color: dark ? ['#1f2937', '#1d4ed8', '#93c5fd'] : ['#f8fafc', '#60a5fa', '#1e3a8a'] },
        },
        series: [{ type: 'heatmap', data, label: { show: cells <= 60, fontSize: 10, formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(2) } }],
      },
    };
  });
}

/** Supernet training per epoch: loss, best sampled path and Acc(Env) (Eq. 7's denominator). */
export function trainingOption(epochs: readonly EpochSummary[]): EChartsCoreOption {
  return {
    animation: false,
    grid: { ...grid, right: 60 },
    tooltip,
    legend: { data: ['loss', 'best sampled path', 'Acc(Env)'], top: 6 },
    dataZoom: zoom,
    xAxis: { type: 'value', name: 'epoch', min: 0, minInterval: 1, nameLocation: 'middle', nameGap: 24 },
    yAxis: [
      { type: 'value', name: 'loss', scale: true },
      { type: 'value', name: 'val. acc. (%)', scale: true, position: 'right' },
    ],
    series: [
      { name: 'loss', type: 'line', data: epochs.map((e) => [e.epoch, e.loss]) },
      { name: 'best sampled path', type: 'line', yAxisIndex: 1, data: epochs.map((e) => [e.epoch, e.valAccuracy]) },
      { name: 'Acc(Env)', type: 'line', yAxisIndex: 1, step: 'end', data: epochs.map((e) => [e.epoch, e.accEnv]) },
    ],
  };
}

/** Two per-epoch series of a training run (train and validation) on one value axis. */
function trainRunPairOption(epochs: readonly TrainEpoch[], yName: string, series: readonly (readonly [name: string, value: (e: TrainEpoch) => number])[]): EChartsCoreOption {
  return {
    animation: false,
    grid,
    tooltip,
    legend: { data: series.map(([name]) => name), top: 6 },
    xAxis: { type: 'value', name: 'epoch', min: 0, minInterval: 1, nameLocation: 'middle', nameGap: 24 },
    yAxis: { type: 'value', name: yName, scale: true },
    series: series.map(([name, value]) => ({ name, type: 'line', data: epochs.map((e) => [e.epoch, value(e)]) })),
  };
}

/** A training run's per-epoch loss (train and validation). */
export function trainRunLossOption(epochs: readonly TrainEpoch[]): EChartsCoreOption {
  return trainRunPairOption(epochs, 'loss', [['train loss', (e) => e.trainLoss], ['validation loss', (e) => e.valLoss]]);
}

/** A training run's per-epoch accuracy (train and validation, %). */
export function trainRunAccuracyOption(epochs: readonly TrainEpoch[]): EChartsCoreOption {
  return trainRunPairOption(epochs, 'accuracy (%)', [['train accuracy', (e) => e.trainAccuracy], ['validation accuracy', (e) => e.valAccuracy]]);
}
