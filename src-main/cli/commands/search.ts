import type { RunConfig } from '../../contracts/run';
import type { BenchmarkTable } from '../../core/estimators/estimator';
import { createRunFolder, readRunConfig, readRunEvents, writeRunStatus } from '../../node/run-folder';
import { loadCheckedTable, settleTableReward, UsageError } from '../../node/run-config';
import { describeReward } from '../../common/rewards';
import { acquireRunLock } from '../../node/run-lock';
import { runFolder, type FolderOutcome } from '../../node/search-session';
import { createProgress } from '../progress';

export const DEFAULT_CHECKPOINT_EVERY = 50;

/** The table of a table run, checked; runs on other estimators load what they need in the session. */
const tableOf = (config: RunConfig): BenchmarkTable | undefined => (config.estimator.kind === 'table' ? loadCheckedTable(config) : undefined);

/**
 * Runs a run folder of any kind in this process: preparation lines (supernet training) as they
 * come, then a progress bar over the search; Ctrl-C pauses (checkpoint) for `l2nas resume`.
 */
async function drive(dir: string, config: RunConfig, table: BenchmarkTable | undefined, resume: boolean, checkpointEvery: number, quiet: boolean): Promise<FolderOutcome> {
  const done = resume ? readRunEvents(dir).length : 0;
  let bar: ReturnType<typeof createProgress> | null = null;
  const progress = () => {
    if (!bar) {
      bar = createProgress(config.steps, !quiet, `${config.method}/${config.preset}`);
      bar.update(done);
    }
    return bar;
  };
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
      onEvent: (e) => {
        progress().update(e.step + 1, { best: e.best.toFixed(2) });
        // Without a terminal (logs, CI) the bar is silent: a line every 10% instead.
        if (!quiet && !process.stderr.isTTY && (e.step + 1) % Math.max(1, Math.round(config.steps / 10)) === 0) console.log(`search step ${e.step + 1}/${config.steps}: best ${e.best.toFixed(2)}%`);
      },
      onProgress: quiet ? undefined : (line) => console.log(line),
      shouldStop: () => stop,
    });
    (bar as ReturnType<typeof createProgress> | null)?.stop();
    writeRunStatus(dir, out.outcome, null);
    if (!quiet) {
      if (out.outcome === 'paused') {
        console.log(`paused at step ${out.step}; continue with: l2nas resume ${dir}`);
      } else if (out.result) {
        const r = out.result;
        const m = Object.entries(r.best.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
        console.log(`${r.status}: ${r.steps} steps in ${r.seconds.toFixed(1)} s on ${r.backend}`);
        console.log(`best (step ${r.best.step}): ${r.best.arch}`);
        console.log(`  ${m}`);
        console.log(`run folder: ${dir}`);
      } else {
        console.log(`cancelled before the search began; run folder: ${dir}`);
      }
    }
    return out;
  } catch (e) {
    (bar as ReturnType<typeof createProgress> | null)?.stop();
    writeRunStatus(dir, 'failed', null, (e as Error).message);
    throw e;
  } finally {
    lock.release();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/**
 * `l2nas search` (and `l2nas demo`): one search of any estimator kind, written to a new run
 * folder, best architecture printed. Every input is checked before the folder exists (`check`:
 * e.g. a supernet run's dataset).
 */
export async function searchCommand(config: RunConfig, out: string, quiet: boolean, checkpointEvery = DEFAULT_CHECKPOINT_EVERY, check?: () => void | Promise<void>, afterCreate?: (dir: string) => void): Promise<FolderOutcome> {
  const table = tableOf(config);
  // Eq. 7 on a column's maximum: config.json records the value, read off the checked table.
  if (table) config = settleTableReward(config, table);
  await check?.();
  createRunFolder(out, config);
  afterCreate?.(out);
  if (!quiet) console.log(`reward: ${describeReward(config.reward)}`);
  return drive(out, config, table, false, checkpointEvery, quiet);
}

/** `l2nas resume <dir>`: continues a run of any kind from its last checkpoint (or from the start if none). */
export async function resumeCommand(dir: string, quiet: boolean, checkpointEvery = DEFAULT_CHECKPOINT_EVERY): Promise<void> {
  let config: RunConfig;
  try {
    config = readRunConfig(dir);
  } catch (e) {
    throw new UsageError(`cannot resume: ${(e as Error).message}`);
  }
  await drive(dir, config, tableOf(config), true, checkpointEvery, quiet);
}
