import type { AgentConfig } from '../contracts/agent-config';
import type { BenchmarkTable } from '../core/estimators/estimator';
import { TableEstimator } from '../core/estimators/table-estimator';
import { getSpace } from '../common/spaces';
import type { SpaceId } from '../common/spaces/space';
import type { TableCheck } from '../contracts/studio-api';
import { loadBenchmarkTables } from './benchmark-csv';
import { AgentConfigSchema } from '../contracts/agent-config';
import { RUN_FORMAT_VERSION, RunConfigSchema, type RunConfig } from '../contracts/run';
import { isPresetName, presetReward, PRESETS, resolveAgentConfig } from '../common/presets';
import type { RewardKind } from '../common/rewards';
import type { PresetName } from '../contracts/agent-config';
import type { RewardConfig } from '../contracts/run';
import { REA_DEFAULTS } from '../core/baselines/regularized-evolution';
import { LOCAL_DEFAULTS, type LocalSearchOptions } from '../core/baselines/local-search';
import { REINFORCE_DEFAULTS } from '../core/baselines/reinforce';
import type { DatasetCheck, DatasetSpec } from '../contracts/dataset';
import type { AgentChoice } from '../contracts/agent-config';
import { OFA_CALIBRATION_IMAGES, SUPERNET_EVAL_BATCH_SIZE, supernetSpec, type SupernetSettings } from '../common/supernets';

import { COSTED_SUPERNETS, supernetCostModel } from '../core/supernet/cost-models';
import { UsageError } from './usage-error';
import { sha256OfTorchCheckpoint } from './torch-checkpoint';
import * as path from 'node:path';

export { UsageError };

export interface SearchOptionsInput {
  space: string;
  method: string;
  preset: string;
  benchmark: string[];
  metric?: string;
  report: string[];
  steps?: number;
  seed: number;
  set: string[];
  backend: string;
  /** Reward Eq. 7 with this Acc(Env) (implies Eq. 7). */
  accEnv?: number;
  /** The reward (default: the preset's, common/presets.ts presetReward). */
  reward?: string;
  /** Eq. 7 without a value: Acc(Env) is this column's maximum (default: the search metric's). */
  accEnvColumn?: string;
}

/**
 * The reward of a table search: the preset's (paper §4), Eq. 7 when an Acc(Env) is given; Eq. 7's
 * Acc(Env) is the given value or a column's maximum (filled in by settleTableReward).
 */
function tableRewardOf(o: SearchOptionsInput, preset: PresetName, metric: string): RewardConfig {
  const kind = rewardKindOf(o.reward, o.accEnv, preset);
  if (kind === 'eq3') {
    if (o.accEnvColumn !== undefined) throw new UsageError('--acc-env-column belongs to reward Eq. 7 (this run rewards with Eq. 3)');
    return { kind: 'eq3' };
  }
  if (o.accEnv !== undefined) {
    if (o.accEnvColumn !== undefined) throw new UsageError('give either --acc-env <percent> or --acc-env-column <column>, not both');
    return { kind: 'eq7', accEnv: o.accEnv, accEnvFrom: 'user' };
  }
  return { kind: 'eq7', accEnvFrom: 'table-max', column: o.accEnvColumn ?? metric };
}

/** The reward kind asked for: explicit, else Eq. 7 when an Acc(Env) is given, else the preset's. */
function rewardKindOf(asked: string | undefined, accEnv: number | undefined, preset: PresetName): RewardKind {
  if (asked !== undefined && asked !== 'eq3' && asked !== 'eq7') throw new UsageError(`unknown reward "${asked}" (choose eq3 or eq7)`);
  if (asked === 'eq3' && accEnv !== undefined) throw new UsageError('--acc-env belongs to reward Eq. 7, but --reward eq3 was asked for');
  return (asked as RewardKind | undefined) ?? (accEnv !== undefined ? 'eq7' : presetReward(preset));
}

