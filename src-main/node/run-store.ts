import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSpec } from '../contracts/dataset';
import type { RunStatus, RunSummary, TrainingSummary } from '../contracts/studio-api';
import type { TrainConfig, TrainEpoch } from '../contracts/train';
import { countNetwork } from '../core/network/counts';
import type { NetworkDescription } from '../core/network/network';
import { readTrainConfig, readTrainHistory, readTrainNetwork, readTrainResult, TRAIN_FILES } from './train-folder';
import { hasRunLock, runLockHolder } from './run-lock';
import { readRunNotes } from './run-notes';
import { readRunConfig, readRunEventsReport, readRunResult, readRunStatus, RUN_FILES } from './run-folder';

/** True when a process with this id exists (signal 0 checks without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process writing a "running" run is still there: its lock says so when it has one
 * (pid and start time, so a pid reused by another process does not count); older runs without
 * a lock fall back to the pid in status.json.
 */
function writerAlive(dir: string, pid: number | null): boolean {
  if (hasRunLock(dir)) return runLockHolder(dir) !== null;
  return pid !== null && processAlive(pid);
}

/**
 * The status of a run folder, from its files: result.json says how it ended; otherwise
 * status.json says running/paused/failed — and a "running" run whose process is gone (killed,
 * crashed, machine rebooted) is failed, with every written step intact and resumable.
 */
export function runStatusOf(dir: string, liveIds: ReadonlySet<string> = new Set()): { status: RunStatus; error: string | null } {
  // A training run's result.json is a TrainResult (written only when it completes).
  const result = isTrainingRun(dir) ? (fs.existsSync(path.join(dir, TRAIN_FILES.result)) ? { status: 'completed' as const } : null) : readRunResult(dir);
  if (result) return { status: result.status, error: null };
  const s = readRunStatus(dir);
  if (!s) return { status: 'failed', error: 'no status.json: the run never started' };
  if (s.status === 'running' && !liveIds.has(path.basename(dir)) && !writerAlive(dir, s.pid)) {
    return { status: 'failed', error: `the process running it (pid ${s.pid ?? '?'}) ended without finishing; resume continues from the last checkpoint` };
  }
  return { status: s.status, error: s.error };
}

/**
 * One run's summary. Events are read when the run has no result yet (steps done, best so far),
 * or always with `checkEvents` (a run's detail): damaged event lines become `warnings`.
 */
export function summarizeRun(dir: string, liveIds?: ReadonlySet<string>, checkEvents = false): RunSummary {
  if (isTrainingRun(dir)) return summarizeTrainingRun(dir, liveIds);
  const config = readRunConfig(dir);
  const result = readRunResult(dir);
  const { status, error } = runStatusOf(dir, liveIds);
  let stepsDone = result?.steps ?? 0;
  let best = result?.best.value ?? null;
  let seconds = result?.seconds ?? null;
  const warnings: string[] = [];
  const notes = readRunNotes(dir, (m) => warnings.push(m));
  if (!result || checkEvents) {
    const read = readRunEventsReport(dir);
    warnings.push(...read.problems);
    if (!result) {
      const ev = read.events;
      stepsDone = ev.length;
      best = ev.length ? ev[ev.length - 1].best : null;
      seconds = ev.length ? ev[ev.length - 1].seconds : null;
    }
  }
  return {
    id: path.basename(dir), dir, status, error,
    space: config.space, estimator: config.estimator.kind, method: config.method, preset: config.preset, metric: config.estimator.metric,
    steps: config.steps, stepsDone, best, seconds, createdAt: config.createdAt,
    seed: config.seed, report: config.estimator.report, bestMetrics: result?.best.metrics ?? null, notes,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** The network a training config builds, by its recorded input (null: not recorded yet, or it cannot be built). */
export function trainingNetworkOf(dir: string, config: TrainConfig, warnings: string[]): NetworkDescription | null {
  if (!fs.existsSync(path.join(dir, TRAIN_FILES.network))) return null;
  try {
    return readTrainNetwork(dir, config);
  } catch (e) {
    warnings.push((e as Error).message);
    return null;
  }
}

/**
 * A training run's summary: the common fields (steps = epochs, best = best validation accuracy)
 * and its own (`training`). Read from history.json and result.json, never the checkpoint.
 */
export function summarizeTrainingRun(dir: string, liveIds?: ReadonlySet<string>): RunSummary {
  const config = readTrainConfig(dir);
  const warnings: string[] = [];
  const notes = readRunNotes(dir, (m) => warnings.push(m));
  let result = null;
  let history: TrainEpoch[] = [];
  try {
    result = readTrainResult(dir);
    history = result?.epochs ?? readTrainHistory(dir);
  } catch (e) {
    warnings.push((e as Error).message);
  }
  const { status, error } = runStatusOf(dir, liveIds);
  const desc = trainingNetworkOf(dir, config, warnings);
  const counts = desc ? countNetwork(desc) : null;
  const vals = history.map((e) => e.valAccuracy);
  const best = vals.length ? Math.max(...vals) : null;
  const training: TrainingSummary = {
    arch: config.arch, epoch: history.length, epochs: config.settings.epochs, bestValAccuracy: best, valAccuracy: vals.at(-1) ?? null,
    testAccuracy: result?.testAccuracy ?? null, params: counts?.params ?? null, macs: counts?.macs ?? null, dataset: datasetLabel(config.dataset),
  };
  return {
    id: path.basename(dir), dir, status, error, kind: 'train', training,
    space: config.space, estimator: 'train', method: 'train', preset: config.preset ?? 'default', metric: 'validation accuracy',
    steps: config.settings.epochs, stepsDone: history.length, best, seconds: result?.seconds ?? (history.length ? history.reduce((s, e) => s + e.seconds, 0) : null), createdAt: config.createdAt,
    seed: config.seed, report: [], bestMetrics: result ? { validation: result.valAccuracy, ...(result.testAccuracy !== undefined ? { test: result.testAccuracy } : {}) } : null, notes,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** A dataset in a few words (kind and, for files, the first file's name). */
function datasetLabel(d: DatasetSpec): string {
  switch (d.kind) {
    case 'mnist-embedded':
      return 'embedded MNIST';
    case 'idx':
      return d.name ?? `IDX ${path.basename(d.images)}`;
    case 'imagenet-downsampled':
      return `ImageNet${d.size}${d.classes ? `-${d.classes}` : ''}`;
    default:
      return d.kind;
  }
}

/** A training run's folder (`l2nas train`: config.json of kind "train"). */
export function isTrainingRun(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.config), 'utf8')) as { kind?: unknown }).kind === 'train';
  } catch {
    return false;
  }
}

/** Every run folder under `runsDir` (folders with a config.json), newest first; unreadable ones are skipped with a warning. */
export function listRuns(runsDir: string, liveIds?: ReadonlySet<string>, warn: (m: string) => void = () => {}): RunSummary[] {
  if (!fs.existsSync(runsDir)) return [];
  const out: RunSummary[] = [];
  for (const name of fs.readdirSync(runsDir)) {
    const dir = path.join(runsDir, name);
    if (!fs.existsSync(path.join(dir, RUN_FILES.config))) continue;
    try {
      out.push(summarizeRun(dir, liveIds));
    } catch (e) {
      warn(`skipping ${dir}: ${(e as Error).message}`);
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
