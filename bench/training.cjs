#!/usr/bin/env node
/*
 * Trains architectures from scratch with `l2nas train` (issue #10 item 7) and checks the
 * exported models against the trained network: the architecture the offline demo finds and
 * seeded random NAS-Bench-201 architectures, all with the same settings and seed, on the
 * embedded MNIST; optionally one run on Fashion-MNIST (Debian `dataset-fashion-mnist`).
 *
 *   node bench/training.cjs [--epochs 3] [--random 2] [--fashion] [--out /tmp/l2nas-training] [--reuse]
 *
 * Prints a Markdown table (one row per run) and the export round-trip figures: max |Δ| of the
 * logits between the TF.js executor (inference mode, BN running statistics), stock
 * tf.loadGraphModel on the exported model.json and onnxruntime-node on model.onnx, on 64 held-out
 * images. Needs `npm run build` first.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const OUT = path.join(ROOT, 'out', 'node');
const DEMO_ARCH = '|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|none~2|';
const FASHION = '/usr/share/datasets/fashion-mnist';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const epochs = Number(opt('epochs', '3'));
const randomCount = Number(opt('random', '2'));
const fashion = argv.includes('--fashion');
const outRoot = opt('out', fs.mkdtempSync(path.join(os.tmpdir(), 'l2nas-training-')));
fs.mkdirSync(outRoot, { recursive: true });

const { Rng } = require(path.join(OUT, 'common', 'rng.js'));
const { nb201FromIndex, nb201ToString } = require(path.join(OUT, 'common', 'spaces', 'nb201.js'));

const COMMON = ['--space', 'nb201', '--epochs', String(epochs), '--channels', '8', '--cells', '1', '--batch', '64', '--seed', '0', '-q'];

function l2nas(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`l2nas ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function roundTrip(dir, exportDir) {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = require('@tensorflow/tfjs-converter');
  const ort = require('onnxruntime-node');
  await tf.setBackend('cpu');
  const { readTrainConfig, readTrainNetwork } = require(path.join(OUT, 'node', 'train-session.js'));
  const { decodeCheckpoint } = require(path.join(OUT, 'node', 'checkpoint-codec.js'));
  const { forwardNetwork, NetworkWeights } = require(path.join(OUT, 'core', 'network', 'executor.js'));
  const { TFJS_WEIGHTS_FILE } = require(path.join(OUT, 'node', 'exporters', 'tfjs-graph.js'));
  const desc = readTrainNetwork(dir, readTrainConfig(dir));
  const ck = decodeCheckpoint(fs.readFileSync(path.join(dir, 'train-checkpoint.bin')));
  const [H, W, C] = desc.input;
  const n = 64;
  // Normalised-looking inputs: the network's own normalisation is part of the exported graph
  // only where the README says so, so random values in the normalised range are a fair probe.
  const xs = new Rng(11).fillUniform(new Float32Array(n * H * W * C), -1, 3);
  const x = tf.tensor4d(xs, [n, H, W, C]);
  const w = new NetworkWeights(desc, ck.weights);
  const ours = tf.tidy(() => forwardNetwork(w, x, { mode: 'infer' }).logits.dataSync());
  const json = JSON.parse(fs.readFileSync(path.join(exportDir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(exportDir, TFJS_WEIGHTS_FILE));
  const model = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), format: json.format }));
  const pred = model.predict(x);
  const graph = pred.dataSync();
  const session = await ort.InferenceSession.create(path.join(exportDir, 'model.onnx'));
  const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync());
  const res = await session.run({ input: new ort.Tensor('float32', nchw, [n, C, H, W]) });
  const onnx = res.logits.data;
  const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const out = { graphVsExecutor: maxAbs(graph, ours), onnxVsExecutor: maxAbs(onnx, ours), onnxVsGraph: maxAbs(onnx, graph) };
  pred.dispose();
  model.dispose();
  x.dispose();
  w.dispose();
  return out;
}

async function main() {
  const rng = new Rng(2026);
  const runs = [{ label: 'found by `npm run demo`', arch: DEMO_ARCH, data: ['--dataset', 'mnist'] }];
  for (let i = 0; i < randomCount; i++) runs.push({ label: `random #${i + 1} (seed 2026)`, arch: nb201ToString(nb201FromIndex(rng.int(15625))), data: ['--dataset', 'mnist'] });
  if (fashion) {
    if (!fs.existsSync(FASHION)) throw new Error(`${FASHION} is missing: apt-get install dataset-fashion-mnist`);
    runs.push({
      label: 'found by `npm run demo`, Fashion-MNIST',
      arch: DEMO_ARCH,
      data: ['--dataset', 'idx', '--data', path.join(FASHION, 'train-images-idx3-ubyte.gz'), '--data', path.join(FASHION, 'train-labels-idx1-ubyte.gz'), '--train-images', '10000', '--val-images', '5000'],
    });
  }
  const rows = [];
  for (const [i, r] of runs.entries()) {
    const dir = path.join(outRoot, `run-${i}`);
    // --reuse keeps a finished run of an earlier invocation (same settings: the folder's config decides).
    const reuse = argv.includes('--reuse') && fs.existsSync(path.join(dir, 'result.json'));
    if (!reuse) fs.rmSync(dir, { recursive: true, force: true });
    const wall = reuse ? null : l2nas(['train', ...COMMON, '--arch', r.arch, ...r.data, '--out', dir]);
    const res = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
    const ex = path.join(outRoot, `export-${i}`);
    fs.rmSync(ex, { recursive: true, force: true });
    l2nas(['export', dir, '--format', 'onnx,tfjs', '--out', ex]);
    const rt = await roundTrip(dir, ex);
    const ep = res.epochs;
    const row = {
      ...r,
      params: res.params,
      macs: res.macs,
      val: ep.map((e) => e.valAccuracy.toFixed(2)).join(' → '),
      test: res.testAccuracy,
      secPerEpoch: ep.reduce((s, e) => s + e.seconds, 0) / ep.length,
      ips: ep.reduce((s, e) => s + e.imagesPerSecond, 0) / ep.length,
      backend: res.backend,
      wall,
      rt,
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
  const cpus = os.cpus();
  console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length}× ${cpus[0].model.trim()}, Node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}; ${epochs} epochs, NB201 C = 8, N = 1, batch 64, seed 0.\n`);
  console.log('| architecture | arch string | params | MACs | val. acc. per epoch (%) | test acc. (%) | s / epoch | images/s | backend | max abs diff graph model / ONNX vs executor |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const test = typeof r.test === 'number' ? r.test.toFixed(2) : 'n/a';
    console.log(`| ${r.label} | \`${r.arch}\` | ${r.params.toLocaleString('en-US')} | ${(r.macs / 1e6).toFixed(2)} M | ${r.val} | ${test} | ${r.secPerEpoch.toFixed(1)} | ${r.ips.toFixed(0)} | ${r.backend} | ${r.rt.graphVsExecutor.toExponential(1)} / ${r.rt.onnxVsExecutor.toExponential(1)} |`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
