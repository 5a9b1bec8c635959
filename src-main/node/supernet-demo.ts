import * as fs from 'node:fs';
import * as path from 'node:path';
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
import { SupernetTrainer, type BatchProgress, type EpochReport, type SupernetTrainConfig } from '../core/supernet/supernet-trainer';
import { selectBackend } from './backend';
import { loadDataset, splitHalves } from './datasets';
import { createRunFolder, EventAppender, readRunConfig, RUN_FILES, truncateRunEvents, writeRunResult, writeRunStatus } from './run-folder';
import { readSupernetCheckpoint, writeSupernetCheckpoint } from './supernet-checkpoint';

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
  batchSize: number;
  /** Human-readable progress lines (CLI). */
  onProgress?: (line: string) => void;
  /** Structured training progress, at most every `progressEveryMs` and after each epoch's last batch. */
  onBatch?: (p: BatchProgress) => void;
  /** After each epoch, once its checkpoint is on disk. */
  onEpoch?: (r: EpochReport & { epochs: number }) => void;
  /** When training continues from a checkpoint (epoch = the last finished one). */
  onResume?: (epoch: number) => void;
  progressEveryMs?: number;
}

export interface DemoSummary {
  result: RunResult;
  accEnv: number;
  randomMedian: number;
  randomAccuracies: number[];
  supernetSeconds: number;
  /** The epoch training resumed after (0: trained from scratch). */
  resumedFromEpoch: number;
  reports: EpochReport[];
}

/**
 * Validation: 8 batches of 64 = 512 fixed images per query. Evaluation batches stay at 64 when
 * training batches are smaller: batch norm uses batch statistics in evaluation too.
 */
const EVAL_BATCH_SIZE = 64;
const EVAL_BATCHES = 8;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The offline demo (the main job on a fresh machine): train a small NAS-Bench-201-space
 * supernet on the embedded MNIST digits (one half trains, the other half is queried), run L²NAS
 * against it, and compare the found architecture with random architectures queried on the same
 * supernet. Leaves a normal run folder with a supernet checkpoint after every epoch; running it
 * again on the same folder (same settings) after a crash resumes from the last finished epoch
 * and gives the same result as an uninterrupted run (the search after training is re-run: it
 * takes a minute and depends only on the trained supernet and the RNG state).
 */
