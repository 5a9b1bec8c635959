// @vitest-environment happy-dom
import { mount, flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetCheck, DatasetSpec } from '../../src-main/contracts/dataset';
import type { TableCheck } from '../../src-main/contracts/studio-api';
import SearchForm from '../../src-renderer/components/SearchForm.vue';

const TABLE: TableCheck = { rows: 15625, columns: ['cifar10', 'cifar100', 'imagenet16-120'], files: ['/data/t.csv'] };

const MNIST_IDX: DatasetCheck = { name: 'fashion', images: 70000, height: 28, width: 28, channels: 1, classes: 10 };

function setup(check: (space: string, files: string[]) => Promise<TableCheck> = async () => TABLE, dataCheck: (d: DatasetSpec) => Promise<DatasetCheck> = async () => MNIST_IDX) {
  const checkTable = vi.fn(check);
  const checkDataset = vi.fn(dataCheck);
  const w = mount(SearchForm, { props: { checkTable, checkDataset } });
  const start = () => w.get('[data-action="start"]');
  const error = (key: string) => w.get(`[data-error="${key}"]`).text();
  return { w, checkTable, checkDataset, start, error };
}

async function withCheckedTable(s: ReturnType<typeof setup>) {
  await s.w.get('#f-benchmark').setValue('/data/t.csv');
  await s.w.get('[data-action="check"]').trigger('click');
  await flushPromises();
}

beforeEach(() => localStorage.clear()); // the form remembers checked table paths between mounts

