import { PRESET_NAMES, type PresetName } from '../../src-main/contracts/agent-config';
import type { DatasetSpec } from '../../src-main/contracts/dataset';
import type { RunConfig } from '../../src-main/contracts/run';
import { agentTextOf, defaultPresetFor, initialForm, type DatasetChoice, type SearchFormState } from './search-form';

/**
 * "New search from this run" (#15 item 2): the form filled from a run's config.json — space,
 * estimator, table files or dataset, metric, reported columns, method, preset, steps, seed and
 * every agent value as the run used them (overrides included), so Start repeats it or a small
 * edit varies it. The table still has to be checked again (the form re-checks it on open).
 */
export function formFromConfig(config: RunConfig): SearchFormState {
  const form = initialForm(config.space);
  form.estimator = config.estimator.kind;
  form.method = config.method;
  form.preset = (PRESET_NAMES as readonly string[]).includes(config.preset) ? (config.preset as PresetName) : defaultPresetFor(config.space);
  form.agent = agentTextOf(config.agent);
  form.steps = String(config.steps);
  form.seed = String(config.seed);
  const est = config.estimator;
  if (est.kind === 'table') {
    form.benchmark = est.files.join('\n');
    form.metric = est.metric;
    form.report = [...est.report];
  } else {
    const { dataset, files, classes, imageSize = '', perClass = '' } = datasetFields(est.dataset);
    form.supernet = { dataset, files, classes, imageSize, perClass, epochs: est.pretrained && est.epochs === 0 ? '' : String(est.epochs), C: String(est.C), N: String(est.N), batchSize: String(est.batchSize), trainImages: String(est.trainImages), randomArchitectures: est.randomArchitectures === undefined ? '' : String(est.randomArchitectures), maxMacs: est.maxMacs === undefined ? '' : String(est.maxMacs), checkpoint: est.pretrained?.file ?? '', backend: config.backend, sampling: est.sampling ?? 'uniform' };
  }
  return form;
}

function datasetFields(d: DatasetSpec): { dataset: DatasetChoice; files: string; classes: string; imageSize?: string; perClass?: string } {
  switch (d.kind) {
    case 'mnist-embedded':
      return { dataset: 'mnist-embedded', files: '', classes: '' };
    case 'idx':
      return { dataset: 'idx', files: `${d.images}\n${d.labels}`, classes: '' };
    case 'cifar10':
    case 'cifar100':
      return { dataset: d.kind, files: d.files.join('\n'), classes: '' };
    case 'imagenet-downsampled':
      return { dataset: d.size === 16 ? 'imagenet16' : 'imagenet32', files: d.files.join('\n'), classes: d.classes ? String(d.classes) : '' };
    case 'image-folder':
      return { dataset: 'image-folder', files: d.root, classes: d.classes ? String(d.classes) : '', imageSize: String(d.size), perClass: d.perClass ? String(d.perClass) : '' };
  }
}
