import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus, RunSummary } from '../contracts/studio-api';
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
  const result = readRunResult(dir);
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
    // Training runs (`l2nas train`, config kind "train") are not shown by the app and serve yet
    // (issue #10, item 6): skipped without a warning on every refresh.
    if (isTrainingRun(dir)) continue;
    try {
      out.push(summarizeRun(dir, liveIds));
    } catch (e) {
      warn(`skipping ${dir}: ${(e as Error).message}`);
    }
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
