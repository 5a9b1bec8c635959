import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRAIN_SPACES, TrainConfigSchema, type TrainConfig, type TrainSettings, type TrainSpace } from '../../contracts/train';
import { checkDataset } from '../../node/datasets';
import { parseExportFormats, writeNetworkExports } from '../../node/exporters/network-export';
import { writeJsonAtomic } from '../../node/atomic-write';
import { makeNewRunFolder, readRunConfig, readRunResult, writeRunStatus } from '../../node/run-folder';
import type { BackendName } from '../../node/backend';
import { exportOfaRun, isOfaSupernetRun } from '../../node/ofa-export';
import { acquireRunLock } from '../../node/run-lock';
import { isTrainFolder, readTrainCheckpoint, readTrainConfig, readTrainNetwork, readTrainResult, trainFolder, trainNetwork, TRAIN_FILES } from '../../node/train-session';
import { UsageError } from '../../node/usage-error';
import { createProgress } from '../progress';
import { datasetSpecOf, DATASET_KINDS, type DatasetFlags } from './demo';

/** Final-training defaults (DARTS's train.py; paper §4 trains found cells the same way), overridable by flags. */
export const TRAIN_DEFAULTS: Record<TrainSpace, TrainSettings> = {
  nb201: { channels: 16, layers: 5, epochs: 10, batchSize: 64, lrMax: 0.1, lrMin: 0, momentum: 0.9, weightDecay: 5e-4, cutout: 0, auxWeight: 0, dropPath: 0 },
  darts: { channels: 36, layers: 20, epochs: 10, batchSize: 96, lrMax: 0.025, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, cutout: 16, auxWeight: 0.4, dropPath: 0.2 },
  // OFA's train_ofa_net.py: SGD momentum 0.9, base_lr 0.03 per 64 images, weight decay 3e-5, cosine
  // (its label smoothing 0.1 and dropout 0.1 are not in this trainer). Width and stride layout as
  // the OFA supernet's demo defaults: w0.25 (C = 25), four stride-2 steps (N = 4), for small images.
  ofa: { channels: 25, layers: 4, epochs: 10, batchSize: 64, lrMax: 0.03, lrMin: 0, momentum: 0.9, weightDecay: 3e-5, cutout: 0, auxWeight: 0, dropPath: 0 },
};

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
  seed: number;
  backend: TrainConfig['backend'];
  out: string;
  quiet?: boolean;
}

/** config.json of a training run from the flags; every input (arch, settings, dataset files) is checked before a folder is written. */
export function trainConfigOf(o: TrainCommandOptions): TrainConfig {
  const { space, arch, from } = architectureOf(o);
  // An OFA subnet found on a supernet trains at that supernet's width and stride layout unless told otherwise.
  const d = { ...TRAIN_DEFAULTS[space], ...from };
  const settings: TrainSettings = {
    ...d,
    ...(o.channels !== undefined ? { channels: o.channels } : {}),
    ...(o.cells !== undefined ? { layers: o.cells } : {}),
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.batch !== undefined ? { batchSize: o.batch } : {}),
    ...(o.lr !== undefined ? { lrMax: o.lr } : {}),
    ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
    ...(o.cutout !== undefined ? { cutout: o.cutout } : {}),
    ...(o.auxWeight !== undefined ? { auxWeight: o.auxWeight } : {}),
    ...(o.dropPath !== undefined ? { dropPath: o.dropPath } : {}),
    ...(o.trainImages !== undefined ? { trainImages: o.trainImages } : {}),
    ...(o.valImages !== undefined ? { valImages: o.valImages } : {}),
  };
  const kind = o.dataset === 'mnist' ? 'mnist-embedded' : o.dataset;
  const raw = { version: 1, kind: 'train', space, arch, dataset: datasetSpecOf(kind, o.data, o), settings, seed: o.seed, backend: o.backend, createdAt: new Date().toISOString() };
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`training settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const check = checkDataset(r.data.dataset);
  const desc = trainNetwork(r.data, check); // a bad arch or setting is refused here, named
  // The standard DARTS auxiliary head needs an 8×8 map (32×32 input): without it the loss weight is moot.
  if (r.data.space === 'darts' && r.data.settings.auxWeight > 0 && !desc.auxOutput) throw new UsageError(`--aux-weight ${r.data.settings.auxWeight}: the auxiliary head needs 32×32 images (got ${check.height}×${check.width}); pass --aux-weight 0`);
  return r.data;
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
    if (out.outcome === 'paused') {
      writeRunStatus(dir, 'paused', null);
      if (!quiet) console.log(`paused after epoch ${out.epoch}: continue with l2nas resume ${dir}`);
      return;
    }
    writeRunStatus(dir, 'completed', null);
    if (!quiet) console.log(`trained ${out.result.arch}: validation accuracy ${out.result.valAccuracy.toFixed(2)}% after ${out.result.epochs.length} epochs (${out.result.params} params, ${out.result.macs} MACs, ${out.result.backend}, ${out.result.seconds.toFixed(0)} s); export with l2nas export ${dir} --format onnx --out <dir>`);
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
