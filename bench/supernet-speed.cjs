#!/usr/bin/env node
// Supernet training speed (images/s) and query cost (seconds per evaluate) per TF.js backend and
// space. Each measurement runs in its own child process (a process keeps the first backend it
// loads). Needs the build:
//   npx tsc -p tsconfig.node.json && node bench/supernet-speed.cjs [--steps 60] [--queries 10]
//        [--torch /path/to/python] [--nb201-only]
// Without shape flags: every backend and space at each supernet's default (demo) settings
// (common/supernets.ts; embedded MNIST), one JSON line per space and backend, and
// bench/results/supernet-speed.md (not with --nb201-only, which times only the NB201 line on
// WASM). With --torch, the PyTorch twin of the NB201 line (bench/supernet_torch_twin.py, a
// measuring stick: torch must be installed there) runs right after, with 1 and 2 threads, and
// the ratio ours / PyTorch is printed (issue #14 item 4).
//
// Shape flags (issue #13 item 4) time one space at another shape, on random images (the speed
// does not depend on the pixels; 10 classes), and write no results file:
//   node bench/supernet-speed.cjs --shape nb201-cifar --batch 64 [--backends webgpu,wasm]
//        [--steps 10] [--warm-steps 3] [--queries 0] [--torch python3 --device cuda]
//   --shape nb201-cifar   NB201 supernet, C = 16, N = 5, 32×32×3 (NAS-Bench-201's CIFAR shape)
//   --shape darts-cifar   DARTS supernet, C = 16, 8 cells, 32×32×3 (DARTS's search network)
//   --space nb201|darts --C c --N n --image HxWxC --batch b   any other shape (each flag
//                         overrides the preset's; unset ones are the space's demo settings)
//   --wasm-batch b        the wasm backend at batch b instead (its heap is 4 GiB: NB201 above
//                         aborts at batch 256, DARTS above at 64); images/s still compare
//   --wasm-steps n, --wasm-warm-steps n   fewer steps for wasm (default: --steps, --warm-steps)
// The twin trains the very paths ours trained (their list goes to it with --archs).
// One JSON line per backend (with the shape and the supernet's parameter count), then with
// --torch the twin at the same shape on --device (cpu by default, --torch-threads, default 1),
// then one "compare" line: images/s of each and the ratios (ours / PyTorch, webgpu / wasm).
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

const SHAPES = {
  'nb201-cifar': { space: 'nb201', C: 16, N: 5, image: '32x32x3' },
  'darts-cifar': { space: 'darts', C: 16, N: 8, image: '32x32x3' },
};

function parseImage(s) {
  const m = /^(\d+)x(\d+)x(\d+)$/i.exec(String(s));
  if (!m || +m[1] < 1 || +m[2] < 1 || +m[3] < 1) throw new Error(`--image: expected HxWxC with positive integers, e.g. 32x32x3 (got "${s}")`);
  return { height: +m[1], width: +m[2], channels: +m[3] };
}

/** Random images of a shape (seeded): the speed does not depend on the pixels. */
function syntheticImages(n, img, rng) {
  const images = new Uint8Array(n * img.height * img.width * img.channels);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = Uint16Array.from({ length: n }, () => rng.int(10));
  return { images, labels, n, ...img, classes: 10 };
}

/**
 * `shape`: null for the demo's (embedded MNIST, the space's defaults), else
 * { C, N, batch, image: 'HxWxC' } on random images.
 */
