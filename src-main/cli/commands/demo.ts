import type { AgentChoice } from '../../contracts/agent-config';
import type { DatasetSpec } from '../../contracts/dataset';
import type { RunConfig } from '../../contracts/run';
import { supernetSpec, type SupernetId, type SupernetSettings } from '../../common/supernets';
import { checkDataset } from '../../node/datasets';
import { checkSupernetRun, supernetRunConfig, UsageError } from '../../node/run-config';
import { searchCommand } from './search';

export const DATASET_KINDS = ['mnist-embedded', 'idx', 'cifar10', 'cifar100', 'imagenet16', 'imagenet32'] as const;

/** The supernet options `l2nas search --estimator supernet` and `l2nas demo` share. */
export interface SupernetCommandOptions {
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
  /** MAC budget in millions per image (ofa). */
  maxMacs?: number;
  /** `search --estimator supernet` only: the reward (default the preset's) and a given Acc(Env). */
  reward?: string;
  accEnv?: number;
}

/** `--dataset` + `--data` files → the dataset spec the readers take (file errors come later, named). */
export function datasetSpecOf(kind: SupernetCommandOptions['dataset'], files: string[], classes?: number): DatasetSpec {
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
  }
}

/** The config.json of a supernet search from the command's options (unset ones: the supernet's defaults). */
export function supernetConfigOf(o: SupernetCommandOptions, agent?: AgentChoice): RunConfig {
  const settings: Partial<SupernetSettings> = {
    epochs: o.epochs, steps: o.steps, randomArchitectures: o.random, C: o.channels, N: o.cells, trainImages: o.trainImages, lrMax: o.lr, cutout: o.cutout, batchSize: o.batch,
  };
  return supernetRunConfig({ space: o.space, dataset: datasetSpecOf(o.dataset, o.data, o.classes), method: o.method, seed: o.seed, settings, agent, maxMacs: o.maxMacs, reward: o.reward, accEnv: o.accEnv });
}

/** The dataset is read (file and byte offset on error) and checked against the settings before any folder is written. */
export const checkSupernetInputs = (config: RunConfig) => () => {
  if (config.estimator.kind === 'supernet') checkSupernetRun(config, checkDataset(config.estimator.dataset));
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
