import { z } from 'zod';
import { AgentChoiceSchema } from './agent-config';
import { DatasetSpecSchema, type DatasetCheck } from './dataset';
import { MethodSchema, SEARCH_STEPS_MAX, SeedSchema, SupernetSettingsSchema, type RunConfig, type RunEvent, type RunResult } from './run';
import { BACKEND_IDS, SPACE_IDS, SUPERNET_IDS } from './ids';
import { EpochSummarySchema, TrainProgressSchema, type WebGpuAdapter, type WebGpuProbeInfo } from './worker-protocol';

/**
 * The one API the renderer sees — through the preload's contextBridge in the app, through
 * HTTP + WebSocket from `l2nas serve`. Requests are plain data, validated in main / the server.
 */
export const RUN_ID = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a run id: letters, digits, . _ - (max 128)');

export const StartSearchRequestSchema = z
  .object({
    /** Benchmark tables exist for NAS-Bench-201 only: DARTS and OFA spaces are far too large to tabulate. */
    space: z.enum(['nb201']),
    method: MethodSchema,
    preset: z.string().min(1).max(64),
    benchmark: z.array(z.string().min(1).max(4096)).min(1).max(8),
    metric: z.string().min(1).max(256),
    report: z.array(z.string().min(1).max(256)).max(16),
    steps: z.number().int().min(1).max(SEARCH_STEPS_MAX).optional(),
    seed: SeedSchema,
    /** `--set`-style overrides of agent settings, e.g. { actorLr: 1e-3 }. */
    overrides: z.record(z.string().max(64), z.union([z.number(), z.boolean(), z.string().max(64)])).optional(),
    checkpointEvery: z.number().int().min(1).max(SEARCH_STEPS_MAX).optional(),
    /** Start the L²NAS agent from this run's policy (a fine-tuning run, issue #12). */
    policyRun: RUN_ID.optional(),
  })
  .strict();
export type StartSearchRequest = z.infer<typeof StartSearchRequestSchema>;

/** A run's name and notes, set by the user from the runs list (`<run>/notes.json`). */
export const RunNotesSchema = z
  .object({
    name: z.string().max(120).regex(/^[^\r\n]*$/, 'a name is one line'),
    notes: z.string().max(4000),
  })
  .strict();
export type RunNotes = z.infer<typeof RunNotesSchema>;

export type RunStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface RunSummary {
  id: string;
  dir: string;
  status: RunStatus;
  /** Why a run failed (worker crash, bad input…). */
  error: string | null;
  space: string;
  /** Estimator kind: 'table' (benchmark file) or 'supernet'. */
  estimator: string;
  method: string;
  preset: string;
  metric: string;
  steps: number;
  stepsDone: number;
  best: number | null;
  seconds: number | null;
  createdAt: string;
  // The fields below are optional only so that code building summaries elsewhere (tests, other
  // transports) stays valid: summarizeRun always sets them.
  /** The run's seed (from its config). */
  seed?: number;
  /** The "Also report" columns (`--report`) of a table run; empty otherwise. */
  report?: string[];
  /** The best architecture's value in the metric and each reported column (result.json); null until it ends. */
  bestMetrics?: Record<string, number> | null;
  /** The user's name and notes for the run (notes.json); null when none were set. */
  notes?: RunNotes | null;
  /**
   * Damage found while reading the run, one "file:line: what" each (a bad events.jsonl line is
   * left out of the events and listed here instead of making the run unreadable). Absent: none.
   */
  warnings?: string[];
}

export interface RunDetail {
  summary: RunSummary;
  config: RunConfig;
  result: RunResult | null;
  /** Supernet runs: the finished training epochs (from the supernet checkpoint). */
  training: EpochSummary[];
}

/** What streams to the renderer while runs go. */
export type StudioEvent =
  | { kind: 'event'; runId: string; event: RunEvent }
  | { kind: 'status'; runId: string; status: RunStatus; error: string | null }
  /** A human-readable progress line (supernet training: epoch, batch, loss, images/s, ETA). */
  | { kind: 'progress'; runId: string; line: string }
  /** Supernet training, at most twice a second. */
  | { kind: 'train-progress'; runId: string; progress: TrainProgress }
  /** A supernet epoch finished (its checkpoint is on disk). */
  | { kind: 'epoch'; runId: string; epoch: EpochSummary };

/** Supernet training progress, as the worker reports it (worker-protocol.ts). */
export type TrainProgress = z.infer<typeof TrainProgressSchema>;
/** One finished supernet epoch, as the worker reports it. */
export type EpochSummary = z.infer<typeof EpochSummarySchema>;

/** Settings of a supernet search started from the UI (docs/ARCHITECTURE.md, "Estimators"). */
export const SupernetSearchOptionsSchema = z
  .object({
    space: z.enum(SUPERNET_IDS),
    dataset: DatasetSpecSchema,
    method: MethodSchema,
    epochs: SupernetSettingsSchema.shape.epochs.optional(),
    steps: SupernetSettingsSchema.shape.steps.optional(),
    C: SupernetSettingsSchema.shape.C.optional(),
    N: SupernetSettingsSchema.shape.N.optional(),
    batchSize: SupernetSettingsSchema.shape.batchSize.optional(),
    trainImages: SupernetSettingsSchema.shape.trainImages.optional(),
    /** The agent's settings (default: the supernet's search agent, common/supernets.ts) and their preset. */
    agent: AgentChoiceSchema.optional(),
    /** Start the L²NAS agent from this run's policy (a fine-tuning run, issue #12). */
    policyRun: RUN_ID.optional(),
    /** The TF.js backend the supernet trains on (default auto: node/backend.ts's order). */
    backend: z.enum(['auto', ...BACKEND_IDS]).optional(),
  })
  .strict();
