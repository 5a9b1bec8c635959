import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig, RunEvent } from '../contracts/run';
import type { SupernetSettings } from '../common/supernets';
import type { BenchmarkTable } from '../core/estimators/estimator';
import type { DatasetCheck } from '../contracts/dataset';
import { RUN_ID, type DoctorInfo, type RunDetail, type RunStatus, type RunSummary, type EpochSummary, type StartSearchRequest, type StartTrainingRequest, type StudioEvent, type SupernetCheckpointCheck, type SupernetSearchOptions, type TrainRunDetail } from '../contracts/studio-api';
import { countNetwork } from '../core/network/counts';
import { writeJsonAtomic } from './atomic-write';
import { buildTrainConfig } from './train-config';
import { listModelExports, readTrainConfig, readTrainHistory, readTrainResult, TRAIN_FILES } from './train-folder';
import { UsageError } from './usage-error';
import { FromWorkerSchema, WORKERS, type FromWorker, type ToWorker, type WorkerKind } from '../contracts/worker-protocol';
import { readSupernetCheckpoint } from './supernet-checkpoint';
import { checkDataset } from './datasets';
import { withPolicy, writeStartPolicy } from './policy-file';
import { checkSupernetRun, loadCheckedTable, runConfigFromOptions, settleTableReward, supernetRunConfig } from './run-config';
import { createRunFolder, makeNewRunFolder, readRunConfig, readRunEvents, readRunResult, writeRunStatus } from './run-folder';
import { isTrainingRun, listRuns, runStatusOf, summarizeRun, summarizeTrainingRun, trainingNetworkOf } from './run-store';
import { runLockHolder } from './run-lock';
import { openChannel, workerEntry, type WorkerChannel, type WorkerLauncher } from './worker-host';

/** The finished epochs of a supernet run, from its checkpoint (none yet: empty; unreadable: empty and a warning). */
function trainingEpochs(dir: string, epochs: number, warnings: string[]): EpochSummary[] {
  try {
    return (readSupernetCheckpoint(dir)?.reports ?? []).map((r) => ({ ...r, epochs }));
  } catch (e) {
    warnings.push((e as Error).message);
    return [];
  }
}

/** Which worker runs a run: runs that train networks (supernet searches, training runs) go to the training worker. */
const workerKindOf = (dir: string): WorkerKind => (isTrainingRun(dir) || readRunConfig(dir).estimator.kind === 'supernet' ? 'training' : 'search');

/**
 * How long a worker asked to pause or cancel may take before it is killed (VS Code's shutdown:
 * ask, wait, kill). Workers answer between search steps and between training batches, well
 * inside this; a killed run resumes from its last checkpoint all the same.
 */
export const STOP_GRACE_MS = 2000;

/** One-off worker jobs (checkpoint checks, OFA exports) running at once, at most; and how long a checkpoint check may take. */
export const MAX_WORKER_JOBS = 4;
const CHECK_TIMEOUT_MS = 120_000;

/** A request that names a run that is not there. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
/** A request that does not fit the run's state (pause a finished run, delete a running one…). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

export interface RunManagerOptions {
  runsDir: string;
  launch: WorkerLauncher;
  /** Worker entry files (default: the compiled ones beside this module). */
  workerEntry?: string;
  trainingWorkerEntry?: string;
  checkpointEvery?: number;
  /** How long a stopping worker may take before it is killed (default STOP_GRACE_MS). */
  stopGraceMs?: number;
  /** Where worker diagnostics go (default: stderr). */
  log?: (m: string) => void;
}

interface Live {
  worker: WorkerChannel<ToWorker, FromWorker>;
  settled: boolean;
  /** What a stop asked for, once asked: the status written if the worker has to be killed. */
  stopping: 'paused' | 'cancelled' | null;
}

const newRunId = (label: string) => `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${label}-${crypto.randomBytes(2).toString('hex')}`;

/**
 * Starts, pauses, resumes and cancels runs — every kind through the same path: the folder and
 * config.json are written here, after every input was checked, then a worker runs the folder's
 * session (node/search-session.ts) and streams its events. Main process (via IPC) and
 * `l2nas serve` (via HTTP/WebSocket) share it. It writes status.json; the worker writes events,
 * checkpoints and result.json.
 */
