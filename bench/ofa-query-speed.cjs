#!/usr/bin/env node
// The cost of one OFA query as OFA makes it (issue #11 item 8): BN recalibration of the subnet on
// OFA's 2,000 training images (set_running_statistics, batches of 64 as the app's evaluation
// batches), then validation accuracy on a fixed number of images, for OFA's w1.0 network (5
// stride-2 steps, 1000 classes, random weights: speed only) at 32×32 and at 224×224, per TF.js
// backend. Each (backend, resolution) runs in its own child process (a process keeps the first
// backend it loads), with a warm-up query first (kernels compile; a small calibration set), then
// `--queries` timed queries of fixed random subnets (the same on every backend), each also timed
// without recalibration (running statistics only) to split the two parts. Needs the build:
//   npx tsc -p tsconfig.node.json && nice -n 10 node bench/ofa-query-speed.cjs
//        [--cases wasm:32,cpu:32,webgpu:32,wasm:224,webgpu:224] [--queries 2] [--val 128] [--timeout 900]
//        [--out bench/results/ofa-query-speed.json] [--batch 64]
// A case may name its own time limit in seconds: wasm:224:1800. Prints a markdown table; the raw
// numbers go to the --out JSON file.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const OUT = path.join(__dirname, '..', 'out', 'node');
const strArg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const CALIBRATION = 2000;
// Images per calibration and evaluation batch (the app's evaluation batch is 64; at 224×224 a
// batch of 64 exhausted the WASM heap in one forward pass before the OFA forward freed each
// block's intermediates; `--batch 16` was used there).
const BATCH = Number(strArg('--batch', '64'));

async function measure(backendName, size, queries, valImages) {
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  let choice;
  try {
    choice = await selectBackend(backendName);
  } catch (e) {
    return { backend: backendName, size, ok: false, reason: e.message };
  }
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const { ofaSpace } = require(path.join(OUT, 'common', 'spaces', 'ofa'));
  const { OfaSupernet } = require(path.join(OUT, 'core', 'supernet', 'ofa-supernet'));
  const { SupernetTrainer } = require(path.join(OUT, 'core', 'supernet', 'supernet-trainer'));
  const { supernetCostModel } = require(path.join(OUT, 'core', 'supernet', 'cost-models'));
  const async = choice.tfName === 'webgpu';
  const shape = { inChannels: 3, classes: 1000 };
  const net = new OfaSupernet({ ...shape, widthMult: 1.0, downsamples: 5 }, new Rng(0));
  const r = new Rng(1);
  const images = (n) => {
    const a = new Uint8Array(n * size * size * 3);
    for (let i = 0; i < a.length; i++) a[i] = r.int(256);
    return { images: a, labels: Uint16Array.from({ length: n }, (_, i) => i % 1000), n, height: size, width: size, channels: 3, classes: 1000, normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } };
  };
  const train = images(CALIBRATION);
  const val = images(valImages);
  const cfg = (bn, calibrationImages) => ({ epochs: 1, batchSize: BATCH, lrMax: 0.1, lrMin: 1e-3, momentum: 0.9, weightDecay: 0, cutout: 0, evalPaths: 0, evalBatches: Math.floor(valImages / BATCH), evalBatchSize: BATCH, evalBatchNorm: bn, calibrationImages });
  const ask = (t, a) => (async ? t.evaluateAsync(a) : t.evaluate(a));
  const cost = supernetCostModel('ofa', shape, 100, 5);
  // Warm-up: one subnet, recalibrated on one batch, then evaluated (every kernel size and width compiles).
  const warm = new SupernetTrainer(net, ofaSpace, train, val, cfg('recalibrate', BATCH), new Rng(2));
  const w0 = performance.now();
  await ask(warm, { ks: new Array(20).fill(7), e: new Array(20).fill(6), d: new Array(5).fill(4) });
  await ask(warm, { ks: new Array(20).fill(3), e: new Array(20).fill(3), d: new Array(5).fill(2) });
  const warmSeconds = (performance.now() - w0) / 1000;
  warm.dispose();
  const full = new SupernetTrainer(net, ofaSpace, train, val, cfg('recalibrate', CALIBRATION), new Rng(3));
  const evalOnly = new SupernetTrainer(net, ofaSpace, train, val, cfg('running', undefined), new Rng(4));
  const subnets = Array.from({ length: queries }, (_, i) => ofaSpace.sample(new Rng(100 + i)));
  const out = [];
  for (const a of subnets) {
    const t0 = performance.now();
    await ask(full, a);
    const total = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await ask(evalOnly, a);
    const evaluation = (performance.now() - t1) / 1000;
    out.push({ total, evaluation, macs: cost.cost(a, size, size).macs });
  }
  full.dispose();
  evalOnly.dispose();
  net.dispose();
  const mean = (k) => out.reduce((s, q) => s + q[k], 0) / out.length;
  return { backend: backendName, tfName: choice.tfName, size, ok: true, reason: choice.attempts.at(-1).reason, adapter: choice.adapter ?? null, queries: out, secondsPerQuery: mean('total'), evaluationSeconds: mean('evaluation'), recalibrationSeconds: mean('total') - mean('evaluation'), meanMacs: mean('macs'), warmSeconds, calibrationImages: CALIBRATION, batch: BATCH, valImages: Math.floor(valImages / BATCH) * BATCH };
}