async function measure(space, backendName, steps, queries, shape, warmSteps) {
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
  const C = shape ? shape.C : d.C, N = shape ? shape.N : d.N, B = shape ? shape.batch : d.batchSize;
  const builder = supernetBuilder(space);
  const searchSpace = builder.space;
  const rng = new Rng(0);
  const warm = Math.min(warmSteps ?? 3, steps);
  let train, val, inChannels, image;
  if (shape) {
    const img = parseImage(shape.image);
    train = syntheticImages(Math.max(steps, warm) * B, img, rng);
    val = syntheticImages(spec.evalBatches * 64, img, rng);
    inChannels = img.channels;
    image = `${img.height}x${img.width}x${img.channels}`;
  } else {
    const all = loadDataset({ kind: 'mnist-embedded' });
    const halves = splitHalves(all, rng);
    // One "epoch" of `steps` batches: the first batches of the training half.
    const n = Math.min(halves.train.n, steps * B);
    train = { ...halves.train, n, images: halves.train.images.subarray(0, n * 784), labels: halves.train.labels.subarray(0, n) };
    val = halves.val;
    inChannels = 1;
    image = '28x28x1';
  }
  const cfg = { epochs: 1, batchSize: B, lrMax: d.lrMax, lrMin: 1e-3, momentum: 0.9, weightDecay: 3e-4, cutout: d.cutout, evalPaths: 0, evalBatches: spec.evalBatches, evalBatchSize: 64 };
  const net = builder.build({ inChannels, classes: 10 }, C, N, rng);
  const params = net.params.variables().reduce((s, v) => s + v.size, 0);
  // The paths trained come from generators of their own (not the trainer's, whose draws depend
  // on the batch and step counts), so every backend, batch and step count trains a prefix of
  // one sequence; recorded so that the PyTorch twin trains the very same ones (--archs).
  const archs = { warm: [], timed: [] };
  const recording = (list, pathRng) => ({ key: (a) => searchSpace.key(a), sample: () => { const a = searchSpace.sample(pathRng); list.push(a); return a; } });
  const trainer = new SupernetTrainer(net, recording(archs.timed, new Rng(2)), { ...train, n: Math.min(train.n, steps * B) }, val, cfg, rng);
  // TF.js's WebGPU backend reads only asynchronously in Node (core/backend-reads.ts).
  const async = choice.tfName === 'webgpu';
  const epoch = (t) => (async ? t.trainEpochAsync(undefined, () => Promise.resolve()) : t.trainEpoch());
  // Warm-up: kernels compile and every op's weights get momentum buffers on first use.
  if (warm > 0) {
    const wt = new SupernetTrainer(net, recording(archs.warm, new Rng(3)), { ...train, n: warm * B }, val, { ...cfg }, new Rng(1));
    await epoch(wt);
    wt.dispose();
  }
  const t0 = performance.now();
  const r = await epoch(trainer);
  const trainSeconds = (performance.now() - t0) / 1000;
  const q0 = performance.now();
  for (let i = 0; i < queries; i++) await (async ? trainer.evaluateAsync(searchSpace.sample(rng)) : trainer.evaluate(searchSpace.sample(rng)));
  const perQuery = queries > 0 ? (performance.now() - q0) / 1000 / queries : null;
  trainer.dispose();
  net.dispose();
  return {
    space, backend: backendName, ok: true, reason: choice.attempts.at(-1).reason,
    ...(choice.adapter ? { adapter: choice.adapter } : {}),
    C, N, batch: B, image, data: shape ? 'synthetic' : 'mnist-embedded', params,
    imagesPerSecond: r.imagesPerSecond, steps: trainer.stepsPerEpoch, warmSteps: warm, trainSeconds, secondsPerQuery: perQuery, queries, evalImages: cfg.evalBatches * cfg.evalBatchSize,
    archs,
  };
}