export class RunManager {
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private readonly log: (m: string) => void;

  constructor(private readonly opts: RunManagerOptions) {
    fs.mkdirSync(opts.runsDir, { recursive: true });
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
  }

  private dirOf(id: string): string {
    if (!RUN_ID.safeParse(id).success) throw new NotFoundError(`"${id}" is not a run id`);
    const dir = path.join(this.opts.runsDir, id);
    if (!fs.existsSync(path.join(dir, 'config.json'))) throw new NotFoundError(`no run "${id}" in ${this.opts.runsDir}`);
    return dir;
  }

  private liveIds(): Set<string> {
    return new Set(this.live.keys());
  }

  onEvent(cb: (e: StudioEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(e: StudioEvent): void {
    for (const l of this.listeners) l(e);
  }

  list(): RunSummary[] {
    return listRuns(this.opts.runsDir, this.liveIds(), this.log);
  }

  get(id: string): RunDetail | TrainRunDetail {
    const dir = this.dirOf(id);
    if (isTrainingRun(dir)) return this.getTraining(id, dir);
    const config = readRunConfig(dir);
    const summary = summarizeRun(dir, this.liveIds(), true);
    const warnings = [...(summary.warnings ?? [])];
    const training = config.estimator.kind === 'supernet' ? trainingEpochs(dir, config.estimator.epochs, warnings) : [];
    return { summary: warnings.length ? { ...summary, warnings } : summary, config, result: readRunResult(dir), training };
  }

  /** A search run's detail; a training run is refused (`what` says which call wanted a search run). */
  getSearch(id: string, what: string): RunDetail {
    const d = this.get(id);
    if (d.kind === 'train') throw new UsageError(`${what}: run "${id}" is a training run, not a search run`);
    return d;
  }

  private getTraining(id: string, dir: string): TrainRunDetail {
    const summary = summarizeTrainingRun(dir, this.liveIds());
    const warnings = [...(summary.warnings ?? [])];
    const config = readTrainConfig(dir);
    let result = null;
    let history: TrainRunDetail['history'] = [];
    try {
      result = readTrainResult(dir);
      history = result?.epochs ?? readTrainHistory(dir);
    } catch {
      // Already in the summary's warnings.
    }
    const desc = trainingNetworkOf(dir, config, []);
    const counts = desc && countNetwork(desc);
    const network = desc && counts ? { params: counts.params, macs: counts.macs, input: desc.input, classes: desc.classes, layers: counts.layers.length } : null;
    return { kind: 'train', summary: warnings.length ? { ...summary, warnings } : summary, config, result, history, network, exports: listModelExports(dir) };
  }

  /** A search run's events; a training run has none (its epochs are in getRun's history). */
  events(id: string, from = 0): RunEvent[] {
    const dir = this.dirOf(id);
    return isTrainingRun(dir) ? [] : readRunEvents(dir, from);
  }

  /**
   * A training run (issue #10): the preset's settings with the request's overrides, the
   * architecture, dataset and test dataset checked (training.ts's bounds, named) before any
   * folder exists, then the training worker trains it. `check`/`testCheck`: the datasets as
   * read (serve reads them in a worker thread); otherwise they are read here.
   */
  startTraining(req: StartTrainingRequest, check?: DatasetCheck, testCheck?: DatasetCheck): { id: string } {
    const data = check ?? checkDataset(req.dataset);
    const test = req.testDataset ? (testCheck ?? checkDataset(req.testDataset)) : undefined;
    const config = buildTrainConfig({ ...req, backend: req.backend ?? 'auto' }, data, test);
    const id = newRunId(`train-${config.space}`);
    const dir = path.join(this.opts.runsDir, id);
    makeNewRunFolder(dir);
    writeJsonAtomic(path.join(dir, TRAIN_FILES.config), config);
    this.launch(id, dir, 'training', false);
    return { id };
  }

  /**
   * A table search: the request is validated (table readable, columns present) before any folder
   * exists. `table`: already read from req.benchmark (serve reads it in a worker thread).
   */
  start(req: StartSearchRequest, table?: BenchmarkTable): { id: string } {
    const overrides = Object.entries(req.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
    // Eq. 7 on a column's maximum: config.json records the value, read off the checked table.
    const candidate = runConfigFromOptions({ ...req, set: overrides, backend: 'auto' });
    const config = settleTableReward(candidate, loadCheckedTable(candidate, table));
    const p = this.policyOf(config, req.policyRun);
    return this.create(p.config, `${config.method}-s${config.seed}`, req.checkpointEvery, p.bytes);
  }

  /**
   * A supernet search (train, then search) in the training worker; with no options, the offline
   * demo. The dataset is read and the settings checked (e.g. a validation half smaller than one
   * evaluation batch) before any folder exists. `settings` sets what the API's options do not
   * carry (tests use small runs). `data`: the dataset's check, already made (serve reads the
   * files in a worker thread); otherwise it is read here.
   */
  startSupernetSearch(o: { seed?: number; options?: SupernetSearchOptions; settings?: Partial<SupernetSettings> } = {}, data?: DatasetCheck): { id: string } {
    const { space = 'nb201', dataset = { kind: 'mnist-embedded' as const }, method = 'l2nas', agent, policyRun, maxMacs, backend, supernetCheckpoint, ...fromOptions } = o.options ?? {};
    const config = supernetRunConfig({ space, dataset, method, seed: o.seed ?? 0, agent, maxMacs, backend, pretrained: supernetCheckpoint, settings: { ...fromOptions, ...o.settings }, names: 'api' });
    checkSupernetRun(config, data ?? checkDataset(dataset), 'maxMacs');
    const p = this.policyOf(config, policyRun);
    return this.create(p.config, o.options ? `supernet-${space}` : 'demo', undefined, p.bytes);
  }

  /** "Start from the policy of run X" (issue #12): checked against the new config before any folder exists. */
  private policyOf(config: RunConfig, policyRun: string | undefined): { config: RunConfig; bytes?: Buffer } {
    return policyRun === undefined ? { config } : withPolicy(config, this.dirOf(policyRun));
  }

  private create(config: RunConfig, label: string, checkpointEvery?: number, policyBytes?: Buffer): { id: string } {
    const id = newRunId(label);
    const dir = path.join(this.opts.runsDir, id);
    createRunFolder(dir, config);
    if (policyBytes) writeStartPolicy(dir, policyBytes);
    this.launch(id, dir, workerKindOf(dir), false, checkpointEvery);
    return { id };
  }

  private entryOf(kind: WorkerKind): string {
    if (kind === 'training') return this.opts.trainingWorkerEntry ?? workerEntry(kind);
    return this.opts.workerEntry ?? workerEntry(kind);
  }

  private spawn(kind: WorkerKind, name: string): WorkerChannel<ToWorker, FromWorker> {
    return openChannel<ToWorker, FromWorker>(this.opts.launch(this.entryOf(kind), WORKERS[kind].serviceName), FromWorkerSchema, name, this.log);
  }

  private launch(id: string, dir: string, kind: WorkerKind, resume: boolean, checkpointEvery = this.opts.checkpointEvery ?? 50): void {
    const worker = this.spawn(kind, `${kind} worker of run ${id}`);
    const live: Live = { worker, settled: false, stopping: null };
    this.live.set(id, live);
    writeRunStatus(dir, 'running', worker.pid ?? null);
    this.emit({ kind: 'status', runId: id, status: 'running', error: null });
    const settle = (status: RunStatus, error: string | null) => {
      if (live.settled) return;
      live.settled = true;
      this.live.delete(id);
      writeRunStatus(dir, status, null, error);
      this.emit({ kind: 'status', runId: id, status, error });
    };
    worker.onMessage((m) => {
      switch (m.type) {
        case 'ready':
          // A utility process has no pid until it has started: record it now.
          if (!live.settled) writeRunStatus(dir, 'running', worker.pid ?? null);
          return;
        case 'event':
          return this.emit({ kind: 'event', runId: id, event: m.event });
        case 'progress':
          return this.emit({ kind: 'progress', runId: id, line: m.line });
        case 'train-progress':
          return this.emit({ kind: 'train-progress', runId: id, progress: m.progress });
        case 'epoch':
          return this.emit({ kind: 'epoch', runId: id, epoch: m.epoch });
        case 'train-epoch':
          return this.emit({ kind: 'train-epoch', runId: id, epoch: m.epoch });
        case 'resumed':
          return this.emit({ kind: 'progress', runId: id, line: `continuing after epoch ${m.epoch} (its checkpoint)` });
        case 'done':
          return settle(m.status, null);
        case 'paused':
          return settle('paused', null);
        case 'error':
          if (m.fatal) settle('failed', m.message);
          else this.log(m.message);
          return;
        case 'checkpoint':
        case 'doctor':
        case 'exported':
        case 'checkpoint-checked':
        case 'job-failed':
          return;
      }
    });
    worker.onExit((code, signal) => {
      if (live.stopping) settle(live.stopping, null);
      else settle('failed', `the ${kind} worker exited (${signal ? `signal ${signal}` : `code ${code}`}) before finishing; every written step is kept and resume continues from the last checkpoint`);
    });
    worker.send({ type: 'start', runDir: dir, resume, checkpointEvery });
  }

  private requireLive(id: string, action: string): Live {
    const l = this.live.get(id);
    if (!l) throw new ConflictError(`cannot ${action} run "${id}": it is not running (${runStatusOf(this.dirOf(id)).status})`);
    return l;
  }

  /**
   * Asks a live run's worker to stop (pause: checkpoint; cancel: write a cancelled result),
   * waits up to STOP_GRACE_MS, then kills it; resolves once its status is written.
   */
  private stop(id: string, l: Live, as: 'paused' | 'cancelled'): Promise<RunStatus> {
    const done = this.whenSettled(id);
    l.stopping = as;
    l.worker.send({ type: as === 'paused' ? 'pause' : 'cancel' });
    const timer = setTimeout(() => l.worker.kill(), this.opts.stopGraceMs ?? STOP_GRACE_MS);
    return done.finally(() => clearTimeout(timer));
  }

  /** Asks the worker to checkpoint and stop; resolves once it has. */
  async pause(id: string): Promise<RunSummary> {
    await this.stop(id, this.requireLive(id, 'pause'), 'paused');
    return summarizeRun(this.dirOf(id), this.liveIds());
  }

  /**
   * A run that a process other than this manager's workers is writing (a CLI search, another
   * `serve`) holds its folder's lock: deleting it would pull the folder from under that writer,
   * and "cancelling" it here would not stop it.
   */
  private refuseForeignWriter(id: string, dir: string, action: string): void {
    if (this.live.has(id)) return;
    const h = runLockHolder(dir);
    if (h) throw new ConflictError(`cannot ${action} run "${id}": another process is writing it (pid ${h.pid}, l2nas ${h.by}, since ${h.since}); stop that process first`);
  }

  async cancel(id: string): Promise<RunSummary> {
    const dir = this.dirOf(id);
    this.refuseForeignWriter(id, dir, 'cancel');
    const l = this.live.get(id);
    if (l) await this.stop(id, l, 'cancelled');
    else {
      const st = runStatusOf(dir).status;
      if (st === 'completed' || st === 'cancelled') throw new ConflictError(`run "${id}" has already ended (${st})`);
      writeRunStatus(dir, 'cancelled', null);
      this.emit({ kind: 'status', runId: id, status: 'cancelled', error: null });
    }
    return summarizeRun(dir, this.liveIds());
  }

  /** Continues a paused or failed run of any kind from its last checkpoint. */
  resume(id: string): RunSummary {
    const dir = this.dirOf(id);
    if (this.live.has(id)) throw new ConflictError(`run "${id}" is already running`);
    this.refuseForeignWriter(id, dir, 'resume');
    const st = runStatusOf(dir).status;
    if (st !== 'paused' && st !== 'failed') throw new ConflictError(`run "${id}" is ${st}; only paused or failed runs resume`);
    this.launch(id, dir, workerKindOf(dir), true);
    return summarizeRun(dir, this.liveIds());
  }

  delete(id: string): { deleted: true } {
    const dir = this.dirOf(id);
    if (this.live.has(id)) throw new ConflictError(`run "${id}" is running; pause or cancel it first`);
    this.refuseForeignWriter(id, dir, 'delete');
    fs.rmSync(dir, { recursive: true, force: true });
    return { deleted: true };
  }

  /** Resolves when the run's worker has finished (any outcome). */
  whenSettled(id: string): Promise<RunStatus> {
    if (!this.live.has(id)) return Promise.resolve(runStatusOf(this.dirOf(id)).status);
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.kind === 'status' && e.runId === id && e.status !== 'running') {
          off();
          resolve(e.status);
        }
      });
    });
  }

  /** Which TF.js backend a worker loads, and why — asked of a short-lived worker (main never loads TF.js). */
  doctor(): Promise<DoctorInfo> {
    const worker = this.spawn('doctor', 'backend check');
    return new Promise((resolve, reject) => {
      let answered = false;
      worker.onMessage((m) => {
        if (m.type === 'doctor') {
          answered = true;
          resolve({ chosen: m.chosen, backends: m.backends, webgpu: m.webgpu, ...(m.adapter ? { adapter: m.adapter } : {}) });
          worker.kill();
        } else if (m.type === 'error') {
          answered = true;
          reject(new Error(m.message));
          worker.kill();
        }
      });
      worker.onExit((code, signal) => {
        if (!answered) reject(new Error(`the backend check exited (${signal ?? code}) without answering`));
      });
      worker.send({ type: 'doctor' });
    });
  }

  /**
   * One job in a short-lived training worker (main never loads TF.js): its answer, or a
   * UsageError when the input is wrong. At most MAX_WORKER_JOBS run at once (a flood of calls
   * cannot start a process each); past `timeoutMs` the worker is killed and the job fails.
   */
  private async workerJob<T>(name: string, job: ToWorker, answer: (m: FromWorker) => T | undefined, timeoutMs?: number): Promise<T> {
    if (this.jobs >= MAX_WORKER_JOBS) throw new ConflictError(`${MAX_WORKER_JOBS} checkpoint checks or exports are already running; try again when they finish`);
    this.jobs++;
    const worker = this.spawn('training', name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        let answered = false;
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            answered = true;
            reject(new Error(`${name}: no answer within ${timeoutMs / 1000} s; stopped`));
            worker.kill();
          }, timeoutMs);
        }
        worker.onMessage((m) => {
          if (answered) return;
          const value = answer(m);
          if (value === undefined && m.type !== 'job-failed' && m.type !== 'error') return;
          answered = true;
          if (value !== undefined) resolve(value);
          else if (m.type === 'job-failed' || m.type === 'error') reject(m.type === 'job-failed' && m.invalid ? new UsageError(m.message) : new Error(m.message));
          worker.kill();
        });
        worker.onExit((code, signal) => {
          if (!answered) reject(new Error(`${name}: the worker exited (${signal ?? code}) without answering`));
          answered = true;
        });
        worker.send(job);
      });
    } finally {
      clearTimeout(timer);
      this.jobs--;
    }
  }
  private jobs = 0;

  /**
   * Exports the best subnet of a finished OFA supernet search in `formats` into the new folder
   * `out` (node/ofa-export.ts); resolves with the bare names written.
   */
  exportOfaInWorker(runDir: string, formats: readonly string[], out: string): Promise<string[]> {
    return this.workerJob(`OFA export of ${path.basename(runDir)}`, { type: 'export-ofa', runDir, formats: [...formats], out }, (m) => (m.type === 'exported' ? m.files : undefined));
  }

  /** Reads a PyTorch checkpoint as an OFA MobileNetV3 state_dict (with `fit`: against that supernet) in a worker. */
  checkOfaCheckpoint(file: string, fit?: { C: number; N: number; inChannels: number; classes: number }): Promise<SupernetCheckpointCheck> {
    return this.workerJob(`check of ${path.basename(file)}`, { type: 'check-ofa-checkpoint', file, ...(fit ? { fit } : {}) }, (m) => (m.type === 'checkpoint-checked' ? m.info : undefined), CHECK_TIMEOUT_MS);
  }

  /**
   * Ends every live run as paused (checkpoint written, or killed after STOP_GRACE_MS: either way
   * resumable), e.g. when `l2nas serve` gets SIGTERM or the app quits.
   */
  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map(([id, l]) => this.stop(id, l, 'paused')));
  }

  /** Kills every worker at once (their runs stay resumable from the last checkpoint). */
  dispose(): void {
    for (const [, l] of this.live) l.worker.kill();
  }
}