/**
 * Records the Acc(Env) of a table run whose Eq. 7 takes a column's maximum, once the table is
 * read (before config.json is written): config.json then holds the value the rewards use.
 */
export function settleTableReward(config: RunConfig, table: BenchmarkTable): RunConfig {
  const r = config.reward;
  if (r.kind !== 'eq7' || r.accEnvFrom !== 'table-max' || r.accEnv !== undefined) return config;
  let accEnv: number;
  try {
    accEnv = columnMax(table, r.column ?? config.estimator.metric);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { ...config, reward: { ...r, accEnv } };
}

/** `--set key=value` overrides of agent (or `rea.`/`reinforce.`/`local.`) settings, typed by the schema. */
export function parseOverrides(pairs: readonly string[]): {
  agent: Partial<AgentConfig>;
  rea: Record<string, number>;
  reinforce: Record<string, number>;
  local?: LocalSearchOptions;
} {
  const agent: Record<string, unknown> = {};
  const rea: Record<string, number> = {};
  const reinforce: Record<string, number> = {};
  let local: LocalSearchOptions | undefined;
  const shape = AgentConfigSchema.shape as Record<string, unknown>;
  for (const pair of pairs) {
    const m = /^([A-Za-z.]+)=(.+)$/.exec(pair);
    if (!m) throw new UsageError(`--set expects key=value, got "${pair}"`);
    const [, key, raw] = m;
    const num = Number(raw);
    if (key.startsWith('local.')) {
      if (key !== 'local.move') throw new UsageError(`--set: unknown local search setting "${key}" (local.move=first|best)`);
      if (raw !== 'first' && raw !== 'best') throw new UsageError(`--set local.move: "${raw}" is not a move rule (choose first or best)`);
      local = { move: raw };
      continue;
    }
    if (key.startsWith('rea.') || key.startsWith('reinforce.')) {
      if (!Number.isFinite(num)) throw new UsageError(`--set ${key}: "${raw}" is not a number`);
      (key.startsWith('rea.') ? rea : reinforce)[key.slice(key.indexOf('.') + 1)] = num;
      continue;
    }
    if (!(key in shape)) {
      throw new UsageError(`--set: unknown setting "${key}" (agent settings: ${Object.keys(shape).join(', ')}; or rea.population, rea.sample, reinforce.lr, reinforce.baselineMomentum, local.move)`);
    }
    if (raw === 'true' || raw === 'false') agent[key] = raw === 'true';
    else if (Number.isFinite(num)) agent[key] = num;
    else agent[key] = raw; // an enum setting; the schema names the allowed values
  }
  return { agent: agent as Partial<AgentConfig>, rea, reinforce, ...(local ? { local } : {}) };
}

/** A candidate config.json, validated: the first problem becomes a UsageError naming the field. */
function validConfig(candidate: unknown): RunConfig {
  const parsed = RunConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UsageError(`invalid ${i.path.join('.') || 'config'}: ${i.message}`);
  }
  return parsed.data;
}
/** The largest value of a table column (Eq. 7's Acc(Env) of a table); an Error naming the column if absent. */
export function columnMax(table: BenchmarkTable, column: string): number {
  const i = table.columns.indexOf(column);
  if (i < 0) throw new Error(`Acc(Env) column "${column}" is not in ${table.sources.join(' + ')} (columns: ${table.columns.filter((c) => c !== 'index').join(', ')})`);
  let max = -Infinity;
  for (const row of table.rows.values()) if (row[i] > max) max = row[i];
  if (!(max > 0)) throw new Error(`Acc(Env) column "${column}" of ${table.sources.join(' + ')} has no positive value (max ${max})`);
  return max;
}

/** Table columns that are not metrics (checkBenchmarkTables leaves `index` out of the column list too). */
const NOT_METRICS = ['index', 'arch'];

