import type { RunConfig } from '../../contracts/run';
import { TableEstimator } from '../../core/estimators/table-estimator';
import { getSpace } from '../../core/spaces';
import { loadBenchmarkTables } from '../../node/benchmark-csv';
import { RunFolderWriter } from '../../node/run-folder';
import { UsageError } from '../run-config-from-options';
import { runSearchJob } from '../../node/search-job';
import { createProgress } from '../progress';

/** `l2nas search`: one search, written to a run folder, best architecture printed. */
export async function searchCommand(config: RunConfig, out: string, quiet: boolean): Promise<void> {
  // Check every input before the run folder exists: a bad table leaves nothing behind.
  const space = getSpace(config.space);
  const table = loadBenchmarkTables(config.estimator.files, space);
  try {
    new TableEstimator(space, table, config.estimator.metric, config.estimator.report);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const writer = RunFolderWriter.create(out, config);
  const bar = createProgress(config.steps, !quiet, `${config.method}/${config.preset}`);
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  process.once('SIGINT', onSignal);
  try {
    const result = await runSearchJob(config, {
      table,
      onEvent: (e) => {
        writer.appendEvent(e);
        bar.update(e.step + 1, { best: e.best.toFixed(2) });
      },
      shouldStop: () => interrupted,
    });
    bar.stop();
    writer.finish(result);
    if (!quiet) {
      const m = Object.entries(result.best.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
      console.log(`${result.status}: ${result.steps} steps in ${result.seconds.toFixed(1)} s on ${result.backend}`);
      console.log(`best (step ${result.best.step}): ${result.best.arch}`);
      console.log(`  ${m}`);
      console.log(`run folder: ${out}`);
    }
  } catch (e) {
    bar.stop();
    writer.close();
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
