// @vitest-environment happy-dom
import { mount, flushPromises } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { RunSummary, StartSearchRequest, TableCheck } from '../../src-main/contracts/studio-api';
import SearchForm from '../../src-renderer/components/SearchForm.vue';

/** The form's "Start from the policy of run X" block (issue #12). */
const TABLE: TableCheck = { rows: 15625, columns: ['cifar10', 'cifar100'], files: ['/data/t.csv'] };
const run = (id: string, o: Partial<RunSummary> = {}): RunSummary => ({
  id, dir: `/runs/${id}`, status: 'completed', error: null, space: 'nb201', estimator: 'table', method: 'l2nas', preset: 'transfer-pretrain-short',
  metric: 'cifar10', steps: 1000, stepsDone: 1000, best: 94, seconds: 30, createdAt: '2026-12-01T00:00:00Z', ...o,
});
const RUNS = [run('pre'), run('rea-run', { method: 'rea' }), run('darts-run', { space: 'darts', estimator: 'supernet' }), run('wide', { preset: 'transfer-pretrain' }), run('live', { status: 'running' })];

describe('SearchForm: start from the policy of a run', () => {
  it('lists only compatible runs and sends the chosen one with the request', async () => {
    const w = mount(SearchForm, { props: { checkTable: async () => TABLE, runs: RUNS } });
    await w.get('#f-preset').setValue('transfer-finetune-short');
    const options = w.findAll('#f-policy-run option').map((o) => o.attributes('value'));
    expect(options).toEqual(['', 'pre']);
    await w.get('#f-benchmark').setValue('/data/t.csv');
    await w.get('[data-action="check"]').trigger('click');
    await flushPromises();
    await w.get('#f-metric').setValue('cifar100');
    await w.get('#f-policy-run').setValue('pre');
    await w.get('form').trigger('submit');
    const [[request]] = w.emitted('start') as [[StartSearchRequest]];
    expect(request.policyRun).toBe('pre');
    expect(request.preset).toBe('transfer-finetune-short');
  });

  it('offers nothing for methods other than L²NAS, and sends no policy by default', async () => {
    const w = mount(SearchForm, { props: { checkTable: async () => TABLE, runs: RUNS } });
    expect(w.find('[data-block="policy-run"]').exists()).toBe(true);
    await w.get('#f-method').setValue('rea');
    expect(w.find('[data-block="policy-run"]').exists()).toBe(false);
  });
});
