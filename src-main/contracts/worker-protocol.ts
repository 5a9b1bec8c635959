import { z } from 'zod';
import { RunEventSchema, RunResultSchema, SEARCH_STEPS_MAX } from './run';
import { TrainEpochSchema } from './train';

/** A WebGPU adapter Dawn found (node/webgpu-adapters.ts), as `doctor` reports it. */
export const WebGpuAdapterSchema = z
  .object({
    /** Dawn's backend type: vulkan, metal, d3d12, d3d11, opengles, opengl. */
    dawnBackend: z.string().max(32),
    featureLevel: z.enum(['core', 'compatibility']),
    vendor: z.string().max(256),
    architecture: z.string().max(256),
    device: z.string().max(256),
    description: z.string().max(512),
    /** A CPU rasteriser (llvmpipe…): never chosen automatically. */
    software: z.boolean(),
  })
  .strict();
export type WebGpuAdapter = z.infer<typeof WebGpuAdapterSchema>;

export const WebGpuProbeSchema = z
  .object({
    adapters: z.array(WebGpuAdapterSchema).max(16),
    /** Per Dawn backend without an adapter: what is known of why. */
    notFound: z.array(z.object({ dawnBackend: z.string().max(32), reason: z.string().max(1000) }).strict()).max(16),
    /** Why no adapter could be asked for at all (the npm package "webgpu" missing…). */
    error: z.string().max(1000).optional(),
  })
  .strict();
export type WebGpuProbeInfo = z.infer<typeof WebGpuProbeSchema>;

/**
 * Messages between the run manager and a worker (Electron utility process, or a Node child
 * process for CLI / serve / tests), the same for every kind of run. Both directions are validated.
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
  /**
   * Export the best subnet of a finished OFA supernet search (node/ofa-export.ts: weights from
   * the supernet, BN recalibrated) in these formats (exporters/network-export.ts names) into the
   * new folder `out`, then exit: the app's main process loads no TF.js, so a short-lived worker does it.
   */
  z
    .object({
      type: z.literal('export-ofa'),
      runDir: z.string().min(1).max(4096),
      formats: z.array(z.string().min(1).max(16)).min(1).max(8),
      out: z.string().min(1).max(4096),
    })
    .strict(),
  /**
   * Read `file` as an OFA MobileNetV3 checkpoint (node/ofa-checkpoint.ts) and say what it is; with
   * `fit`, also check it against the supernet a search would build. Then exit (main loads no TF.js).
   */
  z
    .object({
      type: z.literal('check-ofa-checkpoint'),
      file: z.string().min(1).max(4096),
      fit: z.object({ C: z.number().int().min(1).max(256), N: z.number().int().min(1).max(5), inChannels: z.number().int().min(1).max(64), classes: z.number().int().min(2).max(100_000) }).strict().optional(),
    })
    .strict(),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

const count = z.number().int().min(0);
const finite = z.number().finite();

/** Training progress (a supernet's, or a training run's network), at most twice a second and after each epoch's last batch. */
export const TrainProgressSchema = z
  .object({
    epoch: count,
    epochs: count,
    batch: count,
    of: count,
    loss: finite,
    imagesPerSecond: finite.min(0),
    /** Seconds of training left (this and later epochs) at the current rate. */
    etaSeconds: finite.min(0),
  })
  .strict();

/** An epoch finished and its checkpoint is on disk (a crash from now on resumes after it). */
export const EpochSummarySchema = z
  .object({
    epoch: count,
    epochs: count,
    loss: finite,
    imagesPerSecond: finite.min(0),
    seconds: finite.min(0),
    /** Best validation accuracy (%) of the paths sampled after this epoch. */
    valAccuracy: finite,
    accEnv: finite,
  })
  .strict();

export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('event'), event: RunEventSchema }).strict(),
  /** A human-readable progress line (estimator preparation: supernet epochs, batches, ETA). */
  z.object({ type: z.literal('progress'), line: z.string().max(10_000) }).strict(),
  z.object({ type: z.literal('train-progress'), progress: TrainProgressSchema }).strict(),
  z.object({ type: z.literal('epoch'), epoch: EpochSummarySchema }).strict(),
  /** A training run's epoch finished (its checkpoint is on disk): train/validation loss and accuracy. */
  z.object({ type: z.literal('train-epoch'), epoch: TrainEpochSchema.strict() }).strict(),
  /** Preparation continues from the folder's checkpoint, after epoch `epoch`. */
  z.object({ type: z.literal('resumed'), epoch: count }).strict(),
  z.object({ type: z.literal('checkpoint'), step: z.number().int().min(0) }).strict(),
  z.object({ type: z.literal('paused'), step: z.number().int().min(0) }).strict(),
  /** The run ended; a run cancelled before its search began has no result, nor has a training run (its result.json is a TrainResult). */
  z.object({ type: z.literal('done'), status: z.enum(['completed', 'cancelled']), result: RunResultSchema.nullable() }).strict(),
  z.object({ type: z.literal('error'), message: z.string(), fatal: z.boolean() }).strict(),
  /** The export-ofa job's files (bare names in its `out` folder). */
  z.object({ type: z.literal('exported'), files: z.array(z.string().min(1).max(128)).max(16) }).strict(),
  /** The check-ofa-checkpoint job's answer (contracts/studio-api.ts SupernetCheckpointCheck). */
  z
    .object({
      type: z.literal('checkpoint-checked'),
      info: z.object({ file: z.string(), bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/), tensors: count, widths: z.array(count).max(256), classes: count, inChannels: count }).strict(),
    })
    .strict(),
  /** A one-off job (export-ofa, check-ofa-checkpoint) failed; `invalid`: the run or the file is wrong (→ invalid-request). */
  z.object({ type: z.literal('job-failed'), message: z.string().max(10_000), invalid: z.boolean() }).strict(),
  z
    .object({
      type: z.literal('doctor'),
      chosen: z.string(),
      backends: z.array(z.object({ backend: z.string(), ok: z.boolean(), reason: z.string() }).strict()),
      webgpu: WebGpuProbeSchema,
      /** The adapter the chosen backend runs on, when it is 'webgpu'. */
      adapter: WebGpuAdapterSchema.optional(),
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
 * The worker processes, one per kind of work: the channel's name in logs and the utility
 * process's serviceName in the app (what the OS task manager shows). Table searches run in the
 * search worker; runs that train (supernet searches, later model training) in the training
 * worker; both run the same run-folder session (node/search-session.ts).
 */
export const WORKERS = {
  search: { entry: 'search-worker.js', serviceName: 'L²NAS search worker' },
  training: { entry: 'training-worker.js', serviceName: 'L²NAS training worker' },
  doctor: { entry: 'search-worker.js', serviceName: 'L²NAS backend check' },
} as const;
export type WorkerKind = keyof typeof WORKERS;
