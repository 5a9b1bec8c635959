import type { SpaceId } from '../../src-main/common/spaces/space';
import { AgentConfigSchema, PRESET_NAMES, type AgentConfig, type PresetName } from '../../src-main/contracts/agent-config';
import { DATASET_MAX_CLASSES, IMAGE_FOLDER_SIZE, type DatasetCheck, type DatasetSpec } from '../../src-main/contracts/dataset';
import { MAX_MACS_LIMIT, SEARCH_STEPS_MAX, SEED_MAX, type SupernetSampling } from '../../src-main/contracts/run';
import type { RunSummary, StartSearchRequest, SupernetCheckpointCheck, SupernetSearchOptions, TableCheck } from '../../src-main/contracts/studio-api';
import { SUPERNET_SPECS } from '../../src-main/common/supernets';
import { isPresetName, PRESETS } from '../../src-main/common/presets';

export type SpaceChoice = SpaceId;
export type MethodChoice = StartSearchRequest['method'];
/** Where query accuracies come from: a benchmark table file, or a supernet trained first. */
export type EstimatorChoice = 'table' | 'supernet';
export type AgentKey = keyof AgentConfig;

/** One editable agent hyperparameter (paper §2 and §4), with the unit the form shows. */
export interface AgentField {
  key: AgentKey;
  label: string;
  unit: string;
}

/** Every agent hyperparameter the form edits, in the order of contracts/agent-config.ts. */
export const AGENT_FIELDS: readonly AgentField[] = [
  { key: 'topK', label: 'K (top-K state)', unit: 'architectures' },
  { key: 'tau', label: 'τ (check-loss quantile)', unit: '0 < τ < 1' },
  { key: 'batchSize', label: '|B_R| (replay batch)', unit: 'transitions' },
  { key: 'xi', label: 'ξ (action noise half-width)', unit: 'α units' },
  { key: 'cMax', label: 'C_max (updates per step)', unit: 'batches' },
  { key: 'epsilonStart', label: 'ε start', unit: 'probability' },
  { key: 'epsilonEnd', label: 'ε end', unit: 'probability' },
  { key: 'epsilonDecaySteps', label: 'ε cosine decay', unit: 'steps' },
  { key: 'warmupSteps', label: 'W (random warm-up)', unit: 'steps' },
  { key: 'bufferSize', label: 'Replay buffer', unit: 'transitions (0 = all)' },
  { key: 'hidden', label: 'Hidden units', unit: 'per layer' },
  { key: 'hiddenLayers', label: 'Hidden layers', unit: 'layers' },
  { key: 'actorLr', label: 'Actor learning rate', unit: 'per Adam step' },
  { key: 'criticLr', label: 'Critic learning rate', unit: 'per Adam step' },
  { key: 'beta1', label: 'Adam β₁', unit: '0 ≤ β < 1' },
  { key: 'beta2', label: 'Adam β₂', unit: '0 ≤ β < 1' },
  { key: 'dedupe', label: 'Repeated architectures', unit: '' },
  { key: 'screen', label: 'Critic-screened parents', unit: 'top architectures (0 = off)' },
];

export const DEDUPE_CHOICES = AgentConfigSchema.shape.dedupe.options;

/** Datasets a supernet can train on (docs/ARCHITECTURE.md, "Estimators"), as the form offers them. */
export const DATASET_CHOICES = [
  { kind: 'mnist-embedded', label: 'MNIST digits (embedded, no files)', files: '' },
  { kind: 'idx', label: 'MNIST / Fashion-MNIST IDX files', files: 'images file, then labels file (raw or .gz)' },
  { kind: 'cifar10', label: 'CIFAR-10 (binary batches)', files: 'data_batch_*.bin files' },
  { kind: 'cifar100', label: 'CIFAR-100 (binary)', files: 'train.bin' },
  { kind: 'imagenet16', label: 'Downsampled ImageNet 16×16', files: 'train_data_batch_* files' },
  { kind: 'imagenet32', label: 'Downsampled ImageNet 32×32', files: 'train_data_batch_* files' },
  { kind: 'image-folder', label: 'Image folder (class sub-folders of JPEG/PNG)', files: 'the folder (one path)' },
] as const;

/** Dataset kinds whose first-N-classes setting the form shows. */
export const CLASS_LIMITED_DATASETS: readonly DatasetChoice[] = ['imagenet16', 'imagenet32', 'image-folder'];
export type DatasetChoice = (typeof DATASET_CHOICES)[number]['kind'];

