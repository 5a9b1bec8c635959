#!/usr/bin/env node
// Supernet training speed (images/s) and query cost (seconds per evaluate) per TF.js backend and
// space, at each supernet's default settings (common/supernets.ts; embedded MNIST). Each measurement runs in its own child process (a process keeps the
// first backend it loads). Needs the build:
//   npx tsc -p tsconfig.node.json && node bench/supernet-speed.cjs [--steps 60] [--queries 10]
//        [--torch /path/to/python] [--nb201-only]
// Writes bench/results/supernet-speed.md (not with --nb201-only, which times only the NB201 line
// on WASM). With --torch, the PyTorch twin of the NB201 line (bench/supernet_torch_twin.py, a
// measuring stick: torch must be installed there) runs right after, with 1 and 2 threads, and
// the ratio ours / PyTorch is printed (issue #14 item 4).
const strArg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');

const OUT = path.join(__dirname, '..', 'out', 'node');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

async function measure(space, backendName, steps, queries) {
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  let choice;
  try {
    choice = await selectBackend(backendName);
  } catch (e) {
    return { space, backend: backendName, ok: false, reason: e.message };
  }
  // selectBackend registers every op's gradient (and the WASM convolution gradients).
  const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets'));
  const { supernetBuilder } = require(path.join(OUT, 'core', 'supernet', 'registry'));
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const { loadDataset, splitHalves } = require(path.join(OUT, 'node', 'datasets'));
  const { SupernetTrainer } = require(path.join(OUT, 'core', 'supernet', 'supernet-trainer'));
  const spec = SUPERNET_SPECS[space];
  const d = spec.defaults;
  const builder = supernetBuilder(space);
  const searchSpace = builder.space;
  const rng = new Rng(0);
  const all = loadDataset({ kind: 'mnist-embedded' });
  const { train: full, val } = splitHalves(all, rng);
  // One "epoch" of `steps` batches: the first batches of the training half.
  const n = Math.min(full.n, steps * d.batchSize);
  const train = { ...full, n, images: full.images.subarray(0, n * 784), labels: full.labels.subarray(0, n) };
  const cfg = { epochs: 1, batchSize: d.batchSize, lrMax: d.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: d.cutout, evalPaths: 0, evalBatches: spec.evalBatches, evalBatchSize: 64 };
  const net = builder.build({ inChannels: 1, classes: 10 }, d.C, d.N, rng);
  const trainer = new SupernetTrainer(net, searchSpace, train, val, cfg, rng);
  // Warm-up: kernels compile and every op's weights get momentum buffers on first use.
  const warm = { ...cfg };
  const warmSteps = Math.min(3, steps);
  // TF.js's WebGPU backend reads only asynchronously in Node (core/backend-reads.ts).
  const async = choice.tfName === 'webgpu';
  const epoch = (t) => (async ? t.trainEpochAsync(undefined, () => Promise.resolve()) : t.trainEpoch());
  const wt = new SupernetTrainer(net, searchSpace, { ...train, n: warmSteps * d.batchSize }, val, warm, new Rng(1));
  await epoch(wt);
  wt.dispose();
  const t0 = performance.now();
  const r = await epoch(trainer);
  const trainSeconds = (performance.now() - t0) / 1000;
  const q0 = performance.now();
  for (let i = 0; i < queries; i++) await (async ? trainer.evaluateAsync(searchSpace.sample(rng)) : trainer.evaluate(searchSpace.sample(rng)));
  const perQuery = (performance.now() - q0) / 1000 / queries;
  trainer.dispose();
  net.dispose();
  return { space, backend: backendName, ok: true, reason: choice.attempts.at(-1).reason, imagesPerSecond: r.imagesPerSecond, steps: Math.floor(n / d.batchSize), warmSteps, trainSeconds, secondsPerQuery: perQuery, queries, evalImages: cfg.evalBatches * cfg.evalBatchSize };
}

