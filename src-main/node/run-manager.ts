import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PresetName } from '../contracts/agent-config';
import type { RunConfig, RunEvent } from '../contracts/run';
import { RUN_ID, type DoctorInfo, type RunDetail, type RunStatus, type RunSummary, type EpochSummary, type StartSearchRequest, type StudioEvent, type SupernetSearchOptions } from '../contracts/studio-api';
import { readSupernetCheckpoint } from './supernet-checkpoint';
import { DEMO_DEFAULTS, FromTrainingWorkerSchema, supernetChannelsError, supernetDefaults, FromWorkerSchema, parseMessage, type ToTrainingWorker, type ToWorker } from '../contracts/worker-protocol';
import { loadCheckedTable, runConfigFromOptions, UsageError } from './run-config';
import { createRunFolder, readRunConfig, readRunEvents, readRunResult, writeRunStatus } from './run-folder';
import { listRuns, runStatusOf, summarizeRun } from './run-store';
import { runLockHolder } from './run-lock';
import { checkDatasetFilesExist } from './demo-checks';
import { SEARCH_WORKER_ENTRY, TRAINING_WORKER_ENTRY, type WorkerChannel, type WorkerLauncher } from './worker-host';

/** The finished epochs of a supernet run, from its checkpoint (none yet: empty; unreadable: empty and a warning). */
function trainingEpochs(dir: string, epochs: number, warnings: string[]): EpochSummary[] {
  try {
    return (readSupernetCheckpoint(dir)?.reports ?? []).map((r) => ({ ...r, epochs }));
  } catch (e) {
    warnings.push((e as Error).message);
    return [];
  }
}

/** The training-worker message that continues a supernet run from its folder (same settings as it started with). */
function supernetMessageOf(config: RunConfig, dir: string): ToTrainingWorker {
  const e = config.estimator;
  if (e.kind !== 'supernet') throw new Error('not a supernet run');
  if (config.space === 'ofa') throw new ConflictError('OFA supernet runs do not exist');
  const defaults = supernetDefaults(config.space);
  return {
    type: 'demo', out: dir, seed: config.seed, epochs: e.epochs, steps: config.steps, randomArchitectures: e.randomArchitectures ?? defaults.randomArchitectures,
    C: e.C, N: e.N, trainImages: e.trainImages, lrMax: e.lrMax, cutout: e.cutout, batchSize: e.batchSize,
    space: config.space, dataset: e.dataset, method: config.method, agent: { preset: config.preset as PresetName, config: config.agent },
  };
}

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
  workerEntry?: string;
  trainingWorkerEntry?: string;
  checkpointEvery?: number;
  /** Where worker diagnostics go (default: stderr). */
  log?: (m: string) => void;
}

interface Live {
  worker: WorkerChannel;
  settled: boolean;
  /**
   * Supernet runs stop by ending their training worker: every finished epoch is checkpointed, so
   * pause = stop now and resume from the last epoch; the status says which was asked for.
   */
  stop?: (as: 'paused' | 'cancelled') => void;
}