/** Supernet settings as typed; an empty field means the space's demo default. */
export interface SupernetFormState {
  dataset: DatasetChoice;
  /** Dataset files, one path per line. */
  files: string;
  classes: string;
  /** Image folder: side of the centre crop (px) and images kept per class. */
  imageSize: string;
  perClass: string;
  epochs: string;
  C: string;
  N: string;
  batchSize: string;
  trainImages: string;
  /** Random architectures queried after the search, for comparison (empty: the space's default). */
  randomArchitectures: string;
  /** MAC budget, millions per image (supernets with a cost model only; empty: no budget). */
  maxMacs: string;
  /** A PyTorch checkpoint of the supernet on the server (supernets that load them: OFA), searched instead of one trained here; empty: none. */
  checkpoint: string;
  /** 'auto' or one of BACKEND_IDS. */
  backend: string;
  /** How training samples paths (the spec's `samplings`; its first, uniform, is the default and not sent). */
  sampling: SupernetSampling;
}

/** What each supernet sampling does, as the form's choice says it (contracts/run.ts SUPERNET_SAMPLINGS). */
export const SAMPLING_LABELS: Readonly<Record<SupernetSampling, string>> = {
  uniform: 'Uniform: every step trains one random subnet (single-path, paper §2.1)',
  'progressive-shrinking': "Progressive shrinking: the largest network first, then elastic kernel, depth and expand ratio over growing choice sets (OFA's schedule)",
};

/** The samplings the form offers for a space: the choice is shown only where there is more than one. */
export function samplingChoices(space: SpaceChoice): readonly SupernetSampling[] {
  return SUPERNET_SPECS[space].samplings;
}

/** The sampling to send: none for the spec's default or one the supernet does not offer (the choice is hidden then). */
function samplingOf(form: SearchFormState): SupernetSampling | undefined {
  const choices = samplingChoices(form.space);
  return choices.includes(form.supernet.sampling) && form.supernet.sampling !== choices[0] ? form.supernet.sampling : undefined;
}

export const SUPERNET_FIELDS = [
  { key: 'epochs', label: 'Epochs', unit: 'passes over the training half', min: 1, max: 1000 },
  { key: 'C', label: 'Channels C', unit: 'first stage; OFA: width multiplier in %', min: 1, max: 256 },
  { key: 'N', label: 'Cells N', unit: 'NB201: per stage; DARTS: in all; OFA: stride-2 steps', min: 1, max: 20 },
  { key: 'batchSize', label: 'Batch size', unit: 'images', min: 2, max: 1024 },
  { key: 'trainImages', label: 'Training images', unit: 'of the training half', min: 64, max: 10_000_000 },
  { key: 'randomArchitectures', label: 'Random architectures', unit: 'queried after the search on the same supernet, for comparison', min: 1, max: 10_000 },
] as const;

