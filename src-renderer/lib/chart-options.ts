import type { EChartsCoreOption } from 'echarts/core';
import type { EpochSummary } from '../../src-main/contracts/studio-api';
import type { SearchSpace } from '../../src-main/common/spaces/space';
import type { TopKState } from '../../src-main/common/top-k-state';
import { downsampleMinMax, stateMatrices, type RunSeries } from './run-series';

/** Points drawn per series at most (min/max per bucket beyond this; see downsampleMinMax). */
export const MAX_POINTS = 3000;

const grid = { left: 56, right: 24, top: 40, bottom: 40 };
const tooltip = { trigger: 'axis', renderMode: 'richText' } as const;

/** Accuracy of each query (scatter) and the best so far (line), against step. */
export function accuracyOption(s: RunSeries, metric: string): EChartsCoreOption {
  return {
    animation: false,
    grid,
    tooltip,
    legend: { data: ['query', 'best so far'], top: 6 },
    xAxis: { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', name: `${metric} (%)`, scale: true },
    series: [
      { name: 'query', type: 'scatter', symbolSize: 4, large: true, itemStyle: { opacity: 0.55 }, data: downsampleMinMax(s.step, s.value, MAX_POINTS) },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, lineStyle: { width: 2 }, data: downsampleMinMax(s.step, s.best, MAX_POINTS) },
    ],
  };
}

/** ε of ε-greedy exploration (or the warm-up's random phase) against step. */
export function explorationOption(s: RunSeries): EChartsCoreOption {
  return {
    animation: false,
    grid,
    tooltip,
    xAxis: { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', name: 'ε', min: 0, max: 1 },
    series: [{ name: 'ε', type: 'line', showSymbol: false, data: downsampleMinMax(s.step, s.epsilon, MAX_POINTS) }],
  };
}

/** Critic check loss and actor loss (−mean Q) against step, each on its own axis. */
export function lossOption(s: RunSeries): EChartsCoreOption {
  return {
    animation: false,
    grid: { ...grid, right: 60 },
    tooltip,
    legend: { data: ['critic loss', 'actor loss'], top: 6 },
    xAxis: { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 26 },
    yAxis: [
      { type: 'value', name: 'critic', scale: true },
      { type: 'value', name: 'actor', scale: true, position: 'right' },
    ],
    series: [
      { name: 'critic loss', type: 'line', showSymbol: false, data: downsampleMinMax(s.step, s.criticLoss, MAX_POINTS) },
      { name: 'actor loss', type: 'line', showSymbol: false, yAxisIndex: 1, data: downsampleMinMax(s.step, s.actorLoss, MAX_POINTS) },
    ],
  };
}

/** The top-K state s_t as the paper's Figure 2: columns = edges (or layers), rows = operations. */
export function topKOptions(state: TopKState, space: SearchSpace<unknown>): { name: string; option: EChartsCoreOption }[] {
  return stateMatrices(state, space).map((m) => {
    const data: [number, number, number][] = [];
    m.values.forEach((row, r) => row.forEach((v, c) => data.push([r, c, Number(v.toFixed(3))])));
    return {
      name: m.name,
      option: {
        animation: false,
        grid: { left: 110, right: 20, top: 30, bottom: 70 },
        tooltip: { renderMode: 'richText' },
        title: { text: `${m.name} (mean of top-${state.size})`, textStyle: { fontSize: 12 }, left: 'center', top: 4 },
        xAxis: { type: 'category', data: [...m.rows], axisLabel: { rotate: 45, fontSize: 10 } },
        yAxis: { type: 'category', data: [...m.cols], axisLabel: { fontSize: 10 } },
        visualMap: { min: 0, max: 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, itemWidth: 10, show: false },
        series: [{ type: 'heatmap', data, label: { show: m.rows.length * m.cols.length <= 60, fontSize: 9 } }],
      },
    };
  });
}

/** Best-so-far of several runs on one chart (compare). */
export function compareOption(runs: { name: string; series: RunSeries }[], metric: string): EChartsCoreOption {
  return {
    animation: false,
    grid: { ...grid, top: 60 },
    tooltip,
    legend: { data: runs.map((r) => r.name), top: 6, type: 'scroll' },
    xAxis: { type: 'value', name: 'step', min: 0, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', name: `best ${metric} (%)`, scale: true },
    series: runs.map((r) => ({ name: r.name, type: 'line', step: 'end', showSymbol: false, data: downsampleMinMax(r.series.step, r.series.best, MAX_POINTS) })),
  };
}

/** Supernet training per epoch: loss, best sampled path and Acc(Env) (Eq. 7's denominator). */
export function trainingOption(epochs: readonly EpochSummary[]): EChartsCoreOption {
  return {
    animation: false,
    grid: { ...grid, right: 60 },
    tooltip,
    legend: { data: ['loss', 'best sampled path', 'Acc(Env)'], top: 6 },
    xAxis: { type: 'value', name: 'epoch', min: 0, minInterval: 1, nameLocation: 'middle', nameGap: 26 },
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
