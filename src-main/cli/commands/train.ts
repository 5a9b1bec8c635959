import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRAIN_SPACES, type TrainConfig, type TrainPresetId, type TrainSettings, type TrainSpace } from '../../contracts/train';
import { checkDataset } from '../../node/datasets';
import { parseExportFormats, writeNetworkExports } from '../../node/exporters/network-export';
import { writeJsonAtomic } from '../../node/atomic-write';
import { makeNewRunFolder, readRunConfig, readRunResult, readRunStatus, writeRunStatus } from '../../node/run-folder';
import type { BackendName } from '../../node/backend';
import { exportOfaRun, isOfaSupernetRun } from '../../node/ofa-export';
import { acquireRunLock } from '../../node/run-lock';
import { buildTrainConfig } from '../../node/train-config';
import { isTrainFolder, readTrainCheckpoint, readTrainConfig, readTrainNetwork, readTrainResult, trainFolder, TRAIN_FILES } from '../../node/train-session';
import { UsageError } from '../../node/usage-error';
import { createProgress } from '../progress';
import { datasetSpecOf, DATASET_KINDS, type DatasetFlags } from './demo';

export interface TrainCommandOptions extends DatasetFlags {
  space?: TrainSpace;
  arch?: string;
  fromRun?: string;
  dataset: (typeof DATASET_KINDS)[number] | 'mnist';
  data: string[];
  classes?: number;
  epochs?: number;
  channels?: number;
  cells?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  cutout?: number;
  auxWeight?: number;
  dropPath?: number;
  trainImages?: number;
  valImages?: number;
  testImages?: number;
  preset?: TrainPresetId;
  /** The dataset's test split, files as --data (same kind). */
  testData?: string[];
  seed: number;
  backend: TrainConfig['backend'];
  out: string;
  quiet?: boolean;
}

/** config.json of a training run from the flags: the preset's settings with the flags' overrides; every input (arch, settings, dataset files) is checked before a folder is written (node/train-config.ts). */
export function trainConfigOf(o: TrainCommandOptions): TrainConfig {
  const { space, arch, from } = architectureOf(o);
  const flags: Partial<TrainSettings> = {
    channels: o.channels, layers: o.cells, epochs: o.epochs, batchSize: o.batch, lrMax: o.lr, weightDecay: o.weightDecay, cutout: o.cutout,
    auxWeight: o.auxWeight, dropPath: o.dropPath, trainImages: o.trainImages, valImages: o.valImages, testImages: o.testImages,
  };
  // An OFA subnet found on a supernet trains at that supernet's width and stride layout unless the flags say otherwise.
  const settings: Partial<TrainSettings> = { ...from, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  const kind = o.dataset === 'mnist' ? 'mnist-embedded' : o.dataset;
  const dataset = datasetSpecOf(kind, o.data, o);
  if (o.testData?.length && kind === 'mnist-embedded') throw new UsageError('--test-data: the embedded MNIST has no test files (its test images are the second half of the held-out half)');
  const testDataset = o.testData?.length ? datasetSpecOf(kind, o.testData, o) : undefined;
  try {
    return buildTrainConfig({ space, arch, dataset, testDataset, preset: o.preset, settings, seed: o.seed, backend: o.backend }, checkDataset(dataset), testDataset && checkDataset(testDataset));
  } catch (e) {
    // The API names request fields; here the flags are the user's words.
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/^arch: /, '--arch: ').replace(/^settings\.auxWeight/, '--aux-weight').replace(/^settings\.batchSize/, '--batch').replace(/^testDataset: /, '--test-data: '));
    throw e;
  }
}

/** --space + --arch, or the best architecture of the search run --from-run names. */
function architectureOf(o: TrainCommandOptions): { space: TrainSpace; arch: string; from?: Partial<TrainSettings> } {
  if (o.fromRun) {
    if (o.arch || o.space) throw new UsageError('--from-run takes the space and architecture from the run; leave out --space and --arch');
    if (isTrainFolder(o.fromRun)) throw new UsageError(`--from-run ${o.fromRun}: a training run, not a search run`);
    let config, result;
    try {
      config = readRunConfig(o.fromRun);
      result = readRunResult(o.fromRun);
    } catch (e) {
      throw new UsageError(`--from-run ${o.fromRun}: ${(e as Error).message}`);
    }
    if (!result) throw new UsageError(`--from-run ${o.fromRun}: the run has no best architecture yet (no result.json: finish it with l2nas resume)`);
    if (!(TRAIN_SPACES as readonly string[]).includes(config.space)) throw new UsageError(`--from-run ${o.fromRun}: no network builder for the "${config.space}" space yet (${TRAIN_SPACES.join(', ')})`);
    const e = config.estimator;
    const from = config.space === 'ofa' && e.kind === 'supernet' ? { channels: e.C, layers: e.N } : undefined;
    return { space: config.space as TrainSpace, arch: result.best.arch, ...(from ? { from } : {}) };
  }
  if (!o.space || !o.arch) throw new UsageError('train needs --space and --arch, or --from-run <search run>');
  return { space: o.space, arch: o.arch };
}