export function datasetFiles(f: Pick<SupernetFormState, 'files'>): string[] {
  return f.files.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** The dataset spec of the form, or the reason there is none yet. */
export function datasetSpecOf(f: Pick<SupernetFormState, 'dataset' | 'files' | 'classes' | 'imageSize' | 'perClass'>): DatasetSpec | string {
  const files = datasetFiles(f);
  switch (f.dataset) {
    case 'mnist-embedded':
      return { kind: 'mnist-embedded' };
    case 'idx':
      return files.length === 2 ? { kind: 'idx', images: files[0], labels: files[1] } : 'Give two files: the images IDX file, then the labels IDX file';
    case 'cifar10':
    case 'cifar100':
      return files.length ? { kind: f.dataset, files } : 'Give the binary batch file(s)';
    case 'imagenet16':
    case 'imagenet32': {
      if (!files.length) return 'Give the batch file(s)';
      const classes = f.classes.trim() ? Number(f.classes) : undefined;
      return { kind: 'imagenet-downsampled', files, size: f.dataset === 'imagenet16' ? 16 : 32, ...(classes ? { classes } : {}) };
    }
    case 'image-folder': {
      if (files.length !== 1) return 'Give one folder: it holds one sub-folder of JPEG/PNG images per class';
      if (!f.imageSize.trim()) return 'Give the image size: the side of the centre crop in pixels (e.g. 32)';
      const classes = f.classes.trim() ? Number(f.classes) : undefined;
      const perClass = f.perClass.trim() ? Number(f.perClass) : undefined;
      return { kind: 'image-folder', root: files[0], size: Number(f.imageSize), ...(classes ? { classes } : {}), ...(perClass ? { perClass } : {}) };
    }
  }
}

/** The form as the user typed it: numbers stay text until validated, so a bad entry can be named. */
export interface SearchFormState {
  space: SpaceChoice;
  estimator: EstimatorChoice;
  method: MethodChoice;
  preset: PresetName;
  /** Benchmark table paths (one per line in the form; joined on `arch`). */
  benchmark: string;
  metric: string;
  report: string[];
  steps: string;
  seed: string;
  agent: Record<AgentKey, string>;
  supernet: SupernetFormState;
}

/** The preset a space starts with (paper §4; the tuned variant where the paper's is known to fail). */
export function defaultPresetFor(space: SpaceChoice): PresetName {
  return space === 'nb201' ? 'nb201-tuned' : space;
}

export function agentTextOf(preset: PresetName | AgentConfig): Record<AgentKey, string> {
  const p = typeof preset === 'string' ? PRESETS[preset] : preset;
  const out = {} as Record<AgentKey, string>;
  for (const f of AGENT_FIELDS) out[f.key] = String(p[f.key] ?? 0); // `screen` is absent (off) in most presets
  return out;
}

/**
 * Settings for the chosen space and estimator: table searches start from the space's preset;
 * supernet searches (short runs) from the supernet's search agent, with its default step count.
 */
export function applySpaceDefaults(form: SearchFormState): void {
  if (form.estimator === 'supernet') {
    const spec = SUPERNET_SPECS[form.space];
    const { preset, agent } = spec.searchAgent(spec.defaults.steps);
    form.preset = preset;
    form.agent = agentTextOf(agent);
    form.steps = String(spec.defaults.steps);
  } else applyPreset(form, defaultPresetFor(form.space));
}

/** The agent settings as typed (call after validateForm found no agent errors). */
export function agentConfigOf(form: SearchFormState): AgentConfig {
  const out: Record<string, unknown> = {};
  for (const f of AGENT_FIELDS) out[f.key] = agentValue(f.key, form.agent[f.key]);
  return AgentConfigSchema.parse(out);
}

export function initialForm(space: SpaceChoice = 'nb201'): SearchFormState {
  const preset = defaultPresetFor(space);
  return {
    space, estimator: 'table', method: 'l2nas', preset, benchmark: '', metric: '', report: [],
    steps: String(PRESETS[preset].steps), seed: '0', agent: agentTextOf(preset),
    supernet: { dataset: 'mnist-embedded', files: '', classes: '', imageSize: '', perClass: '', epochs: '', C: '', N: '', batchSize: '', trainImages: '', randomArchitectures: '', maxMacs: '', checkpoint: '', backend: 'auto', sampling: 'uniform' },
  };
}

/** Applies a preset: every agent field and the step count take the preset's values. */
export function applyPreset(form: SearchFormState, preset: PresetName): void {
  form.preset = preset;
  form.agent = agentTextOf(preset);
  form.steps = String(PRESETS[preset].steps);
}

export const PRESET_CHOICES = PRESET_NAMES;

export function benchmarkFiles(form: SearchFormState): string[] {
  return form.benchmark.split('\n').map((s) => s.trim()).filter(Boolean);
}

function integerIn(text: string, min: number, max: number, what: string): string | null {
  if (!/^\s*-?\d+\s*$/.test(text)) return `${what} must be a whole number`;
  const n = Number(text);
  if (n < min || n > max) return `${what} must be between ${min} and ${max}`;
  return null;
}

/** The value of an agent field as typed, parsed to its type (numbers; dedupe stays text). */
function agentValue(key: AgentKey, text: string): unknown {
  if (key === 'dedupe') return text;
  const t = text.trim();
  return t === '' ? NaN : Number(t);
}

/**
 * Validates the form field by field (field name → message); empty means Start may be pressed.
 * Agent fields are checked with the same schema the run's config.json is checked with.
 */
export function validateForm(form: SearchFormState, table: TableCheck | null, dataset: DatasetCheck | null = null, checkpoint: SupernetCheckpointCheck | null = null): Partial<Record<string, string>> {
  const errors: Partial<Record<string, string>> = {};
  const steps = form.estimator === 'supernet' && !form.steps.trim() ? null : integerIn(form.steps, 1, SEARCH_STEPS_MAX, 'Steps');
  if (steps) errors.steps = steps;
  const seed = integerIn(form.seed, 0, SEED_MAX, 'Seed');
  if (seed) errors.seed = seed;
  if (form.estimator === 'supernet') {
    validateSupernet(form, dataset, errors, checkpoint);
  } else if (form.space !== 'nb201') {
    errors.space = 'Benchmark tables exist for NAS-Bench-201 only: the DARTS and OFA spaces are too large to tabulate — choose the supernet estimator';
  } else {
    if (benchmarkFiles(form).length === 0) errors.benchmark = 'Give at least one benchmark table file (CSV with index,arch,… columns)';
    else if (!table) errors.benchmark = 'Check the file first: it is read exactly as the search will read it';
    if (!form.metric) errors.metric = 'Pick the column to search on';
    else if (table && !table.columns.includes(form.metric)) errors.metric = `The table has no column "${form.metric}"`;
  }
  for (const f of AGENT_FIELDS) {
    const v = agentValue(f.key, form.agent[f.key]);
    if (typeof v === 'number' && Number.isNaN(v)) {
      errors[`agent.${f.key}`] = `${f.label}: not a number`;
      continue;
    }
    const r = AgentConfigSchema.shape[f.key].safeParse(v);
    if (!r.success) errors[`agent.${f.key}`] = `${f.label}: ${r.error.issues[0].message}`;
  }
  if (!errors['agent.epsilonStart'] && !errors['agent.epsilonEnd'] && Number(form.agent.epsilonEnd) > Number(form.agent.epsilonStart)) {
    errors['agent.epsilonEnd'] = 'ε end must not exceed ε start';
  }
  return errors;
}

function validateSupernet(form: SearchFormState, dataset: DatasetCheck | null, errors: Partial<Record<string, string>>, checkpoint: SupernetCheckpointCheck | null): void {
  const f = form.supernet;
  for (const field of SUPERNET_FIELDS) {
    const text = f[field.key];
    if (!text.trim()) continue; // the space's default
    const e = integerIn(text, field.min, field.max, field.label);
    if (e) errors[`supernet.${field.key}`] = e;
  }
  if (!errors['supernet.C'] && !errors['supernet.N']) {
    const spec = SUPERNET_SPECS[form.space];
    const C = f.C.trim() ? Number(f.C) : spec.defaults.C, N = f.N.trim() ? Number(f.N) : spec.defaults.N;
    const badC = spec.check({ C, N: spec.defaults.N }), badN = spec.check({ C: spec.defaults.C, N });
    if (badC) errors['supernet.C'] = badC;
    else if (badN) errors['supernet.N'] = badN;
  }
  if (SUPERNET_SPECS[form.space].macBudget && f.maxMacs.trim()) {
    const t = f.maxMacs.trim();
    const v = Number(t);
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(t) || !Number.isFinite(v)) errors['supernet.maxMacs'] = 'MAC budget must be a number of millions, e.g. 0.9';
    else if (v <= 0 || v > MAX_MACS_LIMIT) errors['supernet.maxMacs'] = `MAC budget must be above 0 and at most ${MAX_MACS_LIMIT.toLocaleString('en-US')} million`;
  }
  if (f.dataset === 'image-folder') {
    const size = f.imageSize.trim() ? integerIn(f.imageSize, IMAGE_FOLDER_SIZE.min, IMAGE_FOLDER_SIZE.max, 'Image size') : null;
    if (size) errors['supernet.imageSize'] = size;
    const per = f.perClass.trim() ? integerIn(f.perClass, 1, 1_000_000, 'Images per class') : null;
    if (per) errors['supernet.perClass'] = per;
  }
  if (CLASS_LIMITED_DATASETS.includes(f.dataset) && f.classes.trim()) {
    const e = integerIn(f.classes, 2, DATASET_MAX_CLASSES, 'Classes');
    if (e) errors['supernet.classes'] = e;
  }
  if (usesCheckpoint(form)) checkCheckpointFits(form, dataset, checkpoint, errors);
  const spec = datasetSpecOf(f);
  if (typeof spec === 'string') errors['supernet.files'] = spec;
  else if (f.dataset !== 'mnist-embedded' && !dataset) errors['supernet.files'] = 'Check the dataset first: its files are read exactly as training will read them';
}

