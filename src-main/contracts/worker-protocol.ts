import { z } from 'zod';
import { AgentChoiceSchema } from './agent-config';
import { DatasetSpecSchema } from './dataset';
import { MethodSchema, RunEventSchema, RunResultSchema, SEARCH_STEPS_MAX, SeedSchema, SUPERNET_STEPS_MAX } from './run';

/**
 * Messages between the run manager and a search worker (Electron utility process, or a Node
 * child process for CLI / serve / tests). Both directions are validated.
 */
export const ToWorkerSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('start'),
      runDir: z.string().min(1).max(4096),
      /** Continue from the run folder's last checkpoint instead of starting fresh. */
      resume: z.boolean(),
      checkpointEvery: z.number().int().min(1).max(SEARCH_STEPS_MAX),
    })
    .strict(),
  /** Write a checkpoint and exit (pause). */
  z.object({ type: z.literal('pause') }).strict(),
  /** Stop, write result.json with status "cancelled", and exit. */
  z.object({ type: z.literal('cancel') }).strict(),
  /** Report which TF.js backend loads in a worker, and why (then exit). */
  z.object({ type: z.literal('doctor') }).strict(),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('event'), event: RunEventSchema }).strict(),
  z.object({ type: z.literal('checkpoint'), step: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal('paused'), step: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal('done'), result: RunResultSchema }).strict(),
  z.object({ type: z.literal('error'), message: z.string(), fatal: z.boolean() }).strict(),
  z
    .object({
      type: z.literal('doctor'),
      chosen: z.string(),
      backends: z.array(z.object({ backend: z.string(), ok: z.boolean(), reason: z.string() }).strict()),
    })
    .strict(),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;

/** Largest message accepted on the worker channel (JSON length). */
export const MAX_WORKER_MESSAGE_CHARS = 256 * 1024;

/** Parses an untrusted message; returns a clear error instead of throwing. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown, channel: string): { ok: true; msg: T } | { ok: false; error: string } {
  let size: number;
  try {
    size = JSON.stringify(raw)?.length ?? 0;
  } catch {
    return { ok: false, error: `${channel}: message is not serialisable` };
  }
  if (size > MAX_WORKER_MESSAGE_CHARS) return { ok: false, error: `${channel}: message of ${size} characters exceeds ${MAX_WORKER_MESSAGE_CHARS}` };
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, error: `${channel}: invalid message at ${i.path.join('.') || '(root)'}: ${i.message}` };
  }
  return { ok: true, msg: r.data };
}

/**
 * The offline demo's defaults: about 5 minutes on 2 CPU cores (bench/results/supernet.md).
 * Single-path training learns per sampled path, so small batches (16) and many epochs over the
 * 5,000 training digits; lr 0.1 without cutout (the paper's 0.025 and cutout are for hundreds
 * of epochs; they stay the trainer's defaults).
 */
export const DEMO_DEFAULTS = { epochs: 12, steps: 100, randomArchitectures: 50, C: 8, N: 1, trainImages: 5000, lrMax: 0.1, cutout: 0, batchSize: 16 } as const;

/**
 * A small DARTS-space supernet for CPU machines: 5 cells (reductions after cells 1 and 3), C = 4,
 * 3 epochs over 2,000 digits. A DARTS path costs ~5× an NB201 path, so queries use 4 batches.
 */
export const DARTS_DEMO_DEFAULTS = { epochs: 3, steps: 100, randomArchitectures: 20, C: 4, N: 5, trainImages: 2000, lrMax: 0.05, cutout: 0, batchSize: 16 } as const;

/** Which supernet a `demo` (supernet search) trains: its search space, and what C and N mean there. */
export const SUPERNET_SPACES = ['nb201', 'darts'] as const;
export type SupernetSpace = (typeof SUPERNET_SPACES)[number];

/** A supernet search's defaults in its space (every unset setting takes these). */
export function supernetDefaults(space: SupernetSpace): typeof DEMO_DEFAULTS | typeof DARTS_DEMO_DEFAULTS {
  return space === 'darts' ? DARTS_DEMO_DEFAULTS : DEMO_DEFAULTS;
}

/** Why a supernet's channel count cannot be built, or null (DARTS's FactorizedReduce halves C). */
export function supernetChannelsError(space: SupernetSpace, C: number): string | null {
  return space === 'darts' && C % 2 ? `C = ${C}: the DARTS supernet needs an even number of channels (FactorizedReduce halves it)` : null;
}

/** Messages to the training worker (supernet training; final-model training joins later). */
export const ToTrainingWorkerSchema = z.discriminatedUnion('type', [
  /**
   * Train the demo supernet and search it. If `out` already holds this demo (same settings),
   * training resumes from its last supernet checkpoint (one per finished epoch).
   */
  z
    .object({
      type: z.literal('demo'),
      out: z.string().min(1).max(4096),
      seed: SeedSchema,
      epochs: z.number().int().min(1).max(1000),
      steps: z.number().int().min(1).max(SUPERNET_STEPS_MAX),
      randomArchitectures: z.number().int().min(1).max(10_000),
      C: z.number().int().min(1).max(256),
      N: z.number().int().min(1).max(20),
      trainImages: z.number().int().min(64),
      lrMax: z.number().gt(0).max(10),
      cutout: z.number().int().min(0).max(64),
      batchSize: z.number().int().min(2).max(1024),
      /** Supernet space: NB201 (C channels, N cells per stage) or DARTS (C channels, N cells). */
      space: z.enum(SUPERNET_SPACES).optional(),
      /** Training data (default: the embedded MNIST digits). */
      dataset: DatasetSpecSchema.optional(),
      method: MethodSchema.optional(),
      agent: AgentChoiceSchema.optional(),
    })
    .strict(),
]);
export type ToTrainingWorker = z.infer<typeof ToTrainingWorkerSchema>;

const count = z.number().int().min(0);
const finite = z.number().finite();

export const FromTrainingWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  /** A human-readable progress line (kept for the run manager's log and the CLI). */
  z.object({ type: z.literal('progress'), line: z.string().max(10_000) }).strict(),
  /** Supernet training progress, at most twice a second and after each epoch's last batch. */
  z
    .object({
      type: z.literal('train-progress'),
      epoch: count,
      epochs: count,
      batch: count,
      of: count,
      loss: finite,
      imagesPerSecond: finite.min(0),
      /** Seconds of training left (this and later epochs) at the current rate. */
      etaSeconds: finite.min(0),
    })
    .strict(),
  /** An epoch finished and its checkpoint is on disk (a crash from now on resumes after it). */
  z
    .object({
      type: z.literal('epoch'),
      epoch: count,
      epochs: count,
      loss: finite,
      imagesPerSecond: finite.min(0),
      seconds: finite.min(0),
      /** Best validation accuracy (%) of the paths sampled after this epoch. */
      valAccuracy: finite,
      accEnv: finite,
    })
    .strict(),
  /** Training continues from the folder's checkpoint, after epoch `epoch`. */
  z.object({ type: z.literal('resumed'), epoch: count }).strict(),
  z
    .object({
      type: z.literal('demo-done'),
      result: RunResultSchema,
      accEnv: z.number(),
      randomMedian: z.number(),
      supernetSeconds: finite.min(0),
      resumedFromEpoch: count,
    })
    .strict(),
  z.object({ type: z.literal('error'), message: z.string(), fatal: z.boolean() }).strict(),
]);
export type FromTrainingWorker = z.infer<typeof FromTrainingWorkerSchema>;
