import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../contracts/run';
import { Rng } from '../common/rng';
import { parseOfaConfig } from '../common/spaces/ofa';
import { forwardNetwork, NetworkWeights, recalibrateBatchNorm } from '../core/network/executor';
import type { NetworkDescription } from '../core/network/network';
import { buildOfaNetwork, ofaSubnetWeights } from '../core/network/ofa-network';
import { fillBatch, normalizationOf, type ImageData } from '../core/supernet/image-data';
import { OfaSupernet } from '../core/supernet/ofa-supernet';
import { loadOfaCheckpoint } from './ofa-checkpoint';
import { sha256OfTorchCheckpoint } from './torch-checkpoint';
import { ofaPlan, ofaSpecOf } from '../core/supernet/ofa-cost';
import type { NamedTensors } from '../core/supernet/param-store';
import { selectBackend, type BackendName } from './backend';
import { loadDataset, splitHalves } from './datasets';
import { WEIGHT_FORMATS, writeNetworkExports, type InputStats, type NetworkExportFormat } from './exporters/network-export';
import { readRunConfig, readRunResult } from './run-folder';
import { readSupernetCheckpoint } from './supernet-checkpoint';
import { UsageError } from './usage-error';

/*
 * Exports of the best subnet of an OFA supernet-search run (issue #11 item 6): the standalone
 * network (core/network/ofa-network.ts) with its weights taken from the trained supernet in the
 * run's checkpoint as OFA's get_active_subnet(preserve_weight=True) takes them (leading channels
 * in the supernet's order, the depthwise kernel through the learned transform matrices), then
 * BatchNorm statistics recalibrated as OFA does before evaluating a subnet
 * (run_manager.reset_running_statistics: set_running_statistics on 2,000 training images in
 * batches of 200) — the supernet trains on batch statistics and keeps no running ones.
 */

/** OFA's reset_running_statistics defaults: subset_size 2000, subset_batch_size 200. */
export const OFA_RECALIBRATION = { images: 2000, batchSize: 200 } as const;
/** Held-out images the exported network is measured on (its accuracy goes into README.txt). */
export const OFA_EXPORT_VAL_IMAGES = 1000;

export interface OfaRunNetwork {
  config: RunConfig;
  desc: NetworkDescription;
  /** null when only descriptive formats were asked for (no supernet checkpoint is read then). */
  weights: NamedTensors | null;
  stats?: InputStats;
  trained: string;
  /** Accuracy (%) of the exported network (recalibrated BN, inference mode) on held-out images, and how many. */
  valAccuracy?: number;
  valImages?: number;
  backend?: string;
}

export interface OfaExportOptions {
  backend?: BackendName | 'auto';
  onProgress?: (m: string) => void;
}

/** Whether `dir` is a supernet search of the OFA space (config.json says so). */
export function isOfaSupernetRun(config: RunConfig): boolean {
  return config.space === 'ofa' && config.estimator.kind === 'supernet';
}

function* batches(d: ImageData, idx: Uint32Array, stats: InputStats, size: number): Generator<{ x: tf.Tensor4D; labels: Uint16Array }> {
  const per = d.height * d.width * d.channels;
  for (let s = 0; s < idx.length; s += size) {
    const part = idx.subarray(s, Math.min(s + size, idx.length));
    const buf = new Float32Array(part.length * per);
    fillBatch(d, part, stats, buf);
    const x = tf.tensor4d(buf, [part.length, d.height, d.width, d.channels]);
    try {
      yield { x, labels: Uint16Array.from(part, (i) => d.labels[i]) };
    } finally {
      x.dispose();
    }
  }
}

