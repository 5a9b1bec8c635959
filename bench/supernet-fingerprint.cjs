#!/usr/bin/env node
// A fingerprint of supernet training on WASM (`--space nb201|darts|ofa`, default nb201; the demo's shape): trains `--steps` batches
// from seed 0 and prints a hash of every weight and momentum buffer, and the losses. Two builds
// with the same fingerprint train bit-identically (old runs resume unchanged):
//   node bench/supernet-fingerprint.cjs [--space nb201] [--steps 30] [--out /path/to/other/out]
const path = require('node:path');
const { createHash } = require('node:crypto');
const argOf = (n, d) => { const i = process.argv.indexOf(n); return i >= 0 ? process.argv[i + 1] : d; };
const OUT = path.join(argOf('--out', path.join(__dirname, '..', 'out')), 'node');
(async () => {
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  await selectBackend(argOf('--backend', 'wasm'));
  const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets'));
  const { supernetBuilder } = require(path.join(OUT, 'core', 'supernet', 'registry'));
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const { loadDataset, splitHalves } = require(path.join(OUT, 'node', 'datasets'));
  const { SupernetTrainer } = require(path.join(OUT, 'core', 'supernet', 'supernet-trainer'));
  const space = argOf('--space', 'nb201');
  const d = SUPERNET_SPECS[space].defaults;
  const steps = Number(argOf('--steps', 30));
  const rng = new Rng(0);
  const { train: full, val } = splitHalves(loadDataset({ kind: 'mnist-embedded' }), rng);
  const n = steps * d.batchSize;
  const train = { ...full, n, images: full.images.subarray(0, n * 784), labels: full.labels.subarray(0, n) };
  const net = supernetBuilder(space).build({ inChannels: 1, classes: 10 }, d.C, d.N, rng);
  const t = new SupernetTrainer(net, supernetBuilder(space).space, train, val, { epochs: 2, batchSize: d.batchSize, lrMax: d.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: d.cutout, evalPaths: 2, evalBatches: 2, evalBatchSize: 64 }, rng);
  const r = [t.trainEpoch(), t.trainEpoch()];
  const s = t.snapshot();
  const h = createHash('sha256');
  for (const group of [s.params, s.momentum]) for (const k of Object.keys(group).sort()) { h.update(k); h.update(Buffer.from(group[k].values.buffer, group[k].values.byteOffset, group[k].values.byteLength)); }
  console.log(JSON.stringify({ space, steps, losses: r.map((e) => e.loss), valAccuracy: r.map((e) => e.valAccuracy), sha256: h.digest('hex').slice(0, 16) }));
})();
