import type { RunConfig } from '../contracts/run';
import type { Rng } from '../common/rng';
import { SUPERNET_EVAL_BATCH_SIZE, SUPERNET_EVAL_PATHS, supernetSpec } from '../common/supernets';
import { BudgetedEstimator } from '../core/estimators/budgeted-estimator';
import type { Estimator } from '../core/estimators/estimator';
import { SupernetEstimator } from '../core/estimators/supernet-estimator';
import { supernetCostModel } from '../core/supernet/cost-models';
import { supernetBuilder } from '../core/supernet/registry';
import { readsSynchronously } from '../core/backend-reads';
import { SupernetTrainer, type SupernetTrainConfig } from '../core/supernet/supernet-trainer';
import { loadDataset, splitHalves } from './datasets';
import type { EstimatorContext, PreparedEstimator } from './estimators';
import { checkSupernetRun, UsageError } from './run-config';
import { readSupernetCheckpoint, writeSupernetCheckpoint } from './supernet-checkpoint';
import { OfaSupernet } from '../core/supernet/ofa-supernet';
import { loadOfaCheckpoint } from './ofa-checkpoint';
import { sha256OfTorchCheckpoint } from './torch-checkpoint';

type SupernetEstimatorConfig = Extract<RunConfig['estimator'], { kind: 'supernet' }>;

/** A pause or cancel that arrived while the supernet trained (between two batches). */
export class PreparationStopped extends Error {
  override name = 'PreparationStopped';
  constructor(readonly request: 'pause' | 'cancel') {
    super(`supernet training stopped (${request}); it resumes after its last finished epoch`);
  }
}

function trainConfigOf(e: SupernetEstimatorConfig): SupernetTrainConfig {
  return {
    epochs: e.epochs, batchSize: e.batchSize, lrMax: e.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: e.cutout,
    evalPaths: SUPERNET_EVAL_PATHS, evalBatches: e.evalBatches, evalBatchSize: e.evalBatchSize ?? SUPERNET_EVAL_BATCH_SIZE,
    evalBatchNorm: e.evalBatchNorm ?? 'batch', calibrationImages: e.calibrationImages,
  };
}

/**
 * The supernet estimator's preparation phase (paper §2.1): load the dataset, split it into a
 * training and a query half with the run's Rng, build the supernet, and train it — or continue
 * from its per-epoch checkpoint (supernet-checkpoint.bin), or load the finished one. Each
 * finished epoch is checkpointed atomically, so a run killed while training resumes after its
 * last finished epoch and ends as an uninterrupted run would. The search phase that follows is
 * the same loop as a table run's (search-session.ts).
 */
