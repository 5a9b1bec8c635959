import type { AgentChoice } from '../../contracts/agent-config';
import type { DatasetSpec } from '../../contracts/dataset';
import type { RunConfig } from '../../contracts/run';
import { supernetSpec, type SupernetId, type SupernetSettings } from '../../common/supernets';
import { checkDataset } from '../../node/datasets';
import { checkSupernetRun, supernetRunConfig, UsageError } from '../../node/run-config';
import { searchCommand } from './search';
import { checkOfaCheckpointFile } from '../../node/ofa-checkpoint';
import { ofaSpecOf } from '../../core/supernet/ofa-cost';

export const DATASET_KINDS = ['mnist-embedded', 'idx', 'cifar10', 'cifar100', 'imagenet16', 'imagenet32', 'image-folder'] as const;

/** The dataset flags beside --dataset and --data (each only for the kinds that take it). */
export interface DatasetFlags {
  classes?: number;
  imageSize?: number;
  perClass?: number;
}

/** The supernet options `l2nas search --estimator supernet` and `l2nas demo` share. */
export interface SupernetCommandOptions extends DatasetFlags {
  space: SupernetId;
  method: RunConfig['method'];
  dataset: (typeof DATASET_KINDS)[number];
  data: string[];
  classes?: number;
  seed: number;
  epochs?: number;
  steps?: number;
  random?: number;
  channels?: number;
  cells?: number;
  trainImages?: number;
  batch?: number;
  lr?: number;
  cutout?: number;
  /** How supernet training samples paths (default uniform; ofa: progressive-shrinking too). */
  sampling?: SupernetSettings['sampling'];
  /** MAC budget in millions per image (ofa). */
  maxMacs?: number;
  /** `search --estimator supernet` only: the reward (default the preset's) and a given Acc(Env). */
  reward?: string;
  accEnv?: number;
  /** ofa: a PyTorch checkpoint searched instead of a supernet trained here; batch-norm mode of queries. */
  supernetCheckpoint?: string;
  bn?: 'batch' | 'running' | 'recalibrate';
  calibrationImages?: number;
}

/** `--dataset` + `--data` files → the dataset spec the readers take (file errors come later, named). */
export function datasetSpecOf(kind: SupernetCommandOptions['dataset'], files: string[], flags: DatasetFlags = {}): DatasetSpec {
  const { classes } = flags;
  if (kind !== 'image-folder' && (flags.imageSize !== undefined || flags.perClass !== undefined)) throw new UsageError('--image-size and --per-class apply to --dataset image-folder only');
  const need = (n: string) => new UsageError(`--dataset ${kind} needs ${n} (--data <file>, repeatable)`);
  switch (kind) {
    case 'mnist-embedded':
      if (files.length) throw new UsageError('--dataset mnist-embedded takes no --data files');
      return { kind };
    case 'idx':
      if (files.length !== 2) throw need('two files: the images IDX, then the labels IDX');
      return { kind, images: files[0], labels: files[1] };
    case 'cifar10':
    case 'cifar100':
      if (!files.length) throw need('the binary batch files');
      return { kind, files };
    case 'imagenet16':
    case 'imagenet32':
      if (!files.length) throw need('the batch files');
      return { kind: 'imagenet-downsampled', files, size: kind === 'imagenet16' ? 16 : 32, classes };
    case 'image-folder':
      if (files.length !== 1) throw new UsageError('--dataset image-folder needs one --data <folder> (one sub-folder of JPEG/PNG images per class)');
      if (flags.imageSize === undefined) throw new UsageError('--dataset image-folder needs --image-size <px> (the side of the centre crop, e.g. 32 for a CPU run, 224 for OFA at ImageNet scale)');
      return { kind, root: files[0], size: flags.imageSize, classes, ...(flags.perClass !== undefined ? { perClass: flags.perClass } : {}) };
  }
}

/** The config.json of a supernet search from the command's options (unset ones: the supernet's defaults). */
export function supernetConfigOf(o: SupernetCommandOptions, agent?: AgentChoice): RunConfig {
  const settings: Partial<SupernetSettings> = {
    epochs: o.epochs, steps: o.steps, randomArchitectures: o.random, C: o.channels, N: o.cells, trainImages: o.trainImages, lrMax: o.lr, cutout: o.cutout, batchSize: o.batch,
    sampling: o.sampling,
  };
  return supernetRunConfig({ space: o.space, dataset: datasetSpecOf(o.dataset, o.data, o), method: o.method, seed: o.seed, settings, agent, maxMacs: o.maxMacs, reward: o.reward, accEnv: o.accEnv,
    pretrained: o.supernetCheckpoint, evalBatchNorm: o.bn, calibrationImages: o.calibrationImages,
  });
}

/** The dataset is read (file and byte offset on error) and checked against the settings before any folder is written. */
export const checkSupernetInputs = (config: RunConfig) => async () => {
  const e = config.estimator;
  if (e.kind !== 'supernet') return;
  const data = checkDataset(e.dataset);
  checkSupernetRun(config, data);
  // A checkpoint of another network (or width, classes, channels) is refused before the folder exists.
  if (e.pretrained) await checkOfaCheckpointFile(e.pretrained.file, ofaSpecOf({ inChannels: data.channels, classes: data.classes }, e.C, e.N));
};

/**
 * `l2nas demo`: the offline default of a supernet search (NAS-Bench-201 supernet on the embedded
 * MNIST + L²NAS, about 5 minutes on 2 cores), or any supernet search with its options; prints the
 * found architecture against random architectures on the same supernet. Killed or paused: `l2nas
 * resume <out>` continues it (after the last finished epoch, or from the last search checkpoint).
 */
export async function demoCommand(o: SupernetCommandOptions & { out: string; checkpointEvery?: number; backend?: RunConfig['backend'] }): Promise<void> {
  const t0 = performance.now();
  const config = { ...supernetConfigOf(o), backend: o.backend ?? 'auto' };
  const out = await searchCommand(config, o.out, false, o.checkpointEvery, checkSupernetInputs(config));
  if (out.outcome !== 'completed') return;
  const r = out.result;
  const m = r.best.metrics;
  const spec = supernetSpec(config.space);
  console.log('');
  console.log(`found (step ${r.best.step}) on the ${spec.title}: ${r.best.arch}`);
  console.log(`  validation accuracy with inherited weights: ${r.best.value.toFixed(2)}% (Acc(Env) ${m.accEnv.toFixed(2)}%)`);
  if (m.macs !== undefined) {
    const budget = config.estimator.kind === 'supernet' && config.estimator.maxMacs !== undefined ? ` (budget ${config.estimator.maxMacs} M)` : '';
    console.log(`  ${(m.macs / 1e6).toFixed(2)} million MACs per image${budget}, ${(m.params / 1e6).toFixed(3)} million parameters`);
  }
  console.log(`  random architectures on the same supernet: median ${m.randomMedian.toFixed(2)}%, best ${m.randomBest.toFixed(2)}%`);
  console.log(`  ${r.best.value > m.randomMedian ? 'beats' : 'does NOT beat'} the random median; total ${((performance.now() - t0) / 1000).toFixed(0)} s on ${r.backend}`);
}
