import { z } from 'zod';
import { AgentConfigSchema, SEARCH_STEPS_MAX } from './agent-config';
import { DatasetSpecSchema } from './dataset';
import { BACKEND_IDS, METHOD_IDS, SPACE_IDS } from './ids';

/** The run folder format shared by CLI, app and web UI (docs/ARCHITECTURE.md, "The run folder"). */
export const RUN_FORMAT_VERSION = 1;

/**
 * A run's seed: one unsigned 32-bit word, the generator's seed (common/rng.ts takes `seed >>> 0`,
 * so 2³² would silently be seed 0). The one range for CLI flags, API requests and config.json.
 */
export const SEED_MAX = 2 ** 32 - 1;
export const SeedSchema = z.number().int().min(0).max(SEED_MAX);

/** Most queries of one search on a benchmark table (CLI `--steps` and the API alike; declared beside the agent's bounds). */
export { SEARCH_STEPS_MAX };
/** Most queries of one supernet search (each costs a validation pass; CLI and API alike). */
export const SUPERNET_STEPS_MAX = 100_000;

/**
 * How a supernet's training samples the path of each step: `uniform` — single-path uniform
 * sampling (paper §2.1; every supernet) — or `progressive-shrinking` — OFA's schedule, the
 * largest network first, then elastic kernel, depth and expand ratio over growing choice sets
 * (ofa only; core/supernet/ofa-progressive-shrinking.ts).
 */
export const SUPERNET_SAMPLINGS = ['uniform', 'progressive-shrinking'] as const;
export type SupernetSampling = (typeof SUPERNET_SAMPLINGS)[number];

/**
 * Bounds of a supernet search's settings, declared once: CLI flags, API options and the
 * defaults in common/supernets.ts are checked against these.
 */
export const SupernetSettingsSchema = z
  .object({
    epochs: z.number().int().min(1).max(1000),
    steps: z.number().int().min(1).max(SUPERNET_STEPS_MAX),
    randomArchitectures: z.number().int().min(1).max(10_000),
    C: z.number().int().min(1).max(256),
    N: z.number().int().min(1).max(20),
    trainImages: z.number().int().min(64).max(10_000_000),
    lrMax: z.number().gt(0).max(10),
    cutout: z.number().int().min(0).max(64),
    batchSize: z.number().int().min(2).max(1024),
    /** How training samples paths (absent: uniform); which a supernet offers: common/supernets.ts `samplings`. */
    sampling: z.enum(SUPERNET_SAMPLINGS).optional(),
  })
  .strict();

/** Most MACs a budget may name, in millions per image (far above any supernet here: OFA w1.2 at 224² is ~0.9 G). */
export const MAX_MACS_LIMIT = 1_000_000;

/** Search methods (contracts/ids.ts). */
export const MethodSchema = z.enum(METHOD_IDS);

export const EstimatorConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('table'),
      files: z.array(z.string().min(1)).min(1),
      metric: z.string().min(1),
      report: z.array(z.string().min(1)),
    })
    .strict(),
  /**
   * A weight-sharing supernet trained in the same process before the search (the demo, and
   * supernet searches from the app). Run folders written before datasets were selectable hold
   * the string "mnist-embedded"; it reads as { kind: 'mnist-embedded' }.
   */
  z
    .object({
      kind: z.literal('supernet'),
      dataset: z.preprocess((v) => (v === 'mnist-embedded' ? { kind: 'mnist-embedded' } : v), DatasetSpecSchema),
      metric: z.literal('supernet-val-accuracy'),
      report: z.array(z.string()),
      C: z.number().int().min(1),
      N: z.number().int().min(1),
      /** 0 only with `pretrained` (a loaded supernet searched as it is). */
      epochs: z.number().int().min(0),
      batchSize: z.number().int().min(1),
      evalBatches: z.number().int().min(1),
      /** Images per validation batch (batch norm uses batch statistics in evaluation too). */
      evalBatchSize: z.number().int().min(1).optional(),
      trainImages: z.number().int().min(1),
      lrMax: z.number().gt(0),
      cutout: z.number().int().min(0),
      /** Random architectures queried after the search for comparison. */
      randomArchitectures: z.number().int().min(1).optional(),
      /**
       * A MAC budget, in millions of multiply-accumulates per image at the dataset's resolution
       * (supernets with a cost model: ofa). A subnet above it is rejected before querying
       * (node/estimators.ts budgetedEstimator); runs written before budgets existed have none.
       */
      maxMacs: z.number().gt(0).max(MAX_MACS_LIMIT).optional(),
      /**
       * How batch norm runs in a query (supernets with running statistics: ofa; absent = 'batch',
       * as runs written before it existed). 'batch': the query batch's statistics. 'running': the
       * supernet's running statistics (those of a loaded checkpoint). 'recalibrate': OFA's query —
       * the statistics recomputed for the queried subnet on `calibrationImages` fixed training
       * images (set_running_statistics), then used (core/supernet/supernet-trainer.ts).
       */
      evalBatchNorm: z.enum(['batch', 'running', 'recalibrate']).optional(),
      calibrationImages: z.number().int().min(1).max(1_000_000).optional(),
      /** How training samples paths (SUPERNET_SAMPLINGS); absent: uniform (runs written before it existed, and the default). */
      sampling: z.enum(SUPERNET_SAMPLINGS).optional(),
      /**
       * A published supernet loaded instead of (or before) training: a PyTorch checkpoint of
       * OFA's OFAMobileNetV3 (node/ofa-checkpoint.ts), with the SHA-256 it had when the run was
       * made (a resume refuses a changed file). With it, epochs may be 0 (no training).
       */
      pretrained: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict().optional(),
    })
    .strict(),
]);

