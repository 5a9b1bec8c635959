// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetCheck } from '../../src-main/contracts/dataset';
import type { RunConfig } from '../../src-main/contracts/run';
import type { SupernetCheckpointCheck, SupernetSearchOptions, TableCheck } from '../../src-main/contracts/studio-api';
import SearchForm from '../../src-renderer/components/SearchForm.vue';
import { formFromConfig } from '../../src-renderer/lib/run-prefill';

/**
 * The OFA space's supernet checkpoint field (the CLI's --supernet-checkpoint): shown only for a
 * supernet that loads checkpoints, checked by the server like the dataset paths (Start waits for
 * the check), refused with the server's words under the field, checked against the form's width
 * and dataset, and sent as `supernetCheckpoint` (no epochs: searched as loaded).
 */
const TABLE: TableCheck = { rows: 1, columns: ['acc'], files: ['/t.csv'] };
const W025: SupernetCheckpointCheck = { file: '/data/ofa_w0.25.pth', bytes: 123_456, sha256: 'ab'.repeat(32), tensors: 420, widths: [25], classes: 10, inChannels: 1 };
const CIFAR: DatasetCheck = { name: 'cifar10', images: 10000, height: 32, width: 32, channels: 3, classes: 10 };

function setup(checkCheckpoint: (file: string) => Promise<SupernetCheckpointCheck>) {
  const check = vi.fn(checkCheckpoint);
  const w = mount(SearchForm, { props: { checkTable: async () => TABLE, checkDataset: async () => CIFAR, checkCheckpoint: check } });
  return { w, check, start: () => w.get('[data-action="start"]'), error: (key: string) => w.get(`[data-error="${key}"]`).text() };
}

beforeEach(() => localStorage.clear());

describe('SearchForm: a supernet checkpoint for the OFA space', () => {
  it('is offered for OFA only; a checked file is described, fits the width, and is sent as supernetCheckpoint', async () => {
    const s = setup(async () => W025);
    await s.w.get('#f-estimator').setValue('supernet');
    expect(s.w.find('#f-sn-checkpoint').exists()).toBe(false); // NB201's supernet loads no checkpoints
    await s.w.get('#f-space').setValue('ofa');
    await flushPromises();
    const field = s.w.get('#f-sn-checkpoint');
    expect(s.w.get('[data-field="checkpoint"] label').text()).toMatch(/OFAMobileNetV3/);
    // No checkpoint: a supernet trained here, as before.
    expect(s.start().attributes('disabled')).toBeUndefined();

    await field.setValue('/data/ofa_w0.25.pth');
    expect(s.start().attributes('disabled')).toBeDefined(); // not read yet
    await s.w.get('[data-action="check-checkpoint"]').trigger('click');
    await flushPromises();
    expect(s.check).toHaveBeenLastCalledWith('/data/ofa_w0.25.pth');
    const ok = s.w.get('[data-checkpoint-ok]').text();
    expect(ok).toContain('420 tensors, widths of C = 25, 10 classes, 1 input channel(s)');
    expect(ok).toContain('searched as loaded');
    expect(s.w.get<HTMLInputElement>('#f-sn-epochs').element.placeholder).toBe('0 (search the checkpoint as loaded)');
    expect(s.start().attributes('disabled')).toBeUndefined(); // the OFA default C is 25

    // Another width in the form: named under C, with the width to use.
    await s.w.get('#f-sn-C').setValue('50');
    await s.w.get('#f-sn-C').trigger('focusout');
    expect(s.error('supernet.C')).toMatch(/The checkpoint's widths are those of C = 25 \(w0\.25\); set Channels C to 25/);
    expect(s.start().attributes('disabled')).toBeDefined();
    await s.w.get('#f-sn-C').setValue('25');
    await s.w.get('#f-sn-N').setValue('3');
    await s.w.get('form').trigger('submit');
    const [[options]] = s.w.emitted('supernet') as [[SupernetSearchOptions, number]];
    expect(options).toMatchObject({ space: 'ofa', C: 25, N: 3, supernetCheckpoint: '/data/ofa_w0.25.pth' });
    expect(options.epochs).toBeUndefined(); // the server then searches it without training

    // Editing the path asks for a new check; an emptied field sends none.
    await field.setValue('/data/other.pth');
    expect(s.w.find('[data-checkpoint-ok]').exists()).toBe(false);
    expect(s.start().attributes('disabled')).toBeDefined();
    await field.setValue('');
    await s.w.get('form').trigger('submit');
    expect((s.w.emitted('supernet')![1][0] as SupernetSearchOptions).supernetCheckpoint).toBeUndefined();
  });

  it("shows the server's refusal of a bad file under the field, and a checkpoint that does not fit the dataset", async () => {
    const s = setup(async (file) => {
      if (file.endsWith('bad.pth')) throw new Error('supernetCheckpoint: /data/bad.pth: not a PyTorch checkpoint: neither a zip archive (torch.save ≥ 1.6) nor a legacy pickle stream');
      return W025;
    });
    await s.w.get('#f-space').setValue('ofa');
    await s.w.get('#f-estimator').setValue('supernet');
    await s.w.get('#f-sn-checkpoint').setValue('/data/bad.pth');
    await s.w.get('#f-sn-checkpoint').trigger('blur'); // leaving the field checks it, as the dataset paths
    await flushPromises();
    expect(s.error('supernet.checkpoint')).toMatch(/^supernetCheckpoint: \/data\/bad\.pth: not a PyTorch checkpoint/);
    expect(s.w.get('#f-sn-checkpoint').attributes('aria-invalid')).toBe('true');
    expect(s.start().attributes('disabled')).toBeDefined();

    // A good file, but a dataset of 3-channel images: the first conv takes 1.
    await s.w.get('#f-sn-checkpoint').setValue('/data/good.pth');
    await s.w.get('[data-action="check-checkpoint"]').trigger('click');
    await s.w.get('#f-dataset').setValue('cifar10');
    await s.w.get('#f-data-files').setValue('/data/data_batch_1.bin');
    await s.w.get('[data-action="check-dataset"]').trigger('click');
    await flushPromises();
    expect(s.w.find('[data-dataset-ok]').exists()).toBe(true);
    await s.w.get('#f-sn-checkpoint').trigger('focusout');
    expect(s.error('supernet.checkpoint')).toBe("The checkpoint's first conv takes 1 input channel(s); the dataset's images have 3");
    expect(s.start().attributes('disabled')).toBeDefined();
  });

  it('"new search from this run" fills the checkpoint of a run that loaded one (epochs empty: searched as loaded again)', () => {
    const config = {
      version: 1, space: 'ofa', method: 'l2nas', preset: 'ofa', agent: {}, rea: { population: 10, sample: 3 }, reinforce: { lr: 0.01, baselineMomentum: 0.9 }, reward: { kind: 'eq3' }, steps: 5, seed: 0, backend: 'auto', createdAt: '',
      estimator: { kind: 'supernet', dataset: { kind: 'mnist-embedded' }, metric: 'supernet-val-accuracy', report: [], C: 25, N: 3, epochs: 0, batchSize: 16, evalBatches: 2, trainImages: 64, lrMax: 0.2, cutout: 0, randomArchitectures: 2, pretrained: { file: '/data/ofa_w0.25.pth', sha256: 'ab'.repeat(32) } },
    } as unknown as RunConfig;
    const form = formFromConfig(config);
    expect(form.supernet).toMatchObject({ checkpoint: '/data/ofa_w0.25.pth', epochs: '', randomArchitectures: '2' });
  });
});