describe('SearchForm (new search)', () => {
  it('starts disabled, naming what is missing next to its field once asked (no red text before a field is touched)', async () => {
    const s = setup();
    expect(s.start().attributes('disabled')).toBeDefined();
    expect(s.error('benchmark')).toBe('');
    expect(s.w.text()).toMatch(/\d+ field\(s\) need attention/);
    await s.w.get('[data-action="show-errors"]').trigger('click');
    expect(s.error('benchmark')).toMatch(/at least one benchmark table/);
    expect(s.error('metric')).toMatch(/column/);
  });

  it('fills every agent field from the preset, and re-fills them when the preset changes', async () => {
    const s = setup();
    expect((s.w.get('#f-topK').element as HTMLInputElement).value).toBe('16'); // nb201-tuned
    expect((s.w.get('#f-actorLr').element as HTMLInputElement).value).toBe('0.001');
    await s.w.get('#f-preset').setValue('nb201');
    expect((s.w.get('#f-topK').element as HTMLInputElement).value).toBe('64');
    expect((s.w.get('#f-actorLr').element as HTMLInputElement).value).toBe('1e-8');
    expect((s.w.get('#f-steps').element as HTMLInputElement).value).toBe('1000');
  });

  it('checks the table through the API and offers its columns as metrics', async () => {
    const s = setup();
    await withCheckedTable(s);
    expect(s.checkTable).toHaveBeenCalledWith('nb201', ['/data/t.csv']);
    expect(s.w.get('[data-table-ok]').text()).toContain('15,625 architectures');
    const options = s.w.findAll('#f-metric option').map((o) => o.text());
    expect(options).toEqual(expect.arrayContaining(TABLE.columns));
    expect(s.start().attributes('disabled')).toBeUndefined();
  });

  it("shows the server's file error (file:line) and keeps Start disabled", async () => {
    const s = setup(async () => {
      throw new Error('/data/bad.csv:7: "arch" is not a NAS-Bench-201 arch string');
    });
    await withCheckedTable(s);
    expect(s.error('benchmark')).toBe('/data/bad.csv:7: "arch" is not a NAS-Bench-201 arch string');
    expect(s.start().attributes('disabled')).toBeDefined();
  });

  it.each([
    ['steps', '#f-steps', 'abc', /Steps must be a whole number/],
    ['steps', '#f-steps', '0', /between 1 and/],
    ['seed', '#f-seed', '-3', /Seed/],
    ['agent.tau', '#f-tau', '1.5', /τ/],
    ['agent.topK', '#f-topK', '2.5', /K \(top-K state\)/],
    ['agent.actorLr', '#f-actorLr', 'fast', /not a number/],
    ['agent.epsilonEnd', '#f-epsilonEnd', '1.2', /ε end/],
  ])('names a bad %s next to the field and disables Start', async (key, sel, value, message) => {
    const s = setup();
    await withCheckedTable(s);
    await s.w.get(sel).setValue(value);
    expect(s.error(key)).toMatch(message);
    expect(s.w.get(sel).attributes('aria-invalid')).toBe('true');
    expect(s.start().attributes('disabled')).toBeDefined();
  });

  it('submits a typed request: preset plus only the changed settings as overrides', async () => {
    const s = setup();
    await withCheckedTable(s);
    await s.w.get('#f-metric').setValue('cifar100');
    await s.w.get('#f-steps').setValue('200');
    await s.w.get('#f-topK').setValue('32');
    await s.w.get('form').trigger('submit');
    const [[request]] = s.w.emitted('start')!;
    expect(request).toEqual({
      space: 'nb201', method: 'l2nas', preset: 'nb201-tuned', benchmark: ['/data/t.csv'], metric: 'cifar100',
      report: [], steps: 200, seed: 0, overrides: { topK: 32 },
    });
  });

  it('refuses a table search outside NAS-Bench-201, saying why', async () => {
    const s = setup();
    await s.w.get('#f-space').setValue('darts');
    expect(s.error('space')).toMatch(/NAS-Bench-201 only/);
    expect((s.w.get('#f-topK').element as HTMLInputElement).value).toBe('500'); // darts preset
    expect(s.start().attributes('disabled')).toBeDefined();
  });

  describe('supernet estimator', () => {
    it('starts on the embedded MNIST with the space defaults and the tuned agent', async () => {
      const s = setup();
      await s.w.get('#f-estimator').setValue('supernet');
      expect(s.start().attributes('disabled')).toBeUndefined(); // no files needed
      expect((s.w.get('#f-sn-epochs').attributes('placeholder'))).toBe('12 (default)');
      await s.w.get('form').trigger('submit');
      const [[options, seed]] = s.w.emitted('supernet')!;
      expect(seed).toBe(0);
      expect(options).toMatchObject({ space: 'nb201', dataset: { kind: 'mnist-embedded' }, method: 'l2nas', steps: 100, agent: { preset: 'nb201-tuned' } });
      expect(options.epochs).toBeUndefined(); // the server applies the default
    });

    it('DARTS: scales the warm-up to the run, and wants an even C', async () => {
      const s = setup();
      await s.w.get('#f-estimator').setValue('supernet');
      await s.w.get('#f-space').setValue('darts');
      expect((s.w.get('#f-warmupSteps').element as HTMLInputElement).value).toBe('25'); // 100 steps / 4, not 3000
      expect((s.w.get('#f-topK').element as HTMLInputElement).value).toBe('16');
      await s.w.get('#f-sn-C').setValue('5');
      expect(s.error('supernet.C')).toMatch(/even number of channels/);
      expect(s.start().attributes('disabled')).toBeDefined();
      await s.w.get('#f-sn-C').setValue('6');
      await s.w.get('form').trigger('submit');
      const [[options]] = s.w.emitted('supernet')!;
      expect(options).toMatchObject({ space: 'darts', C: 6, agent: { preset: 'darts', config: { warmupSteps: 25, topK: 16 } } });
    });

    it('reads dataset files through the API before Start, and names a bad file', async () => {
      const s = setup(undefined, async (d) => {
        if (d.kind === 'idx' && d.images.includes('bad')) throw new Error('/data/bad-images.idx (byte 16): file ends after 50 of 784 image bytes');
        return MNIST_IDX;
      });
      await s.w.get('#f-estimator').setValue('supernet');
      await s.w.get('#f-dataset').setValue('idx');
      expect(s.error('supernet.files')).toBe(''); // not touched yet: no red text (#15 item 7)
      await s.w.get('[data-action="show-errors"]').trigger('click');
      expect(s.error('supernet.files')).toMatch(/two files/);
      await s.w.get('#f-data-files').setValue('/data/bad-images.idx\n/data/labels.idx');
      expect(s.error('supernet.files')).toMatch(/Check the dataset first/);
      await s.w.get('[data-action="check-dataset"]').trigger('click');
      await flushPromises();
      expect(s.error('supernet.files')).toBe('/data/bad-images.idx (byte 16): file ends after 50 of 784 image bytes');
      expect(s.start().attributes('disabled')).toBeDefined();
      await s.w.get('#f-data-files').setValue('/data/images.idx\n/data/labels.idx');
      await s.w.get('[data-action="check-dataset"]').trigger('click');
      await flushPromises();
      expect(s.checkDataset).toHaveBeenLastCalledWith({ kind: 'idx', images: '/data/images.idx', labels: '/data/labels.idx' });
      expect(s.w.get('[data-dataset-ok]').text()).toContain('70,000 images, 28×28×1, 10 classes');
      expect(s.start().attributes('disabled')).toBeUndefined();
    });

    it('OFA: searches the elastic MobileNetV3 supernet with the ofa preset shortened to the run, and refuses more than 5 stride-2 steps', async () => {
      const s = setup();
      await s.w.get('#f-estimator').setValue('supernet');
      await s.w.get('#f-space').setValue('ofa');
      expect(s.error('space')).toBe('');
      expect((s.w.get('#f-warmupSteps').element as HTMLInputElement).value).toBe('25'); // 100 steps / 4, not 3000
      await s.w.get('#f-sn-N').setValue('6');
      expect(s.error('supernet.N')).toMatch(/5 stride-2 steps/);
      expect(s.start().attributes('disabled')).toBeDefined();
      await s.w.get('#f-sn-N').setValue('5');
      await s.w.get('form').trigger('submit');
      const [[options]] = s.w.emitted('supernet')!;
      expect(options).toMatchObject({ space: 'ofa', N: 5, agent: { preset: 'ofa', config: { warmupSteps: 25, topK: 16 } } });
    });

    it('an image folder: one folder path, a crop size and optional limits, checked through the API like any dataset', async () => {
      const s = setup(undefined, async () => ({ name: 'image folder data (3 classes)', images: 36, height: 32, width: 32, channels: 3, classes: 3 }));
      await s.w.get('#f-estimator').setValue('supernet');
      await s.w.get('#f-dataset').setValue('image-folder');
      await s.w.get('#f-data-files').setValue('/data/folder');
      await s.w.get('[data-action="show-errors"]').trigger('click');
      expect(s.error('supernet.files')).toMatch(/Give the image size/);
      await s.w.get('#f-image-size').setValue('4');
      expect(s.error('supernet.imageSize')).toMatch(/Image size must be between 8 and 512/);
      await s.w.get('#f-image-size').setValue('32');
      await s.w.get('#f-per-class').setValue('0');
      expect(s.error('supernet.perClass')).toMatch(/Images per class must be between 1/);
      await s.w.get('#f-per-class').setValue('12');
      await s.w.get('#f-classes').setValue('3');
      await s.w.get('[data-action="check-dataset"]').trigger('click');
      await flushPromises();
      expect(s.checkDataset).toHaveBeenLastCalledWith({ kind: 'image-folder', root: '/data/folder', size: 32, classes: 3, perClass: 12 });
      expect(s.start().attributes('disabled')).toBeUndefined();
    });

    it('OFA: a MAC budget (millions per image) is validated and sent; spaces without a cost model have no budget field', async () => {
      const s = setup();
      await s.w.get('#f-estimator').setValue('supernet');
      expect(s.w.find('#f-sn-maxMacs').exists()).toBe(false); // NAS-Bench-201: every path costs the same
      await s.w.get('#f-space').setValue('ofa');
      for (const bad of ['abc', '0', '-2', '1e9', '1,5']) {
        await s.w.get('#f-sn-maxMacs').setValue(bad);
        expect(s.error('supernet.maxMacs'), bad).toMatch(/MAC budget must/);
        expect(s.w.get('#f-sn-maxMacs').attributes('aria-invalid')).toBe('true');
        expect(s.start().attributes('disabled')).toBeDefined();
      }
      await s.w.get('#f-sn-maxMacs').setValue('0.9');
      expect(s.error('supernet.maxMacs')).toBe('');
      await s.w.get('form').trigger('submit');
      const [[options]] = s.w.emitted('supernet')!;
      expect(options).toMatchObject({ space: 'ofa', maxMacs: 0.9 });
      // Left empty: no budget at all (not 0, not the default of another space).
      await s.w.get('#f-sn-maxMacs').setValue('');
      await s.w.get('form').trigger('submit');
      expect(s.w.emitted('supernet')![1][0].maxMacs).toBeUndefined();
    });
  });
});