/** The first `n` of a seeded permutation of 0..total−1 (OFA draws its BN subset at random, with a fixed seed). */
function subset(total: number, n: number, seed: number): Uint32Array {
  const perm = new Uint32Array(total);
  for (let i = 0; i < total; i++) perm[i] = i;
  const rng = new Rng(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm.subarray(0, Math.min(n, total));
}

/**
 * The best subnet of the OFA supernet run in `dir` as a network (and, when `formats` need them,
 * its weights from the supernet with recalibrated BN). Errors name the folder and what is missing.
 */
export async function ofaRunNetwork(dir: string, formats: readonly NetworkExportFormat[], opts: OfaExportOptions = {}): Promise<OfaRunNetwork> {
  const log = opts.onProgress ?? (() => {});
  let config: RunConfig, result;
  try {
    config = readRunConfig(dir);
    result = readRunResult(dir);
  } catch (e) {
    throw new UsageError(`${dir}: ${(e as Error).message}`);
  }
  const e = config.estimator;
  if (!isOfaSupernetRun(config) || e.kind !== 'supernet') throw new UsageError(`${dir}: not an OFA supernet run (space ${config.space}, estimator ${config.estimator.kind})`);
  if (!result) throw new UsageError(`${dir}: the run has no best subnet yet (no result.json: finish it with l2nas resume ${dir})`);
  let best;
  try {
    best = parseOfaConfig(result.best.arch);
  } catch (err) {
    throw new UsageError(`${dir}/result.json: best architecture: ${(err as Error).message}`);
  }
  let all;
  try {
    all = loadDataset(e.dataset);
  } catch (err) {
    throw new UsageError(`${dir}: cannot read the run's dataset (${e.dataset.kind}): ${(err as Error).message}`);
  }
  if (all.height !== all.width) throw new UsageError(`${dir}: dataset images are ${all.height}×${all.width}; the OFA network takes square images`);
  const spec = ofaSpecOf({ inChannels: all.channels, classes: all.classes }, e.C, e.N);
  // The subnet at the run's resolution (OFA's `r`): the search measured it there.
  const desc = buildOfaNetwork({ ks: best.ks, e: best.e, d: best.d }, { input: [all.height, all.width, all.channels], classes: all.classes, widthMult: spec.widthMult, downsamples: spec.downsamples });
  const base = { config, desc, trained: `described only: the best subnet of OFA supernet run ${path.resolve(dir)} (no weights in these formats)` };
  if (!formats.some((f) => WEIGHT_FORMATS.includes(f))) return { ...base, weights: null };

  let ckpt;
  try {
    ckpt = readSupernetCheckpoint(dir);
  } catch (err) {
    throw new UsageError((err as Error).message); // names the damaged file
  }
  const backend = await selectBackend(opts.backend ?? 'auto');
  // A run that searched a loaded checkpoint as it is (epochs 0) trained nothing: its weights are the file's.
  let supernetParams: NamedTensors, from: string, weightsFile: string;
  if (ckpt) {
    supernetParams = ckpt.state.params;
    from = `supernet trained ${ckpt.state.epoch} epoch(s)`;
    weightsFile = path.join(dir, 'supernet-checkpoint.bin');
  } else if (e.pretrained) {
    supernetParams = await pretrainedParams(e.pretrained, ofaSpecOf({ inChannels: all.channels, classes: all.classes }, e.C, e.N));
    from = `supernet loaded from ${e.pretrained.file}, sha256 ${e.pretrained.sha256.slice(0, 12)}…, not trained further`;
    weightsFile = e.pretrained.file;
  } else throw new UsageError(`${dir}: no trained supernet (no supernet-checkpoint.bin): the run's supernet training has not finished an epoch`);
  // The run's own halves (search-session: Rng(seed), then splitHalves first) and the images the supernet trained on.
  const { train: fullTrain, val } = splitHalves(all, new Rng(config.seed));
  const nTrain = Math.min(e.trainImages, fullTrain.n);
  const train: ImageData = { ...fullTrain, n: nTrain, images: fullTrain.images.subarray(0, nTrain * fullTrain.height * fullTrain.width * fullTrain.channels), labels: fullTrain.labels.subarray(0, nTrain) };
  const stats = normalizationOf(train); // the supernet trainer's normalisation (a dataset's own, e.g. ImageNet's for image folders, else the training images')
  let sliced;
  try {
    sliced = ofaSubnetWeights(desc, supernetParams, ofaPlan(spec));
  } catch (err) {
    throw new UsageError(`${weightsFile}: ${(err as Error).message} (config.json's C = ${e.C}, N = ${e.N})`);
  }
  const w = new NetworkWeights(desc, sliced);
  try {
    const calIdx = subset(train.n, OFA_RECALIBRATION.images, config.seed + 1);
    const t0 = performance.now();
    const used = recalibrateBatchNorm(w, (function* () {
      for (const b of batches(train, calIdx, stats, OFA_RECALIBRATION.batchSize)) yield b.x;
    })());
    log(`recalibrated batch norm on ${used} training images in ${((performance.now() - t0) / 1000).toFixed(1)} s (${backend.backend})`);
    const valIdx = subset(val.n, OFA_EXPORT_VAL_IMAGES, config.seed + 2);
    let correct = 0;
    for (const b of batches(val, valIdx, stats, OFA_RECALIBRATION.batchSize)) {
      const pred = tf.tidy(() => tf.argMax(forwardNetwork(w, b.x, { mode: 'infer' }).logits, 1).dataSync());
      for (let i = 0; i < pred.length; i++) if (pred[i] === b.labels[i]) correct++;
    }
    const valAccuracy = (100 * correct) / valIdx.length;
    log(`exported network: ${valAccuracy.toFixed(2)}% on ${valIdx.length} held-out images (the search measured ${result.best.value.toFixed(2)}% with batch statistics)`);
    const trained =
      `the best subnet of OFA supernet run ${path.resolve(dir)} (${from}, seed ${config.seed}); ` +
      `weights taken from the supernet as OFA's get_active_subnet (leading channels in the supernet's order, kernels through the learned transform matrices); ` +
      `BN statistics recalibrated on ${used} training images in batches of ${OFA_RECALIBRATION.batchSize} (OFA's set_running_statistics); ` +
      `accuracy of this network on ${valIdx.length} held-out images: ${valAccuracy.toFixed(2)}%`;
    return { ...base, weights: w.snapshot(), stats, trained, valAccuracy, valImages: valIdx.length, backend: backend.backend };
  } finally {
    w.dispose();
  }
}

/** The weights of a run's loaded OFA checkpoint (refused when the file changed since the run was made). */
async function pretrainedParams(p: { file: string; sha256: string }, spec: ReturnType<typeof ofaSpecOf>): Promise<NamedTensors> {
  const sha = sha256OfTorchCheckpoint(p.file);
  if (sha !== p.sha256) throw new UsageError(`${p.file}: the checkpoint changed since this run was made (SHA-256 ${sha.slice(0, 12)}…, the run's ${p.sha256.slice(0, 12)}…); restore it to export this run's subnet`);
  const net = new OfaSupernet(spec, new Rng(0)); // every weight is overwritten by the file's
  try {
    await loadOfaCheckpoint(p.file, net);
    return net.params.snapshot();
  } finally {
    net.dispose();
  }
}

/** `l2nas export <ofa-run-dir>`: writes the chosen formats of the run's best subnet into `out` (all or nothing). */
export async function exportOfaRun(dir: string, formats: NetworkExportFormat[], out: string, opts: OfaExportOptions = {}): Promise<{ files: string[]; net: OfaRunNetwork }> {
  const net = await ofaRunNetwork(dir, formats, opts);
  const files = writeNetworkExports(net.desc, net.weights, formats, out, net.trained, net.stats);
  return { files, net };
}