/** Builds and validates the run's config.json from CLI-style options. */
export function runConfigFromOptions(o: SearchOptionsInput): RunConfig {
  if (!o.metric) throw new UsageError('--metric <column> is required: the benchmark column to search on');
  // NAS-Bench-201 tables number their rows in `index`: a number, but no accuracy to search on or report.
  for (const c of [o.metric, ...o.report]) {
    if (NOT_METRICS.includes(c)) throw new UsageError(`"${c}" is the table's ${c === 'arch' ? 'architecture' : 'row-number'} column, not an accuracy: choose an accuracy column for --metric and --report`);
  }
  if (!isPresetName(o.preset)) throw new UsageError(`unknown preset "${o.preset}" (choose one of ${Object.keys(PRESETS).join(', ')})`);
  const ov = parseOverrides(o.set);
  let agent: AgentConfig;
  try {
    agent = resolveAgentConfig(o.preset, ov.agent);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const candidate = {
    version: RUN_FORMAT_VERSION,
    space: o.space,
    method: o.method,
    preset: o.preset,
    agent,
    rea: { ...REA_DEFAULTS, ...ov.rea },
    reinforce: { ...REINFORCE_DEFAULTS, ...ov.reinforce },
    // Written for local-search runs (and when asked), so config.json says which move rule ran.
    ...(o.method === 'local' || ov.local ? { local: ov.local ?? LOCAL_DEFAULTS } : {}),
    reward: tableRewardOf(o, o.preset, o.metric),
    steps: o.steps ?? PRESETS[o.preset as keyof typeof PRESETS].steps,
    seed: o.seed,
    estimator: { kind: 'table', files: o.benchmark, metric: o.metric, report: o.report.filter((r) => r !== o.metric) },
    backend: o.backend,
    createdAt: new Date().toISOString(),
  };
  return validConfig(candidate);
}

/**
 * Loads the run's benchmark tables and checks the metric/report columns, before anything is
 * written: a bad file or column becomes an error naming it, and no run folder is left behind.
 */
export function loadCheckedTable(config: RunConfig, preloaded?: BenchmarkTable): BenchmarkTable {
  const est = tableEstimatorOf(config);
  const space = getSpace(config.space);
  const table = preloaded ?? loadBenchmarkTables(est.files, space); // preloaded: read off the event loop (serve)
  try {
    new TableEstimator(space, table, est.metric, est.report);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return table;
}

/** The `checkTable` call: reads the files exactly as a search would, and describes the table. */
export function checkBenchmarkTables(space: SpaceId, files: string[]): TableCheck {
  const table = loadBenchmarkTables(files, getSpace(space));
  if (table.rows.size === 0) throw new UsageError(`${files.join(' + ')}: no architecture has a row in every file`);
  // `index` is NAS-Bench-201's row number, not something to search on.
  return { rows: table.rows.size, columns: table.columns.filter((c) => c !== 'index'), files: [...table.sources] };
}

/** The table settings of a run (an error for runs on another estimator). */
export function tableEstimatorOf(config: RunConfig): Extract<RunConfig['estimator'], { kind: 'table' }> {
  if (config.estimator.kind !== 'table') throw new UsageError(`this run's estimator is a ${config.estimator.kind}, not a benchmark table`);
  return config.estimator;
}

export interface SupernetRunInput {
  space: string;
  dataset: DatasetSpec;
  method: string;
  seed: number;
  /** Unset settings take the supernet's defaults (common/supernets.ts). */
  settings?: Partial<SupernetSettings>;
  /** The agent and the preset it came from (default: the supernet's search agent). */
  agent?: AgentChoice;
  backend?: string;
  /** MAC budget, millions per image (supernets with a cost model: ofa). */
  maxMacs?: number;
  /** The reward (default: the preset's); Eq. 7's Acc(Env) is the supernet's unless given. */
  reward?: string;
  accEnv?: number;
  /** A PyTorch checkpoint of the supernet (ofa: OFA's published OFAMobileNetV3) searched instead of one trained here (unless epochs are given: then fine-tuned). */
  pretrained?: string;
  /** How batch norm runs in a query, and on how many training images it is recalibrated (default: the supernet's). */
  evalBatchNorm?: 'batch' | 'running' | 'recalibrate';
  calibrationImages?: number;
  /** How errors name the settings: the CLI's flags (default) or the Studio API's fields. */
  names?: 'cli' | 'api';
}

/**
 * Builds and validates the config.json of a supernet search (the offline demo is one with every
 * default): the supernet's settings, its evaluation batches, the agent it is searched with.
 */
export function supernetRunConfig(o: SupernetRunInput): RunConfig {
  let spec;
  try {
    spec = supernetSpec(o.space);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const given = Object.fromEntries(Object.entries(o.settings ?? {}).filter(([, v]) => v !== undefined)) as Partial<SupernetSettings>;
  const s: SupernetSettings = { ...spec.defaults, ...given };
  let pretrained: { file: string; sha256: string } | undefined;
  if (o.pretrained !== undefined) {
    if (!spec.loadsCheckpoints) throw new UsageError(`--supernet-checkpoint: the ${spec.id} supernet cannot load PyTorch checkpoints (only: ofa)`);
    const file = path.resolve(o.pretrained);
    pretrained = { file, sha256: sha256OfTorchCheckpoint(file) };
    // A loaded supernet is searched as it is, unless training epochs are asked for (fine-tuning).
    if (given.epochs === undefined) s.epochs = 0;
  }
  const evalBatchNorm = o.evalBatchNorm ?? (pretrained && spec.evalBatchNorm === 'batch' ? 'running' : spec.evalBatchNorm);
  if (evalBatchNorm !== 'batch' && !spec.loadsCheckpoints) throw new UsageError(`--bn ${evalBatchNorm}: the ${spec.id} supernet has no running statistics; only "batch"`);
  if (evalBatchNorm === 'running' && !pretrained) throw new UsageError('--bn running needs statistics to run on: a --supernet-checkpoint (a supernet trained here keeps none; use --bn recalibrate)');
  const calibrationImages = evalBatchNorm === 'recalibrate' ? (o.calibrationImages ?? (pretrained ? OFA_CALIBRATION_IMAGES : spec.calibrationImages)) : undefined;
  if (o.calibrationImages !== undefined && evalBatchNorm !== 'recalibrate') throw new UsageError('--calibration-images belongs to --bn recalibrate');
  const bad = spec.check(s);
  if (bad) throw new UsageError(bad);
  const sampling = s.sampling ?? spec.samplings[0];
  if (!spec.samplings.includes(sampling)) throw new UsageError(`${o.names === 'api' ? 'sampling' : '--sampling'} ${sampling}: the ${spec.id} supernet trains with ${spec.samplings.join(' or ')} sampling only`);
  const { preset, agent } = o.agent ? { preset: o.agent.preset, agent: o.agent.config } : spec.searchAgent(s.steps);
  const candidate = {
    version: RUN_FORMAT_VERSION,
    space: o.space,
    method: o.method,
    preset,
    agent,
    rea: REA_DEFAULTS,
    reinforce: REINFORCE_DEFAULTS,
    reward: supernetRewardOf(o, preset),
    steps: s.steps,
    seed: o.seed,
    estimator: {
      kind: 'supernet', dataset: o.dataset, metric: 'supernet-val-accuracy', report: [], C: s.C, N: s.N, epochs: s.epochs, batchSize: s.batchSize,
      evalBatches: spec.evalBatches, evalBatchSize: SUPERNET_EVAL_BATCH_SIZE, trainImages: s.trainImages, lrMax: s.lrMax, cutout: s.cutout, randomArchitectures: s.randomArchitectures,
      ...(o.maxMacs !== undefined ? { maxMacs: o.maxMacs } : {}),
      ...(evalBatchNorm !== 'batch' ? { evalBatchNorm } : {}),
      ...(calibrationImages !== undefined ? { calibrationImages } : {}),
      ...(sampling !== 'uniform' ? { sampling } : {}),
      ...(pretrained ? { pretrained } : {}),
    },
    backend: o.backend ?? 'auto',
    createdAt: new Date().toISOString(),
  };
  return validConfig(candidate);
}

/** A supernet search's reward: Eq. 7's Acc(Env) is the supernet's best validation accuracy (paper §4.4) unless given. */
function supernetRewardOf(o: SupernetRunInput, preset: PresetName): RewardConfig {
  const kind = rewardKindOf(o.reward, o.accEnv, preset);
  if (kind === 'eq3') return { kind: 'eq3' };
  return o.accEnv !== undefined ? { kind: 'eq7', accEnv: o.accEnv, accEnvFrom: 'user' } : { kind: 'eq7', accEnvFrom: 'supernet' };
}

/**
 * Whether a supernet run can be built and trained on this data, before any folder is written or
 * any epoch is spent: the supernet's own rules (DARTS's even C) and a dataset split that fits.
 */
export function checkSupernetRun(config: RunConfig, data: DatasetCheck, budgetName = '--max-macs'): void {
  const e = config.estimator;
  if (e.kind !== 'supernet') return;
  const bad = supernetSpec(config.space).check({ C: e.C, N: e.N });
  if (bad) throw new UsageError(bad);
  if (e.epochs === 0 && !e.pretrained) throw new UsageError('epochs = 0 needs a loaded supernet (--supernet-checkpoint): there is nothing to search otherwise');
  if (e.evalBatchNorm === 'recalibrate' && e.calibrationImages === undefined) throw new UsageError('batch norm recalibration needs calibrationImages');
  if (e.maxMacs !== undefined) checkMacBudget(config.space, e.maxMacs, e.C, e.N, data, budgetName);
  checkDatasetSplitFits(data.name, data.images, { trainImages: e.trainImages, batchSize: e.batchSize, evalBatchSize: e.evalBatchSize ?? SUPERNET_EVAL_BATCH_SIZE });
}

/**
 * A MAC budget (millions per image) needs a supernet with a cost model, and one subnet at least
 * that fits it at the data's resolution (costs grow with every choice, so the smallest subnet
 * decides): refused before any folder is written or any epoch is spent.
 */
function checkMacBudget(space: string, maxMacs: number, C: number, N: number, data: DatasetCheck, name: string): void {
  const model = supernetCostModel(supernetSpec(space).id, { inChannels: data.channels, classes: data.classes }, C, N);
  if (!model) throw new UsageError(`${name}: the ${space} supernet has no MAC model here; budgets apply to: ${COSTED_SUPERNETS.join(', ')}`);
  const min = model.minimum(data.height, data.width);
  if (min.macs > maxMacs * 1e6) {
    throw new UsageError(`${name} ${maxMacs}: no subnet fits; the smallest ${space} subnet (C = ${C}, N = ${N}) needs ${(min.macs / 1e6).toFixed(3)} million MACs per ${data.height}×${data.width} image`);
  }
}

/**
 * Refuses a dataset too small for its split, before training and before any folder is written:
 * one half trains (at least one batch), the other is queried in evaluation batches of a fixed
 * size (at least one), else training would fail only after a full epoch.
 */
export function checkDatasetSplitFits(name: string, images: number, o: { trainImages: number; batchSize: number; evalBatchSize: number }): void {
  const trainHalf = Math.floor(images / 2);
  const valHalf = images - trainHalf;
  const need = 2 * Math.max(o.evalBatchSize, o.batchSize);
  if (valHalf < o.evalBatchSize) {
    throw new UsageError(`${name} has ${images} images: its validation half (${valHalf}) is smaller than one evaluation batch (${o.evalBatchSize}); use a dataset of at least ${need} images`);
  }
  const train = Math.min(o.trainImages, trainHalf);
  if (train < o.batchSize) {
    throw new UsageError(`${name}: ${train} training images (of a training half of ${trainHalf}) are fewer than one training batch (${o.batchSize}); use more images or a smaller --batch`);
  }
}
