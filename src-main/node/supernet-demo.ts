import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FORMAT_VERSION, type RunConfig, type RunResult } from '../contracts/run';
import { supernetSearchAgent } from '../common/presets';
import { REA_DEFAULTS } from '../core/baselines/regularized-evolution';
import { REINFORCE_DEFAULTS } from '../core/baselines/reinforce';
import { SupernetEstimator } from '../core/estimators/supernet-estimator';
import { registerWasmConvGradients } from '../core/kernels/wasm-conv-gradients';
import { Rng } from '../common/rng';
import { createStrategy } from '../core/search/create-strategy';
import { runSearch } from '../core/search/run-search';
import { dartsSpace } from '../common/spaces/darts';
import { nb201Space } from '../common/spaces/nb201';
import type { SearchSpace } from '../common/spaces/space';
import { DartsSupernet } from '../core/supernet/darts-supernet';
import { Nb201Supernet } from '../core/supernet/nb201-supernet';
import type { PathSupernet } from '../core/supernet/supernet';
import type { DatasetSpec } from '../contracts/dataset';
import type { AgentConfig, PresetName } from '../contracts/agent-config';
import type { SupernetSpace } from '../contracts/worker-protocol';
import { SupernetTrainer, type BatchProgress, type EpochReport, type SupernetTrainConfig } from '../core/supernet/supernet-trainer';
import { selectBackend } from './backend';
import { loadDataset, splitHalves } from './datasets';
import { createRunFolder, EventAppender, readRunConfig, RUN_FILES, truncateRunEvents, writeRunResult, writeRunStatus } from './run-folder';
import { readSupernetCheckpoint, writeSupernetCheckpoint } from './supernet-checkpoint';
import { acquireRunLock } from './run-lock';
import { checkDatasetSplitFits } from './demo-checks';
import { CheckpointError } from './checkpoint-codec';
import { UsageError } from './usage-error';

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
  /** Supernet space (default nb201): NB201 takes C channels and N cells per stage, DARTS C channels and N cells. */
  space?: SupernetSpace;
  /** Training data (default: the embedded MNIST digits); one half trains, the other is queried. */
  dataset?: DatasetSpec;
  /** Search method run on the trained supernet (default l2nas). */
  method?: RunConfig['method'];
  /** The agent (default: supernetSearchAgent of the space), with the preset it came from. */
  agent?: { preset: PresetName; config: AgentConfig };
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
/** A DARTS path costs ~5× a NAS-Bench-201 path on CPU: fewer validation batches per query. */
const DARTS_EVAL_BATCHES = 4;

/** The supernet of a space, as the generic single-path trainer sees it. */
function buildSupernet(space: SupernetSpace, shape: { inChannels: number; classes: number }, C: number, N: number, rng: Rng): { net: PathSupernet<unknown>; searchSpace: SearchSpace<unknown> } {
  if (space === 'darts') return { net: new DartsSupernet({ ...shape, C, layers: N }, rng), searchSpace: dartsSpace as SearchSpace<unknown> };
  return { net: new Nb201Supernet({ ...shape, C, N }, rng), searchSpace: nb201Space as SearchSpace<unknown> };
}

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

  const spaceId = o.space ?? 'nb201';
  const dataset: DatasetSpec = o.dataset ?? { kind: 'mnist-embedded' };
  const method = o.method ?? 'l2nas';
  const cfg: SupernetTrainConfig = {
    epochs: o.epochs, batchSize: o.batchSize, lrMax: o.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: o.cutout,
    evalPaths: 5, evalBatches: spaceId === 'darts' ? DARTS_EVAL_BATCHES : EVAL_BATCHES, evalBatchSize: EVAL_BATCH_SIZE,
  };
  const { preset, agent } = o.agent ? { preset: o.agent.preset, agent: o.agent.config } : supernetSearchAgent(spaceId, o.steps);
  let config: RunConfig = {
    version: RUN_FORMAT_VERSION, space: spaceId, method, preset, agent,
    rea: REA_DEFAULTS, reinforce: REINFORCE_DEFAULTS, reward: { kind: 'eq3' }, steps: o.steps, seed: o.seed,
    estimator: { kind: 'supernet', dataset, metric: 'supernet-val-accuracy', report: [], C: o.C, N: o.N, epochs: o.epochs, batchSize: cfg.batchSize, evalBatches: cfg.evalBatches, evalBatchSize: EVAL_BATCH_SIZE, trainImages: o.trainImages, lrMax: cfg.lrMax, cutout: cfg.cutout, randomArchitectures: o.randomArchitectures },
    backend: 'auto', createdAt: new Date().toISOString(),
  };
  // Read the data before anything is written: a bad file is reported (file and byte offset) and leaves no run folder.
  const all = loadDataset(dataset);
  checkDatasetSplitFits(all.name, all.n, { trainImages: o.trainImages, batchSize: cfg.batchSize, evalBatchSize: EVAL_BATCH_SIZE });
  // Everything the trained supernet and the search depend on; a folder made with other settings is not resumed.
  const fingerprint = JSON.stringify({ ...config.estimator, seed: o.seed, steps: o.steps, evalBatchSize: EVAL_BATCH_SIZE, evalPaths: cfg.evalPaths, randomArchitectures: o.randomArchitectures });
  const resuming = fs.existsSync(path.join(o.out, RUN_FILES.config));
  if (resuming) {
    const existing = readRunConfig(o.out);
    const was = JSON.stringify({ ...existing.estimator, seed: existing.seed, steps: existing.steps });
    const now = JSON.stringify({ ...config.estimator, seed: o.seed, steps: o.steps });
    if (existing.method !== method || existing.space !== spaceId || was !== now) throw new UsageError(`${o.out} holds a run with other settings (${was}); resume it with the same settings or choose a new folder`);
    config = existing;
  } else {
    createRunFolder(o.out, config);
  }
  const ckpt = resuming ? readSupernetCheckpoint(o.out) : null;
  if (ckpt && ckpt.fingerprint !== fingerprint) throw new CheckpointError(`${o.out}: its supernet checkpoint was made with other settings; resume with the same settings or choose a new folder`);
  // One writer per folder (run-lock.ts): taken before status.json is written, released in `finally`.
  const lock = acquireRunLock(o.out, 'demo');
  writeRunStatus(o.out, 'running', process.pid);

  const rng = new Rng(o.seed);
  const { train: fullTrain, val } = splitHalves(all, rng);
  const train = { ...fullTrain, n: Math.min(o.trainImages, fullTrain.n) };
  train.images = fullTrain.images.subarray(0, train.n * train.height * train.width * train.channels);
  train.labels = fullTrain.labels.subarray(0, train.n);
  const { net, searchSpace } = buildSupernet(spaceId, { inChannels: all.channels, classes: all.classes }, o.C, o.N, rng);
  const trainer = new SupernetTrainer(net, searchSpace, train, val, cfg, rng);
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
    strategy = createStrategy(method, searchSpace, rng, config);
    const events = new EventAppender(o.out);
    const searchStart = performance.now();
    let s;
    try {
      s = await runSearch({
        space: searchSpace, estimator, strategy, steps: o.steps, reward: { kind: 'eq3' },
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
    for (let i = 0; i < o.randomArchitectures; i++) randomAccuracies.push(trainer.evaluate(searchSpace.sample(rng)));
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
    lock.release();
    strategy?.dispose();
    trainer.dispose();
    net.dispose();
  }
}
