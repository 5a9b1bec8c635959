// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import FileField from '../../src-renderer/components/FileField.vue';

/**
 * The search form's file field (benchmark table, dataset, checkpoint): the path box is wired to
 * the label and the error line, Browse… shows only when the shell can pick files, the check
 * button is disabled while empty, running or impossible, and leaving the box or pressing the
 * button asks for a check.
 */
function mountField(props: Record<string, unknown> = {}) {
  return mount(FileField, {
    props: { id: 'f-data', name: 'data', errorKey: 'data.files', checkAction: 'check-data', checkLabel: 'Check data', busyLabel: 'Reading…', modelValue: '', ...props },
    slots: { label: 'Data file(s)', default: '<p class="ok" data-ok>3 images</p>' },
  });
}

describe('FileField', () => {
  it('labels the box, ties it to its error line and shows the ok slot', () => {
    const w = mountField({ error: 'data.csv line 3: expected 2 columns', multiline: true });
    expect(w.get('label').attributes('for')).toBe('f-data');
    expect(w.get('label').text()).toBe('Data file(s)');
    const box = w.get('textarea#f-data');
    expect(box.attributes('aria-invalid')).toBe('true');
    expect(box.attributes('aria-describedby')).toBe('e-data');
    expect(w.get('#e-data').attributes('data-error')).toBe('data.files');
    expect(w.get('#e-data').text()).toBe('data.csv line 3: expected 2 columns');
    expect(w.find('[data-ok]').text()).toBe('3 images');
  });

  it('a one-line box when not multiline; no error: aria-invalid false', () => {
    const w = mountField({ placeholder: 'none' });
    expect(w.find('textarea').exists()).toBe(false);
    expect(w.get('input#f-data').attributes('placeholder')).toBe('none');
    expect(w.get('input#f-data').attributes('aria-invalid')).toBe('false');
  });

  it('the check button: disabled while empty, busy or impossible; its label while running', async () => {
    const w = mountField();
    const button = () => w.get('[data-action="check-data"]');
    expect(button().attributes('disabled')).toBeDefined();
    await w.setProps({ modelValue: '  /data/a.csv ' });
    expect(button().attributes('disabled')).toBeUndefined();
    expect(button().text()).toBe('Check data');
    await w.setProps({ busy: true });
    expect(button().attributes('disabled')).toBeDefined();
    expect(button().text()).toBe('Reading…');
    await w.setProps({ busy: false, checkDisabled: true });
    expect(button().attributes('disabled')).toBeDefined();
  });

  it('typing updates the model; leaving the box, the check button and Browse… emit', async () => {
    const w = mountField({ canBrowse: true });
    await w.get('#f-data').setValue('/data/b.csv');
    expect(w.emitted('update:modelValue')?.at(-1)).toEqual(['/data/b.csv']);
    await w.setProps({ modelValue: '/data/b.csv' });
    await w.get('#f-data').trigger('blur');
    await w.get('[data-action="check-data"]').trigger('click');
    expect(w.emitted('check')).toHaveLength(2);
    const browse = w.findAll('button').find((b) => b.text() === 'Browse…');
    await browse!.trigger('click');
    expect(w.emitted('browse')).toHaveLength(1);
  });

  it('no Browse… when the shell cannot pick files', () => {
    expect(mountField().findAll('button').map((b) => b.text())).toEqual(['Check data']);
  });
});
