import type { DatasetSpec } from '../../contracts/dataset';
import type { RunConfig } from '../../contracts/run';
import { supernetChannelsError, supernetDefaults, type SupernetSpace } from '../../contracts/worker-protocol';
import { UsageError } from '../../node/run-config';
import { runSupernetDemo } from '../../node/supernet-demo';

export const DATASET_KINDS = ['mnist-embedded', 'idx', 'cifar10', 'cifar100', 'imagenet16', 'imagenet32'] as const;

export interface DemoCommandOptions {
  out: string;
  space: SupernetSpace;
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
}

/** `--dataset` + `--data` files → the dataset spec the readers take (file errors come later, named). */
export function datasetSpecOf(kind: DemoCommandOptions['dataset'], files: string[], classes?: number): DatasetSpec {
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

/**
 * `l2nas demo`: supernet on the embedded MNIST + L²NAS, offline, about 5 minutes on 2 cores.
 * Re-run with the same --out (and settings) after a crash: training resumes from the last epoch.
 */
export async function demoCommand(o: DemoCommandOptions): Promise<void> {
  const t0 = performance.now();
  const d = supernetDefaults(o.space);
  const C = o.channels ?? d.C;
  const bad = supernetChannelsError(o.space, C);
  if (bad) throw new UsageError(`--channels: ${bad}`);
  const s = await runSupernetDemo({
    out: o.out, seed: o.seed, epochs: o.epochs ?? d.epochs, steps: o.steps ?? d.steps, randomArchitectures: o.random ?? d.randomArchitectures,
    C, N: o.cells ?? d.N, trainImages: o.trainImages ?? d.trainImages, lrMax: o.lr ?? d.lrMax, cutout: o.cutout ?? d.cutout, batchSize: o.batch ?? d.batchSize,
    space: o.space, method: o.method, dataset: datasetSpecOf(o.dataset, o.data, o.classes),
    onProgress: (line) => console.log(line),
  });
  const r = s.result;
  console.log('');
  console.log(`found (step ${r.best.step}): ${r.best.arch}`);
  console.log(`  validation accuracy with inherited weights: ${r.best.value.toFixed(2)}% (Acc(Env) ${s.accEnv.toFixed(2)}%)`);
  console.log(`  random architectures on the same supernet (${s.randomAccuracies.length}): median ${s.randomMedian.toFixed(2)}%, best ${Math.max(...s.randomAccuracies).toFixed(2)}%`);
  console.log(`  ${r.best.value > s.randomMedian ? 'beats' : 'does NOT beat'} the random median; supernet ${s.supernetSeconds.toFixed(0)} s${s.resumedFromEpoch ? ` (resumed after epoch ${s.resumedFromEpoch})` : ''}, total ${((performance.now() - t0) / 1000).toFixed(0)} s on ${r.backend}`);
  console.log(`run folder: ${o.out}`);
}
