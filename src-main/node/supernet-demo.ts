import { RUN_FORMAT_VERSION, type RunConfig, type RunResult } from '../contracts/run';
import { resolveAgentConfig } from '../core/agent/presets';
import { REA_DEFAULTS } from '../core/baselines/regularized-evolution';
import { REINFORCE_DEFAULTS } from '../core/baselines/reinforce';
import { SupernetEstimator } from '../core/estimators/supernet-estimator';
import { registerWasmConvGradients } from '../core/kernels/wasm-conv-gradients';
import { Rng } from '../core/rng';
import { createStrategy } from '../core/search/create-strategy';
import { runSearch } from '../core/search/run-search';
import { nb201Space } from '../core/spaces/nb201';
import { Nb201Supernet } from '../core/supernet/nb201-supernet';
import { SupernetTrainer, type EpochReport } from '../core/supernet/supernet-trainer';
import { selectBackend } from './backend';
import { loadDataset, splitHalves } from './datasets';
import { createRunFolder, EventAppender, writeRunResult, writeRunStatus } from './run-folder';

export interface DemoOptions {
  out: string;
  seed: number;
  epochs: number;
  steps: number;
  randomArchitectures: number;
  C: number;
  N: number;
  trainImages: number;
  lrMax: number;
  cutout: number;
  onProgress?: (line: string) => void;
}

export interface DemoSummary {
  result: RunResult;
  accEnv: number;
  randomMedian: number;
  randomAccuracies: number[];
  supernetSeconds: number;
}

/**
 * The offline demo (the main job on a fresh machine): train a small NAS-Bench-201-space
 * supernet on the embedded MNIST digits (one half trains, the other half is queried), run L²NAS
 * against it, and compare the found architecture with random architectures queried on the same
 * supernet. Leaves a normal run folder.
 */
export async function runSupernetDemo(o: DemoOptions): Promise<DemoSummary> {
  const log = o.onProgress ?? (() => {});
  const backend = await selectBackend('auto');
  if (backend.backend === 'wasm') registerWasmConvGradients();
  // Gradients of TF.js ops are registered by @tensorflow/tfjs (CommonJS bundle) for plain Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs');
  const rng = new Rng(o.seed);
  const all = loadDataset({ kind: 'mnist-embedded' });
  const { train: fullTrain, val } = splitHalves(all, rng);
  const train = { ...fullTrain, n: Math.min(o.trainImages, fullTrain.n) };
  train.images = fullTrain.images.subarray(0, train.n * train.height * train.width * train.channels);
  train.labels = fullTrain.labels.subarray(0, train.n);
  const cfg = { epochs: o.epochs, batchSize: 64, lrMax: o.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: o.cutout, evalPaths: 5, evalBatches: 4 };
  const net = new Nb201Supernet({ inChannels: all.channels, classes: all.classes, C: o.C, N: o.N }, rng);
  const trainer = new SupernetTrainer(net, train, val, cfg, rng);
  const t0 = performance.now();
  let last: EpochReport | null = null;
  for (let e = 0; e < o.epochs; e++) {
    const te = performance.now();
    last = trainer.trainEpoch((b, of, loss) => {
      if (b % 10 === 0 || b === of) {
        const rate = (b * cfg.batchSize) / ((performance.now() - te) / 1000);
        const eta = ((of - b) * cfg.batchSize) / rate + (o.epochs - e - 1) * (of * cfg.batchSize) / rate;
        log(`supernet epoch ${e + 1}/${o.epochs} batch ${b}/${of} loss ${loss.toFixed(3)} ${rate.toFixed(0)} img/s ETA ${eta.toFixed(0)} s`);
      }
    });
    log(`epoch ${last.epoch}: loss ${last.loss.toFixed(3)}, ${last.imagesPerSecond.toFixed(0)} img/s, best sampled path ${last.valAccuracy.toFixed(2)}%, Acc(Env) ${last.accEnv.toFixed(2)}%`);
  }
  const supernetSeconds = (performance.now() - t0) / 1000;

  const agent = resolveAgentConfig('nb201-tuned');
  const config: RunConfig = {
    version: RUN_FORMAT_VERSION, space: 'nb201', method: 'l2nas', preset: 'nb201-tuned', agent,
    rea: REA_DEFAULTS, reinforce: REINFORCE_DEFAULTS, reward: { kind: 'eq3' }, steps: o.steps, seed: o.seed,
    estimator: { kind: 'supernet', dataset: 'mnist-embedded', metric: 'supernet-val-accuracy', report: [], C: o.C, N: o.N, epochs: o.epochs, batchSize: cfg.batchSize, evalBatches: cfg.evalBatches, trainImages: train.n, lrMax: cfg.lrMax, cutout: cfg.cutout },
    backend: 'auto', createdAt: new Date().toISOString(),
  };
  createRunFolder(o.out, config);
  writeRunStatus(o.out, 'running', process.pid);
  const estimator = new SupernetEstimator(trainer);
  const strategy = createStrategy('l2nas', nb201Space, rng, config);
  const events = new EventAppender(o.out);
  try {
    const s = await runSearch({
      space: nb201Space, estimator, strategy, steps: o.steps, reward: { kind: 'eq3' },
      onEvent: (e) => {
        events.append(e);
        if ((e.step + 1) % 10 === 0) log(`search step ${e.step + 1}/${o.steps}: best ${e.best.toFixed(2)}%`);
      },
    });
    events.close();
    const best = s.state.best!;
    const result: RunResult = {
      version: RUN_FORMAT_VERSION, status: 'completed',
      best: { ...best, metrics: { 'supernet-val-accuracy': best.value, accEnv: trainer.accEnv } },
      steps: s.state.step, seconds: s.state.seconds + supernetSeconds, backend: backend.backend, queriesToOptimum: null,
    };
    writeRunResult(o.out, result);
    writeRunStatus(o.out, 'completed', null);
    const randomAccuracies: number[] = [];
    for (let i = 0; i < o.randomArchitectures; i++) randomAccuracies.push(trainer.evaluate(nb201Space.sample(rng)));
    const sorted = [...randomAccuracies].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const randomMedian = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { result, accEnv: trainer.accEnv, randomMedian, randomAccuracies, supernetSeconds };
  } finally {
    strategy.dispose();
    trainer.dispose();
    net.dispose();
  }
}