describe('SearchForm polish (#15 item 7)', () => {
  it('refuses out-of-range agent values such as a replay batch of 1e9', async () => {
    const s = setup();
    await s.w.get('#f-batchSize').setValue('1e9');
    expect(s.error('agent.batchSize')).toMatch(/at most 65,536/);
  });

  it('asks before a new preset overwrites edited agent fields', async () => {
    const s = setup();
    await s.w.get('#f-tau').setValue('0.7');
    await s.w.get('#f-preset').setValue('nb201');
    expect(s.w.get('[data-preset-ask]').text()).toMatch(/replaces your edits of τ/);
    expect((s.w.get('#f-tau').element as HTMLInputElement).value).toBe('0.7');
    await s.w.get('[data-action="preset-keep"]').trigger('click');
    expect(s.w.find('[data-preset-ask]').exists()).toBe(false);
    expect((s.w.get('#f-tau').element as HTMLInputElement).value).toBe('0.7');
    await s.w.get('#f-preset').setValue('nb201');
    await s.w.get('[data-action="preset-replace"]').trigger('click');
    expect((s.w.get('#f-topK').element as HTMLInputElement).value).toBe('64');
    expect((s.w.get('#f-tau').element as HTMLInputElement).value).not.toBe('0.7');
  });

  it('shows a refused start beside Start and re-checks the table', async () => {
    const checkTable = vi.fn(async () => TABLE);
    const w = mount(SearchForm, { props: { checkTable } });
    await w.get('#f-benchmark').setValue('/data/t.csv');
    await w.get('[data-action="check"]').trigger('click');
    await flushPromises();
    expect(checkTable).toHaveBeenCalledTimes(1);
    await w.setProps({ startError: 'The search did not start: /data/t.csv: no such file or folder' });
    await flushPromises();
    expect(w.get('.form-actions [data-start-error]').text()).toContain('no such file');
    expect(checkTable).toHaveBeenCalledTimes(2);
  });
});
