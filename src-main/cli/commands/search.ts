import type { RunConfig } from '../../contracts/run';
import type { BenchmarkTable } from '../../core/estimators/estimator';
import { createRunFolder, readRunConfig, readRunEvents, writeRunStatus } from '../../node/run-folder';
import { loadCheckedTable, UsageError } from '../../node/run-config';
import { acquireRunLock } from '../../node/run-lock';
import { runFolder, type FolderOutcome } from '../../node/search-session';
import { createProgress } from '../progress';

export const DEFAULT_CHECKPOINT_EVERY = 50;

/** Runs a run folder in this process, with a progress bar; Ctrl-C pauses (checkpoint) for `l2nas resume`. */
async function drive(dir: string, config: RunConfig, table: BenchmarkTable, resume: boolean, checkpointEvery: number, quiet: boolean): Promise<FolderOutcome> {
  const done = resume ? readRunEvents(dir).length : 0;
  const bar = createProgress(config.steps, !quiet, `${config.method}/${config.preset}`);
  bar.update(done);
  let stop: 'pause' | null = null;
  const onSignal = () => (stop = 'pause');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Before status.json is touched: a second writer is refused and leaves the first one's status alone.
  const lock = acquireRunLock(dir, resume ? 'resume' : 'search');
  writeRunStatus(dir, 'running', process.pid);
  try {
    const out = await runFolder(dir, {
      resume,
      checkpointEvery,
      table,
      onEvent: (e) => bar.update(e.step + 1, { best: e.best.toFixed(2) }),
      shouldStop: () => stop,
    });
    bar.stop();
    writeRunStatus(dir, out.outcome, null);
    if (!quiet) {
      if (out.outcome === 'paused') {
        console.log(`paused at step ${out.step}; continue with: l2nas resume ${dir}`);
      } else {
        const r = out.result;
        const m = Object.entries(r.best.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
        console.log(`${r.status}: ${r.steps} steps in ${r.seconds.toFixed(1)} s on ${r.backend}`);
        console.log(`best (step ${r.best.step}): ${r.best.arch}`);
        console.log(`  ${m}`);
        console.log(`run folder: ${dir}`);
      }
    }
    return out;
  } catch (e) {
    bar.stop();
    writeRunStatus(dir, 'failed', null, (e as Error).message);
    throw e;
  } finally {
    lock.release();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** `l2nas search`: one search, written to a new run folder, best architecture printed. */
export async function searchCommand(config: RunConfig, out: string, quiet: boolean, checkpointEvery = DEFAULT_CHECKPOINT_EVERY): Promise<void> {
  const table = loadCheckedTable(config); // every input is checked before the run folder exists
  createRunFolder(out, config);
  await drive(out, config, table, false, checkpointEvery, quiet);
}

/** `l2nas resume <dir>`: continues a run from its last checkpoint (or from the start if none). */
export async function resumeCommand(dir: string, quiet: boolean, checkpointEvery = DEFAULT_CHECKPOINT_EVERY): Promise<void> {
  let config: RunConfig;
  try {
    config = readRunConfig(dir);
  } catch (e) {
    throw new UsageError(`cannot resume: ${(e as Error).message}`);
  }
  await drive(dir, config, loadCheckedTable(config), true, checkpointEvery, quiet);
}