/** Whether the form loads a supernet checkpoint (a path given, for a supernet that loads them). */
export function usesCheckpoint(form: SearchFormState): boolean {
  return form.estimator === 'supernet' && SUPERNET_SPECS[form.space].loadsCheckpoints && form.supernet.checkpoint.trim() !== '';
}

/**
 * A checkpoint must have been read (the server's check, as the search will load it) and fit the
 * supernet the form describes: its width C, and the dataset's classes and channels once known
 * (the server checks every tensor again at Start).
 */
function checkCheckpointFits(form: SearchFormState, dataset: DatasetCheck | null, ck: SupernetCheckpointCheck | null, errors: Partial<Record<string, string>>): void {
  if (!ck) {
    errors['supernet.checkpoint'] = 'Check the checkpoint first: it is read exactly as the search will load it';
    return;
  }
  const f = form.supernet;
  const C = f.C.trim() ? Number(f.C) : SUPERNET_SPECS[form.space].defaults.C;
  if (!errors['supernet.C'] && !ck.widths.includes(C)) errors['supernet.C'] = `The checkpoint's widths are those of C = ${ck.widths.join(' or ')} (w${(ck.widths[0] / 100).toFixed(2).replace(/0$/, '')}); set Channels C to ${ck.widths[0]}`;
  const data = f.dataset === 'mnist-embedded' ? { classes: 10, channels: 1 } : dataset;
  if (data && data.classes !== ck.classes) errors['supernet.checkpoint'] = `The checkpoint's classifier has ${ck.classes} classes; the dataset has ${data.classes}`;
  else if (data && data.channels !== ck.inChannels) errors['supernet.checkpoint'] = `The checkpoint's first conv takes ${ck.inChannels} input channel(s); the dataset's images have ${data.channels}`;
}