export type SupernetSearchOptions = z.infer<typeof SupernetSearchOptionsSchema>;

/** What `exportRun` can write. */
export const EXPORT_KINDS = ['arch', 'history-csv', 'history-json', 'figure-svg', 'figure-png'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
/** Largest figure accepted for export (characters of SVG text or base64 PNG). */
export const MAX_EXPORT_CHARS = 6 * 1024 * 1024;

/** Every call the renderer may make: name → argument schema. */
export const StudioCallSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('listRuns') }).strict(),
  z.object({ method: z.literal('getRun'), id: RUN_ID }).strict(),
  z.object({ method: z.literal('getEvents'), id: RUN_ID, from: z.number().int().min(0).optional() }).strict(),
  z.object({ method: z.literal('startSearch'), request: StartSearchRequestSchema }).strict(),
  z.object({ method: z.literal('pauseRun'), id: RUN_ID }).strict(),
  z.object({ method: z.literal('resumeRun'), id: RUN_ID }).strict(),
  z.object({ method: z.literal('cancelRun'), id: RUN_ID }).strict(),
  z.object({ method: z.literal('deleteRun'), id: RUN_ID }).strict(),
  z.object({ method: z.literal('doctor') }).strict(),
  /**
   * A supernet search (train, then search) in the training worker; without options, the offline
   * demo (NAS-Bench-201 supernet on the embedded MNIST + L²NAS).
   */
  z
    .object({
      method: z.literal('startSupernetSearch'),
      seed: SeedSchema.optional(),
      /** Settings other than the demo's (each unset one takes the supernet's default). */
      options: SupernetSearchOptionsSchema.optional(),
    })
    .strict(),
  /** Reads benchmark tables as a search would (before it starts): rows, columns, or the file:line error. */
  z.object({ method: z.literal('checkTable'), space: z.enum(SPACE_IDS), files: z.array(z.string().min(1).max(4096)).min(1).max(8) }).strict(),
  /** Reads a dataset's files as supernet training would: size and shape, or the file+offset error. */
  z.object({ method: z.literal('checkDataset'), dataset: DatasetSpecSchema }).strict(),
  /** Writes one export of a run into its `exports/` folder and says where. */
  z
    .object({
      method: z.literal('exportRun'),
      id: RUN_ID,
      what: z.enum(EXPORT_KINDS),
      /** The figure, made by the renderer: SVG text, or a PNG as base64. */
      content: z.string().max(MAX_EXPORT_CHARS).optional(),
    })
    .strict(),
  /**
   * Reads back one file of a run's exports/ by its bare name (the desktop app's download; a
   * browser streams GET /api/runs/<id>/exports/<name> instead). Same name rules as that route.
   */
  z.object({ method: z.literal('readExport'), id: RUN_ID, name: z.string().min(1).max(128) }).strict(),
  /** Sets a run's name and notes (written atomically to `<run>/notes.json`). */
  z.object({ method: z.literal('setRunNotes'), id: RUN_ID, notes: RunNotesSchema }).strict(),
  /** A native file dialog (desktop app only; the web UI types server paths instead). */
  z.object({ method: z.literal('pickFile'), title: z.string().max(200), extensions: z.array(z.string().regex(/^[a-z0-9]{1,10}$/)).max(10) }).strict(),
]);
export type StudioCall = z.infer<typeof StudioCallSchema>;

export interface DoctorInfo {
  chosen: string;
  /** Every backend tried, in order, with why it was or was not taken. */
  backends: { backend: string; ok: boolean; reason: string }[];
  /** The WebGPU adapters found (whichever backend was chosen). */
  webgpu: WebGpuProbeInfo;
  /** The adapter the chosen backend runs on, when it is 'webgpu'. */
  adapter?: WebGpuAdapter;
}

/** Result type of each call. */
export interface StudioResults {
  listRuns: RunSummary[];
  getRun: RunDetail;
  getEvents: RunEvent[];
  startSearch: { id: string };
  pauseRun: RunSummary;
  resumeRun: RunSummary;
  cancelRun: RunSummary;
  deleteRun: { deleted: true };
  doctor: DoctorInfo;
  startSupernetSearch: { id: string };
  checkTable: TableCheck;
  checkDataset: DatasetCheck;
  exportRun: { path: string; bytes: number };
  readExport: ExportFile;
  setRunNotes: RunNotes;
  pickFile: { paths: string[] | null };
}

/** One export file read back for a download. */
export interface ExportFile {
  name: string;
  /** Its MIME type (from the extension, as the HTTP route sends it). */
  type: string;
  bytes: number;
  base64: string;
}

/** Largest export `readExport` returns over IPC (the HTTP route streams larger ones). */
export const MAX_READ_EXPORT_BYTES = 64 * 1024 * 1024;

export interface TableCheck {
  /** Architectures with a row in every file. */
  rows: number;
  /** Numeric columns (the metrics a search can use). */
  columns: string[];
  files: string[];
}

/** A call's reply: typed success, or a typed error that changed nothing. */
export type StudioReply<M extends keyof StudioResults> =
  | { ok: true; value: StudioResults[M] }
  | { ok: false; error: { code: 'invalid-request' | 'not-found' | 'conflict' | 'failed'; message: string } };

/** The API as the renderer uses it (window.api in the app, the serve client in a browser). */
export interface StudioApi {
  call<M extends StudioCall['method']>(call: Extract<StudioCall, { method: M }>): Promise<StudioReply<M>>;
  onEvent(listener: (e: StudioEvent) => void): () => void;
}

/** Largest accepted IPC/HTTP request body, in bytes (room for one exported PNG figure). */
export const MAX_REQUEST_BYTES = MAX_EXPORT_CHARS + 64 * 1024;