/**
 * The reward of a run (paper Eq. 3, or Eq. 7 for transfer) and where Eq. 7's Acc(Env) came from:
 * a given value (`user`; run folders written before the source was recorded hold no source and
 * read as one), a table column's maximum (`table-max`, `column`; the CLI and the run manager
 * record its value once the table is read, an in-memory bench run measures it from the table),
 * or the supernet's best validation accuracy while training (`supernet`: measured during the
 * run, so `accEnv` is absent here; result.json records the value used).
 */
export const RewardConfigSchema = z.union([
  z.object({ kind: z.literal('eq3') }).strict(),
  z
    .object({
      kind: z.literal('eq7'),
      accEnv: z.number().gt(0).optional(),
      accEnvFrom: z.enum(['user', 'table-max', 'supernet']).optional(),
      column: z.string().min(1).optional(),
    })
    .strict()
    .superRefine((r, ctx) => {
      if (r.accEnvFrom === 'supernet' && r.accEnv !== undefined) ctx.addIssue({ code: 'custom', message: 'Acc(Env) from the supernet is measured during the run: give no value', path: ['accEnv'] });
      if ((r.accEnvFrom ?? 'user') === 'user' && r.accEnv === undefined) ctx.addIssue({ code: 'custom', message: 'Eq. 7 needs Acc(Env): a value, or accEnvFrom "table-max" / "supernet"', path: ['accEnv'] });
      if (r.accEnvFrom === 'table-max' && !r.column) ctx.addIssue({ code: 'custom', message: 'a table maximum names its column', path: ['column'] });
    }),
]);
export type RewardConfig = z.infer<typeof RewardConfigSchema>;

/** Where a fine-tuning run's initial policy came from (node/policy-file.ts). */
export const PolicyOriginSchema = z
  .object({
    /** The file or run folder given (as given). */
    from: z.string().min(1),
    /** SHA-256 (hex) of the policy file's bytes; the copy in the run folder must match it. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** What the policy says about itself: the run and preset it was trained with, its steps. */
    space: z.enum(SPACE_IDS),
    preset: z.string(),
    steps: z.number().int().min(0),
  })
  .strict();
export type PolicyOrigin = z.infer<typeof PolicyOriginSchema>;

export const RunConfigSchema = z
  .object({
    version: z.literal(RUN_FORMAT_VERSION),
    space: z.enum(SPACE_IDS),
    method: MethodSchema,
    preset: z.string(),
    agent: AgentConfigSchema,
    rea: z.object({ population: z.number().int().min(1), sample: z.number().int().min(1) }).strict(),
    reinforce: z.object({ lr: z.number().gt(0), baselineMomentum: z.number().min(0).lt(1) }).strict(),
    /**
     * Local search (method `local`): move to the first improving neighbour or to the best one
     * (core/baselines/local-search.ts). Absent (runs made before it existed, other methods): first.
     */
    local: z.object({ move: z.enum(['first', 'best']) }).strict().optional(),
    reward: RewardConfigSchema,
    steps: z.number().int().min(1).max(SEARCH_STEPS_MAX),
    seed: SeedSchema,
    estimator: EstimatorConfigSchema,
    backend: z.enum(['auto', ...BACKEND_IDS]),
    createdAt: z.string(),
    /** The policy a fine-tuning run started from (absent: random initial weights). */
    policy: PolicyOriginSchema.optional(),
  })
  .strict();
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** One line of events.jsonl: one query. */
export const RunEventSchema = z.object({
  step: z.number().int().min(0),
  arch: z.string(),
  key: z.string(),
  value: z.number(),
  reward: z.number(),
  best: z.number(),
  phase: z.string(),
  epsilon: z.number().nullable(),
  criticLoss: z.number().nullable(),
  actorLoss: z.number().nullable(),
  seconds: z.number(),
  /**
   * MACs per image and parameters of the queried subnet at the run's resolution, where the
   * estimator has a cost model (OFA); absent in other runs and in runs written before.
   */
  macs: z.number().min(0).optional(),
  params: z.number().min(0).optional(),
  /** The subnet exceeded the run's MAC budget: it was not queried, `value` is the fixed penalty. */
  overBudget: z.literal(true).optional(),
});
export type RunEvent = z.infer<typeof RunEventSchema>;

export const RunResultSchema = z.object({
  version: z.literal(RUN_FORMAT_VERSION),
  status: z.enum(['completed', 'cancelled']),
  best: z.object({
    arch: z.string(),
    key: z.string(),
    value: z.number(),
    metrics: z.record(z.string(), z.number()),
    step: z.number().int(),
  }),
  steps: z.number().int(),
  seconds: z.number(),
  backend: z.string(),
  /** First step at which the table's best architecture (by the search metric) was queried. */
  queriesToOptimum: z.number().int().nullable(),
  /** The reward computed, with the Acc(Env) used (absent in results written before it was recorded). */
  reward: z.union([z.object({ kind: z.literal('eq3') }).strict(), z.object({ kind: z.literal('eq7'), accEnv: z.number().gt(0) }).strict()]).optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;
