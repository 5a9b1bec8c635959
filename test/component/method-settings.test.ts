// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StartSearchRequest, TableCheck } from '../../src-main/contracts/studio-api';
import { REA_DEFAULTS } from '../../src-main/core/baselines/regularized-evolution';
import { REINFORCE_DEFAULTS } from '../../src-main/core/baselines/reinforce';
import { LOCAL_DEFAULTS } from '../../src-main/core/baselines/local-search';
import { RunConfigSchema } from '../../src-main/contracts/run';
import { runConfigFromOptions } from '../../src-main/node/run-config';
import SearchForm from '../../src-renderer/components/SearchForm.vue';
import { initialMethodSettings, LOCAL_MOVES, METHOD_DEFAULTS, methodOverrides, validateMethodSettings } from '../../src-renderer/lib/method-settings';

const TABLE: TableCheck = { rows: 15625, columns: ['cifar10', 'cifar100'], files: ['/data/t.csv'] };
beforeEach(() => localStorage.clear());

describe("every method's settings in the form", () => {
  it("repeats the engine's defaults exactly (the renderer may not import core)", () => {
    expect(METHOD_DEFAULTS).toEqual({ rea: REA_DEFAULTS, reinforce: REINFORCE_DEFAULTS, local: LOCAL_DEFAULTS });
    expect(LOCAL_MOVES.map((m) => m.value)).toEqual(RunConfigSchema.shape.local.unwrap().shape.move.options);
  });

  it('validates REA and REINFORCE settings, naming the field', () => {
    const ok = initialMethodSettings();
    expect(validateMethodSettings('rea', ok)).toEqual({});
    expect(validateMethodSettings('rea', { ...ok, reaSample: '20' })).toEqual({ 'rea.sample': expect.stringMatching(/at most the population/) });
    expect(validateMethodSettings('rea', { ...ok, reaPopulation: '1e9' })['rea.population']).toMatch(/at most 100,000/);
    expect(validateMethodSettings('rea', { ...ok, reaPopulation: '2.5' })['rea.population']).toMatch(/^Population:/);
    expect(validateMethodSettings('reinforce', { ...ok, reinforceBaseline: '1' })['reinforce.baselineMomentum']).toMatch(/^Baseline momentum:/);
    expect(validateMethodSettings('reinforce', { ...ok, reinforceLr: 'fast' })['reinforce.lr']).toBe('Learning rate: not a number');
    expect(validateMethodSettings('random', { ...ok, reaSample: '20' })).toEqual({}); // not its setting
  });

  it('sends only changed values, as overrides the run config accepts', () => {
    const s = { ...initialMethodSettings(), reaPopulation: '20', reaSample: '5' };
    const overrides = methodOverrides('rea', s);
    expect(overrides).toEqual({ 'rea.population': 20, 'rea.sample': 5 });
    const config = runConfigFromOptions({ space: 'nb201', method: 'rea', preset: 'nb201', benchmark: ['/t.csv'], metric: 'acc', report: [], seed: 0, set: Object.entries(overrides).map(([k, v]) => `${k}=${v}`), backend: 'auto' });
    expect(config.rea).toEqual({ population: 20, sample: 5 });
    expect(initialMethodSettings(config)).toEqual(s);
  });

  it('shows REA fields instead of the L²NAS preset and agent, and starts with them', async () => {
    const w = mount(SearchForm, { props: { checkTable: vi.fn(async () => TABLE) } });
    await w.get('#f-benchmark').setValue('/data/t.csv');
    await w.get('[data-action="check"]').trigger('click');
    await flushPromises();
    await w.get('#f-method').setValue('rea');
    expect(w.find('#f-preset').exists()).toBe(false);
    expect(w.find('#f-tau').exists()).toBe(false);
    await w.get('#f-rea-population').setValue('4');
    await w.get('#f-rea-sample').setValue('6');
    expect(w.get('[data-error="rea.sample"]').text()).toMatch(/at most the population/);
    expect(w.get('[data-action="start"]').attributes('disabled')).toBeDefined();
    await w.get('#f-rea-sample').setValue('2');
    await w.get('form').trigger('submit');
    const [req] = w.emitted('start')![0] as [StartSearchRequest];
    expect(req.method).toBe('rea');
    expect(req.overrides).toMatchObject({ 'rea.population': 4, 'rea.sample': 2 });
  });

  it("offers local search's move rule (config.json local.move, CLI --local-move): first by default, best sent as an override the run records", async () => {
    const w = mount(SearchForm, { props: { checkTable: vi.fn(async () => TABLE) } });
    await w.get('#f-benchmark').setValue('/data/t.csv');
    await w.get('[data-action="check"]').trigger('click');
    await flushPromises();
    expect(w.find('#f-local-move').exists()).toBe(false);
    await w.get('#f-method').setValue('local');
    expect(w.get('[data-section="method-settings"] legend').text()).toBe('Local search settings');
    const select = w.get<HTMLSelectElement>('#f-local-move');
    expect(select.element.value).toBe('first');
    expect(select.findAll('option').map((o) => o.attributes('value'))).toEqual(['first', 'best']);
    // The default is sent as nothing: config.json then records the engine's default.
    await w.get('form').trigger('submit');
    const [first] = w.emitted('start')![0] as [StartSearchRequest];
    expect(first).toMatchObject({ method: 'local' });
    expect(first.overrides?.['local.move']).toBeUndefined();
    await select.setValue('best');
    await w.get('form').trigger('submit');
    const [best] = w.emitted('start')![1] as [StartSearchRequest];
    expect(best.overrides).toMatchObject({ 'local.move': 'best' });
    const config = runConfigFromOptions({ ...best, benchmark: ['/t.csv'], set: Object.entries(best.overrides ?? {}).map(([k, v]) => `${k}=${v}`), backend: 'auto' });
    expect(config.local).toEqual({ move: 'best' });
    // "New search from this run" shows the run's rule again; other methods never send it.
    expect(initialMethodSettings(config).localMove).toBe('best');
    expect(methodOverrides('rea', { ...initialMethodSettings(), localMove: 'best' })).toEqual({});
    // A supernet search names the rule it runs with.
    await w.get('#f-estimator').setValue('supernet');
    expect(w.find('#f-local-move').exists()).toBe(false);
    expect(w.get('[data-section="method-settings"]').text()).toMatch(/local search with first-improvement moves/);
  });
});
