// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary, TableCheck } from '../../src-main/contracts/studio-api';
import { runConfigFromOptions } from '../../src-main/node/run-config';
import SearchForm from '../../src-renderer/components/SearchForm.vue';
import { formFromConfig } from '../../src-renderer/lib/run-prefill';
import { EMPTY_FILTER, filterRuns, nextSort, presetOf, reportedColumns, runsColumns, sortRuns } from '../../src-renderer/lib/runs-table';
import { toStartRequest } from '../../src-renderer/lib/search-form';

const run = (id: string, o: Partial<RunSummary> = {}): RunSummary => ({
  id, dir: `/runs/${id}`, status: 'completed', error: null, space: 'nb201', estimator: 'table', method: 'l2nas', preset: 'nb201-tuned', metric: 'cifar100',
  steps: 100, stepsDone: 100, best: 70, seconds: 10, createdAt: '2026-12-01T10:00:00.000Z', seed: 0, report: [], bestMetrics: null, notes: null, ...o,
});

const RUNS = [
  run('a', { best: 72.5, seed: 2, createdAt: '2026-12-01T09:00:00.000Z', report: ['cifar10'], bestMetrics: { cifar100: 72.5, cifar10: 93.1 } }),
  run('b', { method: 'rea', preset: 'nb201', best: 71, seed: 10, notes: { name: 'evolution baseline', notes: 'population 20' } }),
  run('c', { status: 'running', best: null, seed: 1, createdAt: '2026-12-01T11:00:00.000Z', report: ['cifar10', 'imagenet16-120'], bestMetrics: null }),
  run('d', { space: 'darts', estimator: 'supernet', method: 'random', best: 40, seed: 3, metric: 'supernet-val-accuracy' }),
];

describe('runs table', () => {
  it('has a column per reported metric, valued from the best architecture', () => {
    expect(reportedColumns(RUNS)).toEqual(['cifar10', 'imagenet16-120']);
    const cols = runsColumns(RUNS);
    const c10 = cols.find((c) => c.key === 'report:cifar10')!;
    expect(RUNS.map((r) => c10.value(r))).toEqual([93.1, null, null, null]);
    expect(cols.map((c) => c.key)).toEqual(expect.arrayContaining(['createdAt', 'seed', 'metric', 'preset']));
  });

  it('sorts by any column, numbers numerically (10 after 3), blanks last in both directions', () => {
    const cols = runsColumns(RUNS);
    expect(sortRuns(RUNS, cols, { key: 'seed', dir: 'asc' }).map((r) => r.id)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortRuns(RUNS, cols, { key: 'best', dir: 'desc' }).map((r) => r.id)).toEqual(['a', 'b', 'd', 'c']);
    expect(sortRuns(RUNS, cols, { key: 'best', dir: 'asc' }).map((r) => r.id)).toEqual(['d', 'b', 'a', 'c']);
    expect(sortRuns(RUNS, cols, { key: 'createdAt', dir: 'desc' }).map((r) => r.id)[0]).toBe('c');
    expect(sortRuns(RUNS, cols, { key: 'report:cifar10', dir: 'asc' }).map((r) => r.id)[0]).toBe('a');
    const best = cols.find((c) => c.key === 'best')!;
    expect(nextSort({ key: 'id', dir: 'asc' }, best)).toEqual({ key: 'best', dir: 'desc' });
    expect(nextSort({ key: 'best', dir: 'desc' }, best)).toEqual({ key: 'best', dir: 'asc' });
  });

  it('filters by text (name and notes included), status, space and method', () => {
    expect(filterRuns(RUNS, { ...EMPTY_FILTER, text: 'baseline' }).map((r) => r.id)).toEqual(['b']);
    expect(filterRuns(RUNS, { ...EMPTY_FILTER, text: 'population 20' }).map((r) => r.id)).toEqual(['b']);
    expect(filterRuns(RUNS, { ...EMPTY_FILTER, status: 'running' }).map((r) => r.id)).toEqual(['c']);
    expect(filterRuns(RUNS, { ...EMPTY_FILTER, space: 'darts' }).map((r) => r.id)).toEqual(['d']);
    expect(filterRuns(RUNS, { ...EMPTY_FILTER, method: 'l2nas', text: 'imagenet16' }).map((r) => r.id)).toEqual(['c']);
    expect(filterRuns(RUNS, EMPTY_FILTER)).toHaveLength(4);
  });

  it('shows no L²NAS preset for other methods', () => {
    expect(RUNS.map(presetOf)).toEqual(['nb201-tuned', '', 'nb201-tuned', '']);
  });
});