/** The supernet search the form describes (fields left empty take the space's demo defaults). */
export function toSupernetOptions(form: SearchFormState): SupernetSearchOptions {
  const spec = datasetSpecOf(form.supernet);
  if (typeof spec === 'string') throw new Error(spec);
  const n = (t: string) => (t.trim() ? Number(t) : undefined);
  const f = form.supernet;
  return {
    space: form.space, dataset: spec, method: form.method,
    epochs: n(f.epochs), steps: n(form.steps), C: n(f.C), N: n(f.N), batchSize: n(f.batchSize), trainImages: n(f.trainImages), randomArchitectures: n(f.randomArchitectures),
    ...(usesCheckpoint(form) ? { supernetCheckpoint: f.checkpoint.trim() } : {}),
    ...(SUPERNET_SPECS[form.space].macBudget && f.maxMacs.trim() ? { maxMacs: Number(f.maxMacs) } : {}),
    ...(samplingOf(form) ? { sampling: samplingOf(form) } : {}),
    agent: { preset: form.preset, config: agentConfigOf(form) },
    ...(f.backend !== 'auto' ? { backend: f.backend as SupernetSearchOptions['backend'] } : {}),
  };
}

/** Agent values that differ from the preset: sent as overrides, so config.json records the preset plus changes. */
export function agentOverrides(form: SearchFormState): Record<string, number | string> {
  const base = agentTextOf(form.preset);
  const out: Record<string, number | string> = {};
  for (const f of AGENT_FIELDS) {
    if (form.agent[f.key].trim() === base[f.key]) continue;
    const v = agentValue(f.key, form.agent[f.key]);
    out[f.key] = v as number | string;
  }
  return out;
}

/** The validated form as the API's start request (table estimator). */
export function toStartRequest(form: SearchFormState): StartSearchRequest {
  if (form.space !== 'nb201') throw new Error(`no table search in the ${form.space} space`);
  return {
    space: form.space,
    method: form.method,
    preset: form.preset,
    benchmark: benchmarkFiles(form),
    metric: form.metric,
    report: form.report.filter((r) => r !== form.metric),
    steps: Number(form.steps),
    seed: Number(form.seed),
    overrides: agentOverrides(form),
  };
}

// --- Start from the policy of a run (issue #12) ----------------------------------------------
// Kept apart from the rest of the form: the choice is its own value beside the form state.

/**
 * Runs whose policy can start the search the form describes: L²NAS runs of the same space that
 * have learned something (ended, or paused with a checkpoint), whose preset's networks have the
 * form's shape (the server checks the run's actual networks again when the search starts).
 */
export function compatiblePolicyRuns(runs: readonly RunSummary[], form: SearchFormState): RunSummary[] {
  if (form.method !== 'l2nas') return [];
  const hidden = form.agent.hidden.trim(), layers = form.agent.hiddenLayers.trim();
  return runs.filter((r) => {
    if (r.space !== form.space || r.method !== 'l2nas' || r.stepsDone === 0) return false;
    if (r.status !== 'completed' && r.status !== 'cancelled' && r.status !== 'paused') return false;
    const p = isPresetName(r.preset) ? PRESETS[r.preset] : undefined;
    return !p || (String(p.hidden) === hidden && String(p.hiddenLayers) === layers);
  });
}

/** The request with the chosen policy run ('' or a run no longer listed: none). */
export function withPolicyRun<T extends StartSearchRequest | SupernetSearchOptions>(req: T, policyRun: string, compatible: readonly RunSummary[]): T {
  return policyRun && compatible.some((r) => r.id === policyRun) ? { ...req, policyRun } : req;
}
// --- end of policy-run block ---

