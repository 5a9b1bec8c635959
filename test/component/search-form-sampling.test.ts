// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../src-main/contracts/run';
import type { SupernetSearchOptions, TableCheck } from '../../src-main/contracts/studio-api';
import { resolveAgentConfig } from '../../src-main/common/presets';
import { SUPERNET_IDS, SUPERNET_SPECS } from '../../src-main/common/supernets';
import SearchForm from '../../src-renderer/components/SearchForm.vue';
import { formFromConfig } from '../../src-renderer/lib/run-prefill';
import { initialForm, samplingChoices, toSupernetOptions } from '../../src-renderer/lib/search-form';

/**
 * The supernet sampling choice (the CLI's --sampling; OFA's progressive shrinking): shown for
 * the supernets whose spec lists more than one sampling, uniform by default and then not sent,
 * and filled back by "new search from this run".
 */
const TABLE: TableCheck = { rows: 1, columns: ['acc'], files: ['/t.csv'] };

function setup(initial?: ReturnType<typeof initialForm>) {
  const w = mount(SearchForm, { props: { checkTable: async () => TABLE, checkDataset: async () => { throw new Error('no dataset check here'); }, ...(initial ? { initial } : {}) } });
  const submit = async () => {
    await w.get('form').trigger('submit');
    const all = w.emitted('supernet') as [SupernetSearchOptions, number][];
    return all[all.length - 1][0];
  };
  return { w, submit };
}

beforeEach(() => localStorage.clear());

describe('SearchForm: supernet sampling', () => {
  it('is offered where the spec lists more than one sampling (OFA), uniform by default and not sent; progressive shrinking is sent', async () => {
    const s = setup();
    await s.w.get('#f-estimator').setValue('supernet');
    for (const space of SUPERNET_IDS) {
      await s.w.get('#f-space').setValue(space);
      expect(s.w.find('#f-sn-sampling').exists(), space).toBe(SUPERNET_SPECS[space].samplings.length > 1);
    }
    expect(SUPERNET_IDS.some((id) => samplingChoices(id).length > 1)).toBe(true); // the choice is shown somewhere
    await s.w.get('#f-space').setValue('ofa');
    const select = s.w.get<HTMLSelectElement>('#f-sn-sampling');
    expect(select.element.value).toBe('uniform');
    expect(select.findAll('option').map((o) => o.element.value)).toEqual(['uniform', 'progressive-shrinking']);
    expect(select.findAll('option')[0].text()).toMatch(/\(default\)$/);
    expect(s.w.get('[data-field="sampling"] label').text()).toMatch(/^Supernet sampling/);
    expect(await s.submit()).not.toHaveProperty('sampling');

    await select.setValue('progressive-shrinking');
    expect(s.w.text()).toMatch(/by OFA's progressive shrinking/);
    expect(await s.submit()).toMatchObject({ space: 'ofa', sampling: 'progressive-shrinking' });

    // A supernet without the choice sends none, whatever was picked before.
    await s.w.get('#f-space').setValue('nb201');
    await flushPromises();
    expect(s.w.find('#f-sn-sampling').exists()).toBe(false);
    expect(await s.submit()).not.toHaveProperty('sampling');
  });

  it('"new search from this run" fills the sampling back, and Start sends it again', async () => {
    const config = RunConfigSchema.parse({
      version: 1, space: 'ofa', method: 'l2nas', preset: 'ofa', agent: resolveAgentConfig('ofa'), rea: { population: 10, sample: 3 }, reinforce: { lr: 0.01, baselineMomentum: 0.9 }, reward: { kind: 'eq3' }, steps: 5, seed: 0, backend: 'auto', createdAt: '2026-12-02T07:00:00.000Z',
      estimator: { kind: 'supernet', dataset: { kind: 'mnist-embedded' }, metric: 'supernet-val-accuracy', report: [], C: 25, N: 4, epochs: 1, batchSize: 16, evalBatches: 2, trainImages: 128, lrMax: 0.2, cutout: 0, randomArchitectures: 2, sampling: 'progressive-shrinking' },
    });
    const form = formFromConfig(config);
    expect(form.supernet.sampling).toBe('progressive-shrinking');
    expect(toSupernetOptions(form)).toMatchObject({ space: 'ofa', sampling: 'progressive-shrinking', epochs: 1, trainImages: 128 });
    const s = setup(form);
    expect(s.w.get<HTMLSelectElement>('#f-sn-sampling').element.value).toBe('progressive-shrinking');
    expect(await s.submit()).toMatchObject({ sampling: 'progressive-shrinking' });

    // A run trained uniformly (no `sampling` in config.json) opens on uniform.
    const { sampling: _, ...uniform } = config.estimator as typeof config.estimator & { sampling?: string };
    expect(formFromConfig({ ...config, estimator: uniform } as typeof config).supernet.sampling).toBe('uniform');
  });
});