async function main() {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const res = await measure(process.argv[child + 2], process.argv[child + 1], arg('--steps', 60), arg('--queries', 10));
    process.stdout.write('RESULT ' + JSON.stringify(res) + '\n');
    return;
  }
  const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets'));
  const [DEMO_DEFAULTS, DARTS_DEMO_DEFAULTS] = [SUPERNET_SPECS.nb201.defaults, SUPERNET_SPECS.darts.defaults];
  const nb201Only = process.argv.includes('--nb201-only');
  const plan = nb201Only ? [['nb201', 'wasm', arg('--steps', 60), arg('--queries', 10)]] : [
    ['nb201', 'tensorflow', arg('--steps', 60), arg('--queries', 10)],
    ['nb201', 'wasm', arg('--steps', 60), arg('--queries', 10)],
    // The CPU backend's conv gradients are plain JavaScript: a few steps are enough to see the rate.
    ['nb201', 'cpu', arg('--cpu-steps', 2), arg('--cpu-queries', 1)],
    ['darts', 'wasm', arg('--darts-steps', 20), arg('--darts-queries', 5)],
    ['darts', 'cpu', 1, 1],
    // WebGPU: a hardware adapter where there is one, else the software one (llvmpipe here: a
    // CPU rasteriser, its rate says nothing of a GPU's; bench/results/webgpu.md).
    ['nb201', 'webgpu', arg('--webgpu-steps', 10), arg('--webgpu-queries', 2)],
    ['darts', 'webgpu', arg('--webgpu-darts-steps', 3), 1],
  ];
  const rows = [];
  for (const [space, b, steps, queries] of plan) {
    let res;
    try {
      const out = execFileSync(process.execPath, [__filename, '--child', b, space, '--steps', String(steps), '--queries', String(queries)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 900_000 });
      res = JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT ')).slice(7));
    } catch (e) {
      res = { space, backend: b, ok: false, reason: `benchmark process failed: ${String(e.message).split('\n')[0]}` };
    }
    console.log(JSON.stringify(res));
    rows.push(res);
  }
  const torchRows = [];
  const py = strArg('--torch');
  if (py) {
    const d = DEMO_DEFAULTS;
    const ours = rows.find((r) => r.space === 'nb201' && r.backend === 'wasm' && r.ok);
    for (const threads of [1, 2]) {
      const out = execFileSync(py, [path.join(__dirname, 'supernet_torch_twin.py'), '--threads', String(threads), '--steps', String(arg('--steps', 60)), '--C', String(d.C), '--N', String(d.N), '--batch', String(d.batchSize)], { encoding: 'utf8', timeout: 900_000 });
      const t = JSON.parse(out.trim().split('\n').pop());
      console.log(JSON.stringify({ ...t, oursOverPytorch: ours ? ours.imagesPerSecond / t.imagesPerSecond : null, loadAverage: os.loadavg() }));
      torchRows.push(t);
    }
  }
  if (nb201Only) return;
  const cpus = os.cpus();
  const md = [
    '# Supernet training speed per backend',
    '',
    `- **Measured**: ${new Date().toISOString()} with \`node bench/supernet-speed.cjs\``,
    `- **Machine**: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.platform()} ${os.release()}, Node ${process.version}`,
    `- **Settings**: the demo's, 28×28×1 MNIST, one uniformly random path per batch. NAS-Bench-201 (DEMO_DEFAULTS): C = ${DEMO_DEFAULTS.C}, N = ${DEMO_DEFAULTS.N} cell per stage, batch ${DEMO_DEFAULTS.batchSize}; a query evaluates one (uncached) path on 8 × 64 = 512 validation images. DARTS (DARTS_DEMO_DEFAULTS): C = ${DARTS_DEMO_DEFAULTS.C}, ${DARTS_DEMO_DEFAULTS.N} cells, batch ${DARTS_DEMO_DEFAULTS.batchSize}; a query uses 4 × 64 = 256 images.`,
    '',
    '| space | backend | available | images/s (training) | s per query | steps timed | note |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => r.ok
      ? `| ${r.space} | ${r.backend} | yes | ${r.imagesPerSecond.toFixed(1)} | ${r.secondsPerQuery.toFixed(3)} | ${r.steps} (+${r.warmSteps} warm-up) | ${r.reason} |`
      : `| ${r.space} | ${r.backend} | no | – | – | – | ${r.reason.replace(/\|/g, '\\|')} |`),
    ...(torchRows.length ? ['', '| PyTorch twin (bench/supernet_torch_twin.py) | threads | images/s | ours (wasm, 1 thread) / PyTorch |', '|---|---|---|---|',
      ...torchRows.map((t) => `| torch ${t.torch} | ${t.threads} | ${t.imagesPerSecond.toFixed(1)} | ${(rows.find((r) => r.space === 'nb201' && r.backend === 'wasm' && r.ok)?.imagesPerSecond / t.imagesPerSecond).toFixed(2)} |`)] : []),
    '',
    'Numbers are from one run on a shared machine; expect ±15 % between runs. A `webgpu` row on a',
    'software adapter (llvmpipe: Mesa\'s CPU rasteriser, named in the note) measures a CPU',
    'emulating a GPU and says nothing of WebGPU\'s speed on a GPU (bench/results/webgpu.md). tfjs-node',
    '(`tensorflow`) is not installable in this environment; the reason above is the loader\'s own.',
    '',
  ].join('\n');
  const file = path.join(__dirname, 'results', 'supernet-speed.md');
  fs.writeFileSync(file, md);
  console.log(`wrote ${file}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
