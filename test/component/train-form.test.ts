// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { DoctorInfo, StartTrainingRequest } from '../../src-main/contracts/studio-api';
import { StartTrainingRequestSchema } from '../../src-main/contracts/studio-api';
import TrainForm from '../../src-renderer/components/TrainForm.vue';
import { fieldOfServerError, initialTrainForm, validateTrainForm } from '../../src-renderer/lib/train-form';

const ARCH = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';

describe('train form (issue #10)', () => {
  it('makes a request the server schema accepts: empty fields keep the preset, typed ones override it', () => {
    const f = { ...initialTrainForm(), epochs: '2', channels: '4', seed: '7' };
    const { errors, request } = validateTrainForm(f, 'nb201', ARCH);
    expect(errors).toEqual({});
    expect(request).toEqual({ space: 'nb201', arch: ARCH, dataset: { kind: 'mnist-embedded' }, preset: 'cpu', settings: { epochs: 2, channels: 4 }, seed: 7 });
    expect(StartTrainingRequestSchema.safeParse(request).success).toBe(true);
    const idx = validateTrainForm({ ...initialTrainForm(), dataset: 'idx', files: '/d/train-images\n/d/train-labels', testFiles: '/d/t10k-images\n/d/t10k-labels' }, 'nb201', ARCH).request;
    expect(idx?.testDataset).toEqual({ kind: 'idx', images: '/d/t10k-images', labels: '/d/t10k-labels' });
    // A backend other than auto is sent (#13 item 5); auto is the server's default and is left out.
    const gpu = validateTrainForm({ ...initialTrainForm(), backend: 'webgpu' }, 'nb201', ARCH).request;
    expect(gpu?.backend).toBe('webgpu');
    expect(StartTrainingRequestSchema.safeParse(gpu).success).toBe(true);
    expect(StartTrainingRequestSchema.safeParse({ ...gpu, backend: 'cuda' }).success).toBe(false);
  });

  it('offers the backend choice with what each option would use (from the doctor call)', async () => {
    const doctor = { chosen: 'wasm', adapter: null, backends: [{ backend: 'wasm', ok: true, reason: 'loaded @tensorflow/tfjs-backend-wasm' }], webgpu: { adapters: [] } } as unknown as DoctorInfo;
    const w = mount(TrainForm, { props: { space: 'nb201', arch: ARCH, start: vi.fn(), doctor } });
    const options = w.findAll('#t-backend option').map((o) => o.attributes('value'));
    expect(options[0]).toBe('auto');
    expect(options).toContain('webgpu');
    expect(options).toContain('wasm');
    expect(w.find('#t-backend option[value="auto"]').text()).toBe('auto — uses wasm here');
    expect(w.find('#t-backend option[value="webgpu"]').text()).toMatch(/no adapter found/);
  });

  it('names each bad field with the contract bounds; DARTS C must be even', () => {
    const bad = validateTrainForm({ ...initialTrainForm(), epochs: '0', batchSize: '1.5', trainImages: 'x', seed: '-1', dataset: 'cifar10' }, 'nb201', ARCH);
    expect(bad.request).toBeNull();
    expect(bad.errors).toMatchObject({
      epochs: 'Epochs must be a whole number from 1 to 1,000',
      batchSize: 'Batch size must be a whole number from 2 to 1,024',
      trainImages: expect.stringMatching(/^Training images must be a whole number from 2/),
      seed: expect.stringMatching(/seed/),
      files: 'Give the binary batch file(s)',
    });
    expect(validateTrainForm({ ...initialTrainForm(), channels: '15' }, 'darts', 'x').errors.channels).toMatch(/even/);
    expect(validateTrainForm({ ...initialTrainForm(), testFiles: '/x' }, 'nb201', ARCH).errors.testFiles).toMatch(/no test files/);
  });

  it('maps a server refusal to the field it names', () => {
    const f = { ...initialTrainForm(), dataset: 'idx' as const, files: '/d/a\n/d/b', testFiles: '/d/t\n/d/u' };
    expect(fieldOfServerError('training settings: settings.epochs: Number must be less than or equal to 1000', f)).toBe('epochs');
    expect(fieldOfServerError('settings.batchSize 128 is larger than the 64 training images', f)).toBe('batchSize');
    expect(fieldOfServerError('arch: NAS-Bench-201 network: …', f)).toBe('arch');
    expect(fieldOfServerError('/d/t: not an IDX file', f)).toBe('testFiles');
    expect(fieldOfServerError('/d/a: not an IDX file', f)).toBe('files');
    expect(fieldOfServerError('something else', f)).toBeNull();
  });

  it('marks a bad field aria-invalid once touched, keeps Start disabled, and shows the server refusal under its field', async () => {
    const start = vi.fn(async (_r: StartTrainingRequest): Promise<string> => {
      throw new Error('settings.batchSize 64 is larger than the 32 training images');
    });
    const w = mount(TrainForm, { props: { space: 'nb201', arch: ARCH, start } });
    const epochs = w.get('#t-epochs');
    expect(epochs.attributes('aria-invalid')).toBe('false');
    await epochs.setValue('0');
    await epochs.trigger('focusout');
    expect(epochs.attributes('aria-invalid')).toBe('true');
    expect(w.get(`#${epochs.attributes('aria-describedby')}`).text()).toMatch(/Epochs must be/);
    expect(w.get('[data-action="start-training"]').attributes('disabled')).toBeDefined();
    await epochs.setValue('1');
    await w.get('#t-batchSize').setValue('64');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(start).toHaveBeenCalledOnce();
    expect(start.mock.calls[0][0].settings).toEqual({ epochs: 1, batchSize: 64 });
    expect(w.get('#t-batchSize').attributes('aria-invalid')).toBe('true');
    expect(w.get('#t-e-batchSize').text()).toMatch(/larger than the 32 training images/);
    expect(w.emitted('started')).toBeUndefined();
  });
});