/**
 * Starts, pauses, resumes and cancels runs, each in its own search worker, and streams their
 * events. Main process (via IPC) and `l2nas serve` (via HTTP/WebSocket) share it. It writes
 * status.json; the worker writes events, checkpoints and result.json.
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

  get(id: string): RunDetail {
    const dir = this.dirOf(id);
    const config = readRunConfig(dir);
    const summary = summarizeRun(dir, this.liveIds(), true);
    const warnings = [...(summary.warnings ?? [])];
    const training = config.estimator.kind === 'supernet' ? trainingEpochs(dir, config.estimator.epochs, warnings) : [];
    return { summary: warnings.length ? { ...summary, warnings } : summary, config, result: readRunResult(dir), training };
  }

  events(id: string, from = 0): RunEvent[] {
    return readRunEvents(this.dirOf(id), from);
  }

  /** Validates the request (table readable, columns present) before any folder exists. */
  start(req: StartSearchRequest): { id: string } {
    const overrides = Object.entries(req.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
    const config = runConfigFromOptions({ ...req, set: overrides, backend: 'auto' });
    loadCheckedTable(config);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${config.method}-s${config.seed}-${crypto.randomBytes(2).toString('hex')}`;
    const dir = path.join(this.opts.runsDir, id);
    createRunFolder(dir, config);
    this.launch(id, dir, false, req.checkpointEvery);
    return { id };
  }

  private launch(id: string, dir: string, resume: boolean, checkpointEvery = this.opts.checkpointEvery ?? 50): void {
    const worker = this.opts.launch(this.opts.workerEntry ?? SEARCH_WORKER_ENTRY);
    const live: Live = { worker, settled: false };
    this.live.set(id, live);
    writeRunStatus(dir, 'running', worker.pid ?? null);
    this.emit({ kind: 'status', runId: id, status: 'running', error: null });
    const settle = (status: RunStatus, error: string | null) => {
      if (live.settled) return;
      live.settled = true;
      this.live.delete(id);
      if (status !== 'completed' && status !== 'cancelled') writeRunStatus(dir, status, null, error);
      else writeRunStatus(dir, status, null);
      this.emit({ kind: 'status', runId: id, status, error });
    };
    worker.onMessage((raw) => {
      const p = parseMessage(FromWorkerSchema, raw, `worker of run ${id}`);
      if (!p.ok) {
        this.log(p.error);
        return;
      }
      const m = p.msg;
      if (m.type === 'ready') {
        // A utility process has no pid until it has started: record it now.
        if (!live.settled) writeRunStatus(dir, 'running', worker.pid ?? null);
      } else if (m.type === 'event') this.emit({ kind: 'event', runId: id, event: m.event });
      else if (m.type === 'done') settle(m.result.status, null);
      else if (m.type === 'paused') settle('paused', null);
      else if (m.type === 'error') {
        if (m.fatal) settle('failed', m.message);
        else this.log(m.message);
      }
    });
    worker.onExit((code, signal) => {
      if (!live.settled) settle('failed', `the search worker exited (${signal ? `signal ${signal}` : `code ${code}`}) before finishing; every written step is kept and resume continues from the last checkpoint`);
    });
    worker.send({ type: 'start', runDir: dir, resume, checkpointEvery } satisfies ToWorker);
  }

  private requireLive(id: string, action: string): Live {
    const l = this.live.get(id);
    if (!l) throw new ConflictError(`cannot ${action} run "${id}": it is not running (${runStatusOf(this.dirOf(id)).status})`);
    return l;
  }

  /** Asks the worker to checkpoint and stop; resolves once it has. */
  async pause(id: string): Promise<RunSummary> {
    const l = this.requireLive(id, 'pause');
    if (l.stop) await this.stopSupernet(id, l, 'paused');
    else await this.untilSettled(id, l, { type: 'pause' });
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
    if (l?.stop) await this.stopSupernet(id, l, 'cancelled');
    else if (l) await this.untilSettled(id, l, { type: 'cancel' });
    else {
      const st = runStatusOf(dir).status;
      if (st === 'completed' || st === 'cancelled') throw new ConflictError(`run "${id}" has already ended (${st})`);
      writeRunStatus(dir, 'cancelled', null);
      this.emit({ kind: 'status', runId: id, status: 'cancelled', error: null });
    }
    return summarizeRun(dir, this.liveIds());
  }

  resume(id: string): RunSummary {
    const dir = this.dirOf(id);
    if (this.live.has(id)) throw new ConflictError(`run "${id}" is already running`);
    this.refuseForeignWriter(id, dir, 'resume');
    const st = runStatusOf(dir).status;
    if (st !== 'paused' && st !== 'failed') throw new ConflictError(`run "${id}" is ${st}; only paused or failed runs resume`);
    const config = readRunConfig(dir);
    if (config.estimator.kind === 'supernet') this.launchSupernet(id, dir, supernetMessageOf(config, dir));
    else this.launch(id, dir, true);
    return summarizeRun(dir, this.liveIds());
  }

  delete(id: string): { deleted: true } {
    const dir = this.dirOf(id);
    if (this.live.has(id)) throw new ConflictError(`run "${id}" is running; pause or cancel it first`);
    this.refuseForeignWriter(id, dir, 'delete');
    fs.rmSync(dir, { recursive: true, force: true });
    return { deleted: true };
  }

  private untilSettled(id: string, l: Live, msg: ToWorker): Promise<void> {
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.kind === 'status' && e.runId === id && e.status !== 'running') {
          off();
          resolve();
        }
      });
      l.worker.send(msg);
    });
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

  /**
   * The offline demo in the training worker: it trains a small supernet on the embedded MNIST,
   * runs L²NAS on it and leaves a normal run folder; progress lines stream as events.
   */
  startDemo(o: { seed?: number; options?: SupernetSearchOptions } & Partial<Record<keyof typeof DEMO_DEFAULTS, number>> = {}): { id: string } {
    const { options, seed, ...numbers } = o;
    const defaults = supernetDefaults(options?.space ?? 'nb201');
    const picked = (options ? Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) : {}) as Partial<SupernetSearchOptions>;
    const settings = { ...defaults, ...numbers, ...picked };
    const bad = supernetChannelsError(picked.space ?? 'nb201', settings.C);
    if (bad) throw new UsageError(bad);
    if (options) checkDatasetFilesExist(options.dataset);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${options ? `supernet-${options.space}` : 'demo'}-${crypto.randomBytes(2).toString('hex')}`;
    this.launchSupernet(id, path.join(this.opts.runsDir, id), { type: 'demo', out: path.join(this.opts.runsDir, id), ...settings, seed: seed ?? 0 });
    return { id };
  }

  /** Runs a supernet search (train, then search) in a training worker; `msg.out` is the run folder. */
  private launchSupernet(id: string, dir: string, msg: ToTrainingWorker): void {
    const worker = this.opts.launch(this.opts.trainingWorkerEntry ?? TRAINING_WORKER_ENTRY);
    let stopping: 'paused' | 'cancelled' | null = null;
    const live: Live = { worker, settled: false, stop: (as) => ((stopping = as), worker.kill()) };
    this.live.set(id, live);
    const settle = (status: RunStatus, error: string | null) => {
      if (live.settled) return;
      live.settled = true;
      this.live.delete(id);
      if (fs.existsSync(path.join(dir, 'config.json'))) writeRunStatus(dir, status, null, error);
      this.emit({ kind: 'status', runId: id, status, error });
    };
    worker.onMessage((raw) => {
      const p = parseMessage(FromTrainingWorkerSchema, raw, `training worker of ${id}`);
      if (!p.ok) return this.log(p.error);
      const m = p.msg;
      if (m.type === 'ready') {
        if (fs.existsSync(path.join(dir, 'config.json'))) writeRunStatus(dir, 'running', worker.pid ?? null);
      } else if (m.type === 'progress') this.emit({ kind: 'progress', runId: id, line: m.line });
      else if (m.type === 'train-progress') {
        const { type: _t, ...progress } = m;
        this.emit({ kind: 'train-progress', runId: id, progress });
      } else if (m.type === 'epoch') {
        const { type: _t, ...epoch } = m;
        this.emit({ kind: 'epoch', runId: id, epoch });
      } else if (m.type === 'demo-done') settle('completed', null);
      else if (m.type === 'error') {
        if (m.fatal) settle('failed', m.message);
        else this.log(m.message);
      }
    });
    worker.onExit((code, signal) => {
      if (stopping) settle(stopping, null);
      else if (!live.settled) settle('failed', `the training worker exited (${signal ? `signal ${signal}` : `code ${code}`}) before finishing; resume continues after the last finished epoch`);
    });
    worker.send(msg);
    // A new run's folder is made by the worker (after its dataset loaded); a resumed one exists.
    if (fs.existsSync(path.join(dir, 'config.json'))) writeRunStatus(dir, 'running', worker.pid ?? null);
    this.emit({ kind: 'status', runId: id, status: 'running', error: null });
  }

  /** Ends a supernet run's worker as paused or cancelled; resolves once its status is written. */
  private stopSupernet(id: string, l: Live, as: 'paused' | 'cancelled'): Promise<RunStatus> {
    const done = this.whenSettled(id);
    l.stop!(as);
    return done;
  }

  /** Which TF.js backend a worker loads, and why — asked of a short-lived worker (main never loads TF.js). */
  doctor(): Promise<DoctorInfo> {
    const worker = this.opts.launch(this.opts.workerEntry ?? SEARCH_WORKER_ENTRY);
    return new Promise((resolve, reject) => {
      let answered = false;
      worker.onMessage((raw) => {
        const p = parseMessage(FromWorkerSchema, raw, 'doctor worker');
        if (!p.ok) return;
        if (p.msg.type === 'doctor') {
          answered = true;
          resolve({ chosen: p.msg.chosen, backends: p.msg.backends });
          worker.kill();
        } else if (p.msg.type === 'error') {
          answered = true;
          reject(new Error(p.msg.message));
          worker.kill();
        }
      });
      worker.onExit((code, signal) => {
        if (!answered) reject(new Error(`the doctor worker exited (${signal ?? code}) without answering`));
      });
      worker.send({ type: 'doctor' } satisfies ToWorker);
    });
  }

  /** Kills every worker (their runs stay resumable from the last checkpoint). */
  dispose(): void {
    for (const [, l] of this.live) l.worker.kill();
  }
}
