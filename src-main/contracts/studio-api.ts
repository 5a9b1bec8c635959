import { z } from 'zod';
import { AgentChoiceSchema } from './agent-config';
import { DatasetSpecSchema, type DatasetCheck } from './dataset';
import { MAX_MACS_LIMIT, MethodSchema, SEARCH_STEPS_MAX, SeedSchema, SupernetSettingsSchema, type RunConfig, type RunEvent, type RunResult } from './run';
import { BACKEND_IDS, SPACE_IDS, SUPERNET_IDS } from './ids';
import { EpochSummarySchema, TrainProgressSchema, type WebGpuAdapter, type WebGpuProbeInfo } from './worker-protocol';
import { TRAIN_PRESET_IDS, TRAIN_SPACES, TrainConfigSchema, TrainSettingsSchema, type TrainConfig, type TrainEpoch, type TrainResult } from './train';

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

/**
 * Train one architecture from scratch (issue #10): a training run in the training worker. The
 * settings start from the preset (common/train-presets.ts; default "default") and any field of
 * `settings` overrides it, with the bounds of TrainSettingsSchema.
 */
export const StartTrainingRequestSchema = z
  .object({
    space: z.enum(TRAIN_SPACES),
    /** NAS-Bench-201 arch string or DARTS Genotype(...) text. */
    arch: TrainConfigSchema.shape.arch,
    dataset: DatasetSpecSchema,
    /** The dataset's test split (see TrainConfig.testDataset). */
    testDataset: DatasetSpecSchema.optional(),
    preset: z.enum(TRAIN_PRESET_IDS).optional(),
    settings: TrainSettingsSchema.partial().strict().optional(),
    seed: SeedSchema.optional(),
    /** TF.js backend for the training worker (default 'auto': the order in node/backend.ts). */
    backend: z.enum(['auto', ...BACKEND_IDS]).optional(),
  })
  .strict();
export type StartTrainingRequest = z.infer<typeof StartTrainingRequestSchema>;

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
  /** 'train': a training run (config kind "train"); absent or 'search': a search run. */
  kind?: 'search' | 'train';
  /** Training runs: where the training stands (epoch, accuracies, the network's size). */
  training?: TrainingSummary;
  /** The user's name and notes for the run (notes.json); null when none were set. */
  notes?: RunNotes | null;
  /**
   * Damage found while reading the run, one "file:line: what" each (a bad events.jsonl line is
   * left out of the events and listed here instead of making the run unreadable). Absent: none.
   */
  warnings?: string[];
}

/** A training run's own summary fields. */
export interface TrainingSummary {
  arch: string;
  /** Finished epochs, and how many the run trains. */
  epoch: number;
  epochs: number;
  /** Best and last validation accuracy (%) so far; null before the first epoch ends. */
  bestValAccuracy: number | null;
  valAccuracy: number | null;
  /** Test-set accuracy (%) after the last epoch; null until the run completes. */
  testAccuracy: number | null;
  /** The trained network's parameters (auxiliary head excluded) and MACs per image; null if it cannot be built. */
  params: number | null;
  macs: number | null;
  dataset: string;
}

export interface RunDetail {
  kind?: 'search';
  summary: RunSummary;
  config: RunConfig;
  result: RunResult | null;
  /** Supernet runs: the finished training epochs (from the supernet checkpoint). */
  training: EpochSummary[];
}