describe('new search from a run', () => {
  beforeEach(() => localStorage.clear());
  const TABLE: TableCheck = { rows: 15625, columns: ['cifar10', 'cifar100', 'imagenet16-120'], files: ['/data/t.csv'] };
  const config = runConfigFromOptions({
    space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: ['/data/t.csv'], metric: 'cifar100', report: ['cifar10'], steps: 321, seed: 7, set: ['tau=0.8', 'topK=8'], backend: 'auto',
  });

  it('fills the form so that Start repeats the run (overrides included)', () => {
    const req = toStartRequest(formFromConfig(config));
    expect(req).toEqual({ space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: ['/data/t.csv'], metric: 'cifar100', report: ['cifar10'], steps: 321, seed: 7, overrides: { tau: 0.8, topK: 8 } });
  });

  it('opens the form with the run settings and re-checks its table at once', async () => {
    const checkTable = vi.fn(async () => TABLE);
    const w = mount(SearchForm, { props: { checkTable, initial: formFromConfig(config) } });
    await flushPromises();
    expect(checkTable).toHaveBeenCalledWith('nb201', ['/data/t.csv']);
    expect((w.get('#f-seed').element as HTMLInputElement).value).toBe('7');
    expect((w.get('#f-tau').element as HTMLInputElement).value).toBe('0.8');
    expect((w.get('#f-metric').element as HTMLSelectElement).value).toBe('cifar100');
    expect(w.get('[data-action="start"]').attributes('disabled')).toBeUndefined();
  });

  it('remembers the last checked table paths for the next form, and re-checks them', async () => {
    const checkTable = vi.fn(async () => TABLE);
    const first = mount(SearchForm, { props: { checkTable } });
    expect(checkTable).not.toHaveBeenCalled(); // nothing remembered yet
    await first.get('#f-benchmark').setValue('/data/t.csv\n/data/u.csv');
    await first.get('[data-action="check"]').trigger('click');
    await flushPromises();
    first.unmount();
    const second = mount(SearchForm, { props: { checkTable } });
    await flushPromises();
    expect((second.get('#f-benchmark').element as HTMLTextAreaElement).value).toBe('/data/t.csv\n/data/u.csv');
    expect(checkTable).toHaveBeenLastCalledWith('nb201', ['/data/t.csv', '/data/u.csv']);
    expect(second.find('[data-table-ok]').exists()).toBe(true);
  });
});

describe('one voice for errors', () => {
  it('turns raw errno codes into words', async () => {
    const { plainMessage, detectSpace } = await import('../../src-renderer/lib/form-polish');
    expect(plainMessage('/x.csv: cannot read the file (ENOENT)')).toBe('/x.csv: cannot read the file (no such file or folder)');
    expect(plainMessage('export a.csv is a symbolic link')).toBe('export a.csv is a symbolic link');
    expect(detectSpace("Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2], reduce=[], reduce_concat=[2])")).toBe('darts');
    expect(detectSpace('{"ks": [3], "e": [3], "d": [2]}')).toBe('ofa');
    expect(detectSpace('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|')).toBe('nb201');
    expect(detectSpace('hello')).toBeNull();
  });
});