export async function runSupernetDemo(o: DemoOptions): Promise<DemoSummary> {
  const log = o.onProgress ?? (() => {});
  const backend = await selectBackend('auto');
  if (backend.backend === 'wasm') registerWasmConvGradients();
  // Gradients of TF.js ops are registered by @tensorflow/tfjs (CommonJS bundle) for plain Node.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs');

  const cfg: SupernetTrainConfig = {
    epochs: o.epochs, batchSize: o.batchSize, lrMax: o.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: o.cutout,
    evalPaths: 5, evalBatches: EVAL_BATCHES, evalBatchSize: EVAL_BATCH_SIZE,
  };
  const agent = resolveAgentConfig('nb201-tuned');
  let config: RunConfig = {
    version: RUN_FORMAT_VERSION, space: 'nb201', method: 'l2nas', preset: 'nb201-tuned', agent,
    rea: REA_DEFAULTS, reinforce: REINFORCE_DEFAULTS, reward: { kind: 'eq3' }, steps: o.steps, seed: o.seed,
    estimator: { kind: 'supernet', dataset: 'mnist-embedded', metric: 'supernet-val-accuracy', report: [], C: o.C, N: o.N, epochs: o.epochs, batchSize: cfg.batchSize, evalBatches: cfg.evalBatches, trainImages: o.trainImages, lrMax: cfg.lrMax, cutout: cfg.cutout },
    backend: 'auto', createdAt: new Date().toISOString(),
  };
  // Everything the trained supernet and the search depend on; a folder made with other settings is not resumed.
  const fingerprint = JSON.stringify({ ...config.estimator, seed: o.seed, steps: o.steps, evalBatchSize: EVAL_BATCH_SIZE, evalPaths: cfg.evalPaths, randomArchitectures: o.randomArchitectures });
  const resuming = fs.existsSync(path.join(o.out, RUN_FILES.config));
  if (resuming) {
    const existing = readRunConfig(o.out);
    const was = JSON.stringify({ ...existing.estimator, seed: existing.seed, steps: existing.steps });
    const now = JSON.stringify({ ...config.estimator, seed: o.seed, steps: o.steps });
    if (existing.method !== 'l2nas' || was !== now) throw new Error(`${o.out} holds a run with other settings (${was}); resume it with the same settings or choose a new folder`);
    config = existing;
  } else {
    createRunFolder(o.out, config);
  }
  const ckpt = resuming ? readSupernetCheckpoint(o.out) : null;
  if (ckpt && ckpt.fingerprint !== fingerprint) throw new Error(`${o.out}: its supernet checkpoint was made with other settings; resume with the same settings or choose a new folder`);
  writeRunStatus(o.out, 'running', process.pid);

  const rng = new Rng(o.seed);
  const all = loadDataset({ kind: 'mnist-embedded' });
  const { train: fullTrain, val } = splitHalves(all, rng);
  const train = { ...fullTrain, n: Math.min(o.trainImages, fullTrain.n) };
  train.images = fullTrain.images.subarray(0, train.n * train.height * train.width * train.channels);
  train.labels = fullTrain.labels.subarray(0, train.n);
  const net = new Nb201Supernet({ inChannels: all.channels, classes: all.classes, C: o.C, N: o.N }, rng);
  const trainer = new SupernetTrainer(net, nb201Space, train, val, cfg, rng);
  let strategy: ReturnType<typeof createStrategy> | null = null;
  try {
    const reports: EpochReport[] = [];
    let supernetSeconds = 0;
    if (ckpt) {
      trainer.restore(ckpt.state);
      reports.push(...ckpt.reports);
      supernetSeconds = ckpt.seconds;
      log(`resuming supernet training after epoch ${trainer.epoch}/${o.epochs} (Acc(Env) ${trainer.accEnv.toFixed(2)}%)`);
      o.onResume?.(trainer.epoch);
    }
    const resumedFromEpoch = trainer.epoch;
    const every = o.progressEveryMs ?? 500;
    let lastPost = 0;
    let lastLine = 0;
    while (trainer.epoch < o.epochs) {
      const te = performance.now();
      const r = trainer.trainEpoch((p) => {
        const now = performance.now();
        const last = p.batch === p.of;
        if (o.onBatch && (last || now - lastPost >= every)) {
          lastPost = now;
          o.onBatch(p);
        }
        if (last || now - lastLine >= 5000) {
          lastLine = now;
          log(`supernet epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.of} loss ${p.loss.toFixed(3)} ${p.imagesPerSecond.toFixed(0)} img/s ETA ${p.etaSeconds.toFixed(0)} s`);
        }
      });
      supernetSeconds += (performance.now() - te) / 1000;
      reports.push(r);
      writeSupernetCheckpoint(o.out, { fingerprint, state: trainer.snapshot(), reports, seconds: supernetSeconds });
      log(`epoch ${r.epoch}: loss ${r.loss.toFixed(3)}, ${r.imagesPerSecond.toFixed(0)} img/s, best sampled path ${r.valAccuracy.toFixed(2)}%, Acc(Env) ${r.accEnv.toFixed(2)}%`);
      o.onEpoch?.({ ...r, epochs: o.epochs });
    }

    // A search cut off by a crash starts again: it depends only on the supernet and the RNG state.
    if (resuming) truncateRunEvents(o.out, 0);
    const estimator = new SupernetEstimator(trainer);
    strategy = createStrategy('l2nas', nb201Space, rng, config);
    const events = new EventAppender(o.out);
    const searchStart = performance.now();
    let s;
    try {
      s = await runSearch({
        space: nb201Space, estimator, strategy, steps: o.steps, reward: { kind: 'eq3' },
        onEvent: (e) => {
          events.append(e);
          if ((e.step + 1) % 10 === 0) log(`search step ${e.step + 1}/${o.steps}: best ${e.best.toFixed(2)}%`);
        },
      });
    } finally {
      events.close();
    }
    const best = s.state.best!;
    const randomAccuracies: number[] = [];
    for (let i = 0; i < o.randomArchitectures; i++) randomAccuracies.push(trainer.evaluate(nb201Space.sample(rng)));
    const randomMedian = median(randomAccuracies);
    log(`search ${((performance.now() - searchStart) / 1000).toFixed(0)} s (${o.steps} queries and ${o.randomArchitectures} random architectures)`);
    const result: RunResult = {
      version: RUN_FORMAT_VERSION, status: 'completed',
      best: { ...best, metrics: { 'supernet-val-accuracy': best.value, accEnv: trainer.accEnv, randomMedian } },
      steps: s.state.step, seconds: s.state.seconds + supernetSeconds, backend: backend.backend, queriesToOptimum: null,
    };
    writeRunResult(o.out, result);
    writeRunStatus(o.out, 'completed', null);
    return { result, accEnv: trainer.accEnv, randomMedian, randomAccuracies, supernetSeconds, resumedFromEpoch, reports };
  } catch (e) {
    writeRunStatus(o.out, 'failed', null, (e as Error).message);
    throw e;
  } finally {
    strategy?.dispose();
    trainer.dispose();
    net.dispose();
  }
}