/** A training run's detail (`getRun` of a run whose summary has kind 'train'). */
export interface TrainRunDetail {
  kind: 'train';
  summary: RunSummary;
  config: TrainConfig;
  result: TrainResult | null;
  /** Every finished epoch (from the checkpoint), oldest first. */
  history: TrainEpoch[];
  /** The network: its size, input [H, W, C] and classes (null: it cannot be built, the reason is in the summary's warnings). */
  network: { params: number; macs: number; input: number[]; classes: number; layers: number } | null;
  /** Model exports already written into the run's exports/ (bare file names). */
  exports: string[];
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
  | { kind: 'epoch'; runId: string; epoch: EpochSummary }
  /** A training run's epoch finished (its checkpoint is on disk). */
  | { kind: 'train-epoch'; runId: string; epoch: TrainEpoch };

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
    /** Random architectures queried after the search on the same supernet, for comparison (CLI --random). */
    randomArchitectures: SupernetSettingsSchema.shape.randomArchitectures.optional(),
    /** How training samples paths (CLI --sampling; absent: uniform); which a supernet offers: common/supernets.ts `samplings`. */
    sampling: SupernetSettingsSchema.shape.sampling,
    /**
     * A PyTorch checkpoint of OFA's OFAMobileNetV3 (a path on the server, within its allowed
     * folders) searched instead of a supernet trained here, as the CLI's --supernet-checkpoint;
     * with no epochs given it is searched as loaded. config.json records its SHA-256.
     */
    supernetCheckpoint: z.string().min(1).max(4096).optional(),
    /** MAC budget in millions per image (supernets with a cost model: OFA); over-budget subnets are never queried. */
    maxMacs: z.number().gt(0).max(MAX_MACS_LIMIT).optional(),
    /** The agent's settings (default: the supernet's search agent, common/supernets.ts) and their preset. */
    agent: AgentChoiceSchema.optional(),
    /** Start the L²NAS agent from this run's policy (a fine-tuning run, issue #12). */
    policyRun: RUN_ID.optional(),
    /** The TF.js backend the supernet trains on (default auto: node/backend.ts's order). */
    backend: z.enum(['auto', ...BACKEND_IDS]).optional(),
  })
  .strict();
export type SupernetSearchOptions = z.infer<typeof SupernetSearchOptionsSchema>;

/** What `exportRun` can write: a search run's architecture, history and figure; a training run's model (model-*). */
export const EXPORT_KINDS = ['arch', 'history-csv', 'history-json', 'figure-svg', 'figure-png', 'model-tfjs', 'model-onnx', 'model-arch', 'model-layers'] as const;
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
   * Parameters (auxiliary head excluded) and MACs per image of an architecture's whole network
   * (core/network counts; defaults: NB201 C = 16, N = 5; DARTS C = 36, 20 cells; 10 classes, 32×32×3).
   */
  z
    .object({
      method: z.literal('inspectNetwork'),
      space: z.enum(TRAIN_SPACES),
      arch: TrainConfigSchema.shape.arch,
      channels: TrainSettingsSchema.shape.channels.optional(),
      layers: TrainSettingsSchema.shape.layers.optional(),
      classes: z.number().int().min(2).max(1000).optional(),
      input: z.number().int().min(4).max(1024).optional(),
      inChannels: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
  /** Trains one architecture from scratch in the training worker (a training run). */
  z.object({ method: z.literal('startTraining'), request: StartTrainingRequestSchema }).strict(),
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
  /** Reads a PyTorch checkpoint as an OFA MobileNetV3 state_dict, as a search loading it would: what it is, or the error naming file and keys. */
  z.object({ method: z.literal('checkSupernetCheckpoint'), file: z.string().min(1).max(4096) }).strict(),
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
  getRun: RunDetail | TrainRunDetail;
  getEvents: RunEvent[];
  startSearch: { id: string };
  pauseRun: RunSummary;
  resumeRun: RunSummary;
  cancelRun: RunSummary;
  deleteRun: { deleted: true };
  doctor: DoctorInfo;
  startSupernetSearch: { id: string };
  startTraining: { id: string };
  inspectNetwork: NetworkCounts;
  checkTable: TableCheck;
  checkDataset: DatasetCheck;
  checkSupernetCheckpoint: SupernetCheckpointCheck;
  /** `files`: every file written (bare names in exports/; a TF.js model is model.json + its weights), for download. */
  exportRun: { path: string; bytes: number; files: string[] };
  readExport: ExportFile;
  setRunNotes: RunNotes;
  pickFile: { paths: string[] | null };
}

/** A whole network's size, for one image. */
export interface NetworkCounts {
  params: number;
  macs: number;
  /** What was counted: C, cells, classes, input side and channels. */
  channels: number;
  layers: number;
  classes: number;
  input: number;
  inChannels: number;
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

/** An OFA MobileNetV3 checkpoint as read (node/ofa-checkpoint.ts describeOfaCheckpointFile). */
export interface SupernetCheckpointCheck {
  file: string;
  bytes: number;
  sha256: string;
  /** Tensors in its state_dict. */
  tensors: number;
  /** The width multipliers, in % (the supernet's C), whose layer widths are the checkpoint's (w1.0: 100). */
  widths: number[];
  classes: number;
  inChannels: number;
}

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
