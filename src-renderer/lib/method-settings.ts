import type { MethodId } from '../../src-main/contracts/ids';
import { RunConfigSchema, type RunConfig } from '../../src-main/contracts/run';
import type { MethodChoice } from './search-form';

/**
 * The baselines' own settings in the form (#15 item 5): REA's population and tournament sample
 * (Real et al. 2019), REINFORCE's learning rate and baseline momentum (Williams 1992), local
 * search's move rule (#14). Random search has none. Sent as `rea.*` / `reinforce.*` /
 * `local.move` overrides, which the run's config records.
 */
export interface MethodSettingsState {
  reaPopulation: string;
  reaSample: string;
  reinforceLr: string;
  reinforceBaseline: string;
  /** Local search: move to the first improving neighbour, or query every unseen neighbour and move to the best (contracts/run.ts `local.move`, CLI --local-move). */
  localMove: LocalMove;
}

export type LocalMove = NonNullable<RunConfig['local']>['move'];
/** The move rules, as the form offers them (the schema's order: first is the default). */
export const LOCAL_MOVES: readonly { value: LocalMove; label: string }[] = [
  { value: 'first', label: 'first improvement: move to the first better neighbour, in random order' },
  { value: 'best', label: 'best improvement: query every unseen neighbour, move to the best' },
];

/**
 * The engine's defaults (core/baselines: REA_DEFAULTS, REINFORCE_DEFAULTS). The renderer may not
 * import core, so they are repeated here; test/component/method-settings.test.ts keeps them equal.
 */
export const METHOD_DEFAULTS = { rea: { population: 10, sample: 3 }, reinforce: { lr: 0.01, baselineMomentum: 0.9 }, local: { move: 'first' } } as const;

export const METHOD_FIELDS = {
  rea: [
    { key: 'reaPopulation', error: 'rea.population', id: 'f-rea-population', label: 'Population P', unit: 'architectures kept' },
    { key: 'reaSample', error: 'rea.sample', id: 'f-rea-sample', label: 'Sample S', unit: 'tournament size (≤ P)' },
  ],
  reinforce: [
    { key: 'reinforceLr', error: 'reinforce.lr', id: 'f-reinforce-lr', label: 'Learning rate', unit: 'per policy step' },
    { key: 'reinforceBaseline', error: 'reinforce.baselineMomentum', id: 'f-reinforce-baseline', label: 'Baseline momentum', unit: '0 ≤ m < 1 (moving-average reward)' },
  ],
} as const satisfies Record<string, readonly { key: keyof MethodSettingsState; error: string; id: string; label: string; unit: string }[]>;

export function initialMethodSettings(c?: Pick<RunConfig, 'rea' | 'reinforce' | 'local'>): MethodSettingsState {
  const rea = c?.rea ?? METHOD_DEFAULTS.rea;
  const rf = c?.reinforce ?? METHOD_DEFAULTS.reinforce;
  return { reaPopulation: String(rea.population), reaSample: String(rea.sample), reinforceLr: String(rf.lr), reinforceBaseline: String(rf.baselineMomentum), localMove: c?.local?.move ?? METHOD_DEFAULTS.local.move };
}

/** Larger populations than this are refused in the form (the whole NAS-Bench-201 space is 15,625). */
export const REA_POPULATION_MAX = 100_000;

const REA = RunConfigSchema.shape.rea.shape;
const REINFORCE = RunConfigSchema.shape.reinforce.shape;

function num(text: string): number {
  const t = text.trim();
  return t === '' ? NaN : Number(t);
}

/** Field errors of the chosen method's settings (keys like "rea.population"); none for L²NAS and random search. */
export function validateMethodSettings(method: MethodChoice, s: MethodSettingsState): Partial<Record<string, string>> {
  const e: Partial<Record<string, string>> = {};
  const check = (key: string, label: string, text: string, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }) => {
    const v = num(text);
    if (Number.isNaN(v)) return void (e[key] = `${label}: not a number`);
    const r = schema.safeParse(v);
    if (!r.success) e[key] = `${label}: ${r.error!.issues[0].message}`;
  };
  if (method === 'rea') {
    check('rea.population', 'Population', s.reaPopulation, REA.population);
    check('rea.sample', 'Sample', s.reaSample, REA.sample);
    if (!e['rea.population'] && num(s.reaPopulation) > REA_POPULATION_MAX) e['rea.population'] = `Population: at most ${REA_POPULATION_MAX.toLocaleString('en')}`;
    if (!e['rea.population'] && !e['rea.sample'] && num(s.reaSample) > num(s.reaPopulation)) e['rea.sample'] = 'Sample: at most the population (a tournament draws from it)';
  } else if (method === 'reinforce') {
    check('reinforce.lr', 'Learning rate', s.reinforceLr, REINFORCE.lr);
    if (!e['reinforce.lr'] && num(s.reinforceLr) > 10) e['reinforce.lr'] = 'Learning rate: at most 10';
    check('reinforce.baselineMomentum', 'Baseline momentum', s.reinforceBaseline, REINFORCE.baselineMomentum);
  }
  return e;
}

/** The `rea.*` / `reinforce.*` / `local.move` overrides of the chosen method (only values that differ from the defaults). */
export function methodOverrides(method: MethodChoice, s: MethodSettingsState): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const put = (key: string, text: string, dflt: number) => {
    if (num(text) !== dflt) out[key] = num(text);
  };
  if (method === 'rea') {
    put('rea.population', s.reaPopulation, METHOD_DEFAULTS.rea.population);
    put('rea.sample', s.reaSample, METHOD_DEFAULTS.rea.sample);
  } else if (method === 'reinforce') {
    put('reinforce.lr', s.reinforceLr, METHOD_DEFAULTS.reinforce.lr);
    put('reinforce.baselineMomentum', s.reinforceBaseline, METHOD_DEFAULTS.reinforce.baselineMomentum);
  } else if (method === 'local' && s.localMove !== METHOD_DEFAULTS.local.move) {
    out['local.move'] = s.localMove;
  }
  return out;
}

/** What the form calls each method (contracts/ids.ts METHOD_IDS): a new id without a label is a compile error. */
export const METHOD_LABELS: Readonly<Record<MethodId, string>> = {
  l2nas: 'L²NAS',
  random: 'Random search',
  rea: 'Regularized evolution (REA)',
  reinforce: 'REINFORCE',
  local: 'Local search',
};
