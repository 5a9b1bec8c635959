import { AgentConfigSchema, PRESET_NAMES, type AgentConfig, type PresetName } from '../../src-main/contracts/agent-config';
import type { StartSearchRequest, TableCheck } from '../../src-main/contracts/studio-api';
import { PRESETS } from '../../src-main/core/agent/presets';

export type SpaceChoice = 'nb201' | 'darts' | 'ofa';
export type MethodChoice = StartSearchRequest['method'];
/** Where query accuracies come from: a benchmark table file, or a supernet trained first. */
export type EstimatorChoice = 'table' | 'supernet';
export type AgentKey = keyof AgentConfig;

/** One editable agent hyperparameter (PRODUCT.md §1), with the unit the form shows. */
export interface AgentField {
  key: AgentKey;
  label: string;
  unit: string;
}

/** Every agent hyperparameter the form edits, in PRODUCT.md §1 order. */
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
];

export const DEDUPE_CHOICES = AgentConfigSchema.shape.dedupe.options;

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
}

/** The preset a space starts with (paper §4; the tuned variant where the paper's is known to fail). */
export function defaultPresetFor(space: SpaceChoice): PresetName {
  return space === 'nb201' ? 'nb201-tuned' : space;
}

export function agentTextOf(preset: PresetName): Record<AgentKey, string> {
  const p = PRESETS[preset];
  const out = {} as Record<AgentKey, string>;
  for (const f of AGENT_FIELDS) out[f.key] = String(p[f.key]);
  return out;
}

export function initialForm(space: SpaceChoice = 'nb201'): SearchFormState {
  const preset = defaultPresetFor(space);
  return {
    space, estimator: 'table', method: 'l2nas', preset, benchmark: '', metric: '', report: [],
    steps: String(PRESETS[preset].steps), seed: '0', agent: agentTextOf(preset),
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
export function validateForm(form: SearchFormState, table: TableCheck | null): Partial<Record<string, string>> {
  const errors: Partial<Record<string, string>> = {};
  const steps = integerIn(form.steps, 1, 1_000_000, 'Steps');
  if (steps) errors.steps = steps;
  const seed = integerIn(form.seed, 0, 2 ** 31, 'Seed');
  if (seed) errors.seed = seed;
  if (form.space !== 'nb201') {
    errors.space = form.estimator === 'table'
      ? 'Benchmark tables exist for NAS-Bench-201 only: the DARTS and OFA spaces are too large to tabulate and need a supernet'
      : 'Supernets exist for the NAS-Bench-201 space only so far (DARTS and OFA supernets are not available yet)';
  } else if (form.estimator === 'table') {
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