export async function prepareSupernetEstimator(config: RunConfig, ctx: EstimatorContext): Promise<PreparedEstimator> {
  const e = config.estimator;
  if (e.kind !== 'supernet') throw new Error('not a supernet run');
  const log = ctx.hooks.onProgress ?? (() => {});
  const all = loadDataset(e.dataset);
  checkSupernetRun(config, { name: all.name, images: all.n, height: all.height, width: all.width, channels: all.channels, classes: all.classes });
  const builder = supernetBuilder(supernetSpec(config.space).id);
  const rng: Rng = ctx.rng;
  const { train: fullTrain, val } = splitHalves(all, rng);
  const n = Math.min(e.trainImages, fullTrain.n);
  const train = { ...fullTrain, n, images: fullTrain.images.subarray(0, n * fullTrain.height * fullTrain.width * fullTrain.channels), labels: fullTrain.labels.subarray(0, n) };
  const net = builder.build({ inChannels: all.channels, classes: all.classes }, e.C, e.N, rng);
  if (e.pretrained) {
    try {
      await loadPretrained(e.pretrained, net);
    } catch (err) {
      net.dispose();
      throw err;
    }
    log(`loaded the supernet from ${e.pretrained.file}`);
  }
  const cfg = trainConfigOf(e);
  const sampling = e.sampling ?? 'uniform';
  const sampler = sampling === 'uniform' ? undefined : builder.samplers?.[sampling];
  if (sampling !== 'uniform' && !sampler) {
    net.dispose();
    throw new UsageError(`sampling "${sampling}": the ${builder.id} supernet trains with uniform sampling only`);
  }
  const trainer = new SupernetTrainer(net, builder.space, train, val, cfg, rng, sampler);
  // Everything the trained supernet depends on: a checkpoint made with other settings is refused.
  // (The MAC budget acts on the search only: a run may change it and keep its trained supernet.)
  const { maxMacs, ...trained } = e;
  const fingerprint = JSON.stringify({ ...trained, seed: config.seed, evalPaths: cfg.evalPaths, evalBatchSize: trainer.evalBatchSize });
  const dispose = () => {
    trainer.dispose();
    net.dispose();
  };
  try {
    const reports = [];
    let seconds = 0;
    const ckpt = ctx.dir ? readSupernetCheckpoint(ctx.dir) : null;
    if (ckpt) {
      if (ckpt.fingerprint !== fingerprint) throw new UsageError(`${ctx.dir}: its supernet checkpoint was made with other settings than config.json; restore the config or start a new run`);
      trainer.restore(ckpt.state);
      reports.push(...ckpt.reports);
      seconds = ckpt.seconds;
      if (trainer.epoch < e.epochs) log(`resuming supernet training after epoch ${trainer.epoch}/${e.epochs} (Acc(Env) ${trainer.accEnv.toFixed(2)}%)`);
      ctx.hooks.onResume?.(trainer.epoch);
    }
    const every = ctx.hooks.progressEveryMs ?? 500;
    let lastPost = 0;
    let lastLine = 0;
    const between = async () => {
      await ctx.hooks.yieldToEvents?.();
      const stop = ctx.hooks.shouldStop?.();
      if (stop) throw new PreparationStopped(stop);
    };
    while (trainer.epoch < e.epochs) {
      const te = performance.now();
      const r = await trainer.trainEpochAsync((p) => {
        const now = performance.now();
        const last = p.batch === p.of;
        if (ctx.hooks.onBatch && (last || now - lastPost >= every)) {
          lastPost = now;
          ctx.hooks.onBatch(p);
        }
        if (last || now - lastLine >= 5000) {
          lastLine = now;
          log(`supernet epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.of} loss ${p.loss.toFixed(3)} ${p.imagesPerSecond.toFixed(0)} img/s ETA ${p.etaSeconds.toFixed(0)} s`);
        }
      }, between);
      seconds += (performance.now() - te) / 1000;
      reports.push(r);
      if (ctx.dir) writeSupernetCheckpoint(ctx.dir, { fingerprint, state: readsSynchronously() ? trainer.snapshot() : await trainer.snapshotAsync(), reports, seconds });
      log(`epoch ${r.epoch}: loss ${r.loss.toFixed(3)}, ${r.imagesPerSecond.toFixed(0)} img/s, best sampled path ${r.valAccuracy.toFixed(2)}%, Acc(Env) ${r.accEnv.toFixed(2)}%`);
      ctx.hooks.onEpoch?.({ ...r, epochs: e.epochs });
      await between();
    }
    if (e.epochs === 0 && trainer.accEnv === 0) {
      // A loaded supernet, not trained here: Acc(Env) is the best of the sampled paths, as an epoch's end measures it.
      for (let p = 0; p < cfg.evalPaths; p++) trainer.accEnv = Math.max(trainer.accEnv, trainer.evaluate(builder.space.sample(rng)));
      log(`Acc(Env) of the loaded supernet (best of ${cfg.evalPaths} sampled subnets): ${trainer.accEnv.toFixed(2)}%`);
    }
    const randomArchitectures = e.randomArchitectures ?? supernetSpec(config.space).defaults.randomArchitectures;
    // Supernets whose subnets differ in size (OFA): MACs and params of every query, at the data's resolution, and the budget.
    const model = supernetCostModel(builder.id, { inChannels: all.channels, classes: all.classes }, e.C, e.N);
    const base: Estimator<unknown> = new SupernetEstimator(trainer);
    const estimator = model ? new BudgetedEstimator(base, (a) => model.cost(a, all.height, all.width), maxMacs === undefined ? undefined : maxMacs * 1e6) : base;
    return {
      estimator,
      seconds,
      accEnv: trainer.accEnv,
      // After the search: the same supernet's verdict on random architectures (is the search better than chance?).
      finish: async (finalRng) => {
        const acc: number[] = [];
        const evaluate = (a: unknown) => (readsSynchronously() ? trainer.evaluate(a) : trainer.evaluateAsync(a));
        // Under a budget the comparison is with random subnets within it (uniform over the
        // admitted ones: rejection sampling, at most 1,000 draws each; a budget near the smallest
        // subnet's cost may admit fewer).
        const admits = (a: unknown) => estimator.admits?.(a) ?? true;
        for (let i = 0, draws = 0; i < randomArchitectures && draws < 1000 * randomArchitectures; draws++) {
          const a = builder.space.sample(finalRng);
          if (!admits(a)) continue;
          acc.push(await evaluate(a));
          i++;
        }
        if (!acc.length) {
          log(`no random subnet within ${maxMacs} million MACs in ${1000 * randomArchitectures} draws: comparing with unconstrained random subnets`);
          for (let i = 0; i < randomArchitectures; i++) acc.push(await evaluate(builder.space.sample(finalRng)));
        }
        const within = maxMacs === undefined || acc.length < randomArchitectures ? '' : ` within ${maxMacs} million MACs`;
        log(`${acc.length} random architectures${within} on the same supernet: median ${median(acc).toFixed(2)}%, best ${Math.max(...acc).toFixed(2)}%`);
        return { accEnv: trainer.accEnv, randomMedian: median(acc), randomBest: Math.max(...acc) };
      },
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** Loads a run's PyTorch checkpoint, refusing a file that changed since the run was made (its result would not be this run's). */
async function loadPretrained(p: { file: string; sha256: string }, net: unknown): Promise<void> {
  if (!(net instanceof OfaSupernet)) throw new UsageError('only the OFA supernet loads PyTorch checkpoints');
  const sha = sha256OfTorchCheckpoint(p.file);
  if (sha !== p.sha256) throw new UsageError(`${p.file}: the checkpoint changed since this run was made (SHA-256 ${sha.slice(0, 12)}…, the run's ${p.sha256.slice(0, 12)}…); restore it or start a new run`);
  await loadOfaCheckpoint(p.file, net);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