async function drive(dir: string, quiet: boolean): Promise<void> {
  const lock = acquireRunLock(dir, 'train');
  writeRunStatus(dir, 'running', process.pid);
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const config = readTrainConfig(dir);
  const bar = createProgress(config.settings.epochs, !quiet, `train ${config.space}`);
  bar.update(readTrainCheckpoint(dir)?.epoch ?? 0);
  try {
    const out = await trainFolder(dir, {
      shouldStop: () => stop,
      onEpoch: (e) => {
        bar.update(e.epoch);
        if (!quiet) console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(2)}%, val loss ${e.valLoss.toFixed(4)} acc ${e.valAccuracy.toFixed(2)}%, ${e.imagesPerSecond.toFixed(0)} images/s`);
      },
    });
    bar.stop();
    if (out.outcome !== 'completed') {
      writeRunStatus(dir, 'paused', null);
      if (!quiet) console.log(`paused after epoch ${out.epoch}: continue with l2nas resume ${dir}`);
      return;
    }
    writeRunStatus(dir, 'completed', null);
    if (!quiet) console.log(`trained ${out.result.arch}: validation accuracy ${out.result.valAccuracy.toFixed(2)}%, test accuracy ${out.result.testAccuracy?.toFixed(2)}% on ${out.result.testImages} images (${out.result.testSet}) after ${out.result.epochs.length} epochs (${out.result.params} params, ${out.result.macs} MACs, ${out.result.backend}, ${out.result.seconds.toFixed(0)} s); export with l2nas export ${dir} --format onnx --out <dir>`);
  } catch (e) {
    bar.stop();
    writeRunStatus(dir, 'failed', null, (e as Error).message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    lock.release();
  }
}

/** `l2nas train`: a new training run folder, trained to the end (Ctrl-C pauses after the current batch). */
export async function trainCommand(o: TrainCommandOptions): Promise<void> {
  const config = trainConfigOf(o);
  makeNewRunFolder(o.out);
  writeJsonAtomic(path.join(o.out, TRAIN_FILES.config), config);
  await drive(o.out, !!o.quiet);
}

/** `l2nas resume` of a training folder: from the last finished epoch. */
export async function resumeTrainCommand(dir: string, quiet: boolean): Promise<void> {
  if (readTrainResult(dir)) throw new UsageError(`${dir}: this training run is complete (result.json); export it with l2nas export`);
  if (readRunStatus(dir)?.status === 'cancelled') throw new UsageError(`${dir}: this training run was cancelled; start a new one (its last checkpoint still exports)`);
  await drive(dir, quiet);
}

export { isTrainFolder };

/** `l2nas export <run-dir>`: the trained network of a training run, as tfjs / onnx / arch / layers. */
export async function exportCommand(dir: string, format: string, out: string, backend: BackendName | 'auto' = 'auto'): Promise<void> {
  const formats = parseExportFormats(format, '--format');
  if (!fs.existsSync(path.join(dir, TRAIN_FILES.config))) throw new UsageError(`${dir}: not a run folder (no config.json)`);
  if (!isTrainFolder(dir)) {
    let config;
    try {
      config = readRunConfig(dir);
    } catch (e) {
      throw new UsageError(`${dir}: ${(e as Error).message}`);
    }
    // An OFA supernet search exports its best subnet with the supernet's weights (node/ofa-export.ts).
    if (isOfaSupernetRun(config)) {
      const { files, net } = await exportOfaRun(dir, formats, out, { backend, onProgress: (m) => console.error(m) });
      console.log(`exported ${files.join(', ')} to ${out}${net.valAccuracy !== undefined ? ` (${net.valAccuracy.toFixed(2)}% on ${net.valImages} held-out images)` : ''}`);
      return;
    }
    throw new UsageError(`${dir}: a search run has no trained network; train its best architecture first (l2nas train --space … --arch "<best arch>")`);
  }
  const config = readTrainConfig(dir);
  const ck = readTrainCheckpoint(dir);
  if (!ck) throw new UsageError(`${dir}: no trained model yet (no ${TRAIN_FILES.checkpoint}: the first epoch has not finished)`);
  const desc = readTrainNetwork(dir, config);
  const done = readTrainResult(dir) ? 'trained' : 'partly trained';
  const files = writeNetworkExports(desc, ck.weights, formats, out, `${done}: ${ck.epoch} of ${config.settings.epochs} epochs, seed ${config.seed} (run ${path.resolve(dir)})`, ck.stats);
  console.log(`exported ${files.join(', ')} to ${out}`);
}