async function main() {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const [backend, size] = process.argv[child + 1].split(':');
    const res = await measure(backend, Number(size), Number(strArg('--queries', '2')), Number(strArg('--val', '128')));
    process.stdout.write('RESULT ' + JSON.stringify(res) + '\n');
    return;
  }
  const cases = strArg('--cases', 'wasm:32,cpu:32,webgpu:32,wasm:224,webgpu:224').split(',');
  const defaultTimeout = Number(strArg('--timeout', '900')) * 1000;
  const results = [];
  for (const spec of cases) {
    const [b, s, limit] = spec.split(':');
    const c = `${b}:${s}`;
    const timeout = limit ? Number(limit) * 1000 : defaultTimeout;
    const load = os.loadavg()[0];
    const t0 = Date.now();
    const p = spawnSync(process.execPath, [__filename, '--child', c, '--queries', strArg('--queries', '2'), '--val', strArg('--val', '128'), '--batch', String(BATCH)], { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
    const line = (p.stdout || '').split('\n').find((l) => l.startsWith('RESULT '));
    const [backend, size] = c.split(':');
    const res = line ? JSON.parse(line.slice(7)) : { backend, size: Number(size), ok: false, reason: p.error?.code === 'ETIMEDOUT' ? `not finished within ${timeout / 1000} s (skipped)` : `exit ${p.status}: ${(p.stderr || '').slice(-400)}` };
    res.load = [load, os.loadavg()[0]];
    res.wallSeconds = (Date.now() - t0) / 1000;
    results.push(res);
    process.stderr.write(`${c}: ${res.ok ? `${res.secondsPerQuery.toFixed(2)} s per query (recalibration ${res.recalibrationSeconds.toFixed(2)} s, evaluation ${res.evaluationSeconds.toFixed(2)} s)` : res.reason}\n`);
  }
  fs.writeFileSync(strArg('--out', path.join(__dirname, 'results', 'ofa-query-speed.json')), JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }, null, 1) + '\n');
  console.log('| resolution | backend | s per query | recalibration (2,000 images) | evaluation | × WASM (same resolution) | mean MACs of the subnets | load (start → end) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    if (!r.ok) {
      console.log(`| ${r.size}×${r.size} | ${r.backend} | ${r.reason} | — | — | — | — | ${r.load.map((v) => v.toFixed(1)).join(' → ')} |`);
      continue;
    }
    const ref = results.find((x) => x.ok && x.backend === 'wasm' && x.size === r.size);
    const ratio = ref ? (r.secondsPerQuery / ref.secondsPerQuery).toFixed(2) : '—';
    console.log(`| ${r.size}×${r.size} | ${r.backend}${r.adapter ? ` (${r.adapter.device || r.adapter.architecture || ''})` : ''} | ${r.secondsPerQuery.toFixed(2)} | ${r.recalibrationSeconds.toFixed(2)} | ${r.evaluationSeconds.toFixed(2)} (${r.valImages} images) | ${ratio} | ${(r.meanMacs / 1e6).toFixed(1)} M | ${r.load.map((v) => v.toFixed(1)).join(' → ')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