/** Runs one measurement in a child process; its RESULT line, or why it failed. */
function runChild(space, b, steps, queries, shape, warmSteps) {
  const args = [__filename, '--child', b, space, '--steps', String(steps), '--queries', String(queries)];
  if (shape) args.push('--shape-json', JSON.stringify(shape));
  if (warmSteps !== undefined) args.push('--warm-steps', String(warmSteps));
  try {
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: Number(process.env.SUPERNET_SPEED_TIMEOUT_S ?? 900) * 1000, maxBuffer: 1 << 24 });
    return JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT ')).slice(7));
  } catch (e) {
    // The child's own error (its last "…Error: …" line on stderr; Dawn's warnings go there too).
    const lines = String(e.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
    const said = lines.filter((l) => /Error\b|Aborted/.test(l)).at(-1) ?? lines.at(-1);
    const how = e.signal ? `killed by ${e.signal}${e.code === 'ETIMEDOUT' ? ' (timed out)' : ''}` : `exit code ${e.status}`;
    return { space, backend: b, ok: false, reason: `benchmark process failed (${how})${said ? `: ${said.slice(0, 300)}` : ''}`, ...(shape ? { ...shape } : {}) };
  }
}

/** The shape asked for by flags, or null (the demo's). Exits with a clear message on bad flags. */
function shapeFromFlags() {
  const given = ['--shape', '--space', '--C', '--N', '--batch', '--image', '--backends'].filter((f) => process.argv.includes(f));
  if (!given.length) return null;
  const presetName = strArg('--shape');
  if (presetName !== undefined && !SHAPES[presetName]) throw new Error(`--shape: unknown shape "${presetName}" (known: ${Object.keys(SHAPES).join(', ')})`);
  const preset = presetName ? SHAPES[presetName] : {};
  const space = strArg('--space') ?? preset.space ?? 'nb201';
  const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets'));
  if (!SUPERNET_SPECS[space] || !['nb201', 'darts'].includes(space)) throw new Error(`--space: expected nb201 or darts (got "${space}")`);
  const d = SUPERNET_SPECS[space].defaults;
  const int = (name, def) => {
    const v = strArg(name);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name}: expected a positive integer (got "${v}")`);
    return Number(v);
  };
  const shape = { space, C: int('--C', preset.C ?? d.C), N: int('--N', preset.N ?? d.N), batch: int('--batch', d.batchSize), image: strArg('--image') ?? preset.image ?? '28x28x1' };
  parseImage(shape.image);
  const backends = (strArg('--backends') ?? 'webgpu,wasm').split(',').filter(Boolean);
  const { BACKEND_IDS } = require(path.join(OUT, 'contracts', 'ids'));
  for (const b of backends) if (!BACKEND_IDS.includes(b)) throw new Error(`--backends: unknown backend "${b}" (known: ${BACKEND_IDS.join(', ')})`);
  return { shape, backends };
}

/** The twin's `--archs <file>` for the paths a measurement trained (none: the twin draws its own). */
function archsArgs(res) {
  if (!res?.archs) return [];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-speed-')), 'archs.json');
  fs.writeFileSync(file, JSON.stringify(res.archs));
  return ['--archs', file];
}

/** Shape flags: one space at one shape on the chosen backends, the twin beside it, a compare line. */
function runShape({ shape, backends }) {
  const steps = arg('--steps', 10), queries = arg('--queries', 0), warm = arg('--warm-steps', 3);
  const { space, ...net } = shape;
  // --wasm-batch: WASM at a smaller batch where the asked one does not fit its 4 GiB heap
  // (NB201 at 32×32×3, C = 16, N = 5 aborts at batch 256; DARTS at C = 16, 8 cells at 64).
  const wasmBatch = strArg('--wasm-batch') !== undefined ? arg('--wasm-batch', shape.batch) : shape.batch;
  // --wasm-steps, --wasm-warm-steps: fewer steps for the (much slower) wasm backend.
  const wasmSteps = arg('--wasm-steps', steps), wasmWarm = arg('--wasm-warm-steps', warm);
  const rows = backends.map((b) => {
    const res = b === 'wasm' ? runChild(space, b, wasmSteps, queries, { ...net, batch: wasmBatch }, wasmWarm) : runChild(space, b, steps, queries, net, warm);
    const { archs: _archs, ...shown } = res;
    console.log(JSON.stringify({ ...shown, loadAverage: os.loadavg() }));
    return res;
  });
  const py = strArg('--torch');
  let t = null;
  if (py) {
    const device = strArg('--device') ?? 'cpu';
    const twinArgs = [path.join(__dirname, 'supernet_torch_twin.py'), '--space', space, '--device', device, '--threads', String(arg('--torch-threads', 1)), '--steps', String(arg('--torch-steps', steps)), '--warm-steps', String(warm), '--C', String(shape.C), '--N', String(shape.N), '--batch', String(shape.batch), '--image', shape.image];
    if (process.argv.includes('--no-tf32')) twinArgs.push('--no-tf32');
    // The same paths as ours, step for step (every backend's child samples the same, from one seed).
    twinArgs.push(...archsArgs(rows.find((r) => r.ok && r.archs)));
    try {
      const out = execFileSync(py, twinArgs, { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'pipe'] });
      t = JSON.parse(out.trim().split('\n').pop());
      console.log(JSON.stringify({ ...t, loadAverage: os.loadavg() }));
    } catch (e) {
      t = { impl: 'pytorch', ok: false, reason: `PyTorch twin failed: ${String(e.stderr || e.message).trim().split('\n').pop()}` };
      console.log(JSON.stringify(t));
    }
  }
  const rate = (b) => rows.find((r) => r.backend === b && r.ok)?.imagesPerSecond ?? null;
  const ratio = (a, b) => (a !== null && b ? a / b : null);
  const torchRate = t && t.imagesPerSecond ? t.imagesPerSecond : null;
  const ours = Object.fromEntries(backends.map((b) => [b, rate(b)]));
  const okRows = rows.filter((r) => r.ok);
  const paramsMatch = t && t.params !== undefined && okRows.length ? okRows.every((r) => r.params === t.params) : null;
  console.log(JSON.stringify({
    compare: true, space, ...net, ...(wasmBatch !== shape.batch ? { wasmBatch } : {}), ours, pytorch: torchRate, pytorchDevice: t?.device ?? null, paramsMatch, samePaths: Boolean(t && t.samePaths),
    oursOverPytorch: Object.fromEntries(backends.map((b) => [b, ratio(ours[b], torchRate)])),
    webgpuOverWasm: ratio(ours.webgpu ?? null, ours.wasm ?? null),
  }));
}

async function main() {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const shapeJson = strArg('--shape-json');
    const res = await measure(process.argv[child + 2], process.argv[child + 1], arg('--steps', 60), arg('--queries', 10), shapeJson ? JSON.parse(shapeJson) : null, process.argv.includes('--warm-steps') ? arg('--warm-steps', 3) : undefined);
    process.stdout.write('RESULT ' + JSON.stringify(res) + '\n');
    return;
  }
  const custom = shapeFromFlags();
  if (custom) return runShape(custom);
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
    const res = runChild(space, b, steps, queries, null);
    const { archs: _archs, ...shown } = res;
    console.log(JSON.stringify(shown));
    rows.push(res);
  }
  const torchRows = [];
  const py = strArg('--torch');
  if (py) {
    const d = DEMO_DEFAULTS;
    const ours = rows.find((r) => r.space === 'nb201' && r.backend === 'wasm' && r.ok);
    // The twin trains the very paths ours trained (step for step), as with the shape flags.
    const sameArchs = archsArgs(ours);
    for (const threads of [1, 2]) {
      const out = execFileSync(py, [path.join(__dirname, 'supernet_torch_twin.py'), '--threads', String(threads), '--steps', String(arg('--steps', 60)), '--C', String(d.C), '--N', String(d.N), '--batch', String(d.batchSize), ...sameArchs], { encoding: 'utf8', timeout: 900_000 });
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
  // The generated table replaces the file's head; the measurement history below it (from its
  // first "## " section on) is kept.
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const history = old.indexOf('\n## ');
  fs.writeFileSync(file, history >= 0 ? md + old.slice(history) : md);
  console.log(`wrote ${file}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
