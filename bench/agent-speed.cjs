#!/usr/bin/env node
'use strict';
/**
 * Speed of the L²NAS agent (issue #14 item 3: 1000 steps of the `nb201` preset in ≤ 0.5× the
 * PyTorch reference's time, one thread each, measured in the same run) and where the time goes.
 *
 *   node bench/agent-speed.cjs [--runs 3] [--steps 1000] [--preset nb201] [--engine simd|tf]
 *                              [--backend wasm] [--torch /path/to/python] [--breakdown]
 *
 * With --torch, each of our runs is followed by one run of the PyTorch reference agent in
 * ../shared/bench (same table, steps and preset settings; one thread), so both see the same
 * machine load; the ratio is ours / PyTorch's per pair, and of the sums. The load average is
 * printed with every pair (the development machine is shared). Presets other than nb201 (darts,
 * ofa: 256-wide MLPs, batch 64) run on a synthetic reward (the agent's cost does not depend on
 * it) and have no PyTorch twin. --breakdown times each SIMD kernel over one more run. Prints
 * Markdown.
 */
const path = require('node:path');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const root = path.join(__dirname, '..');
const out = (p) => require(path.join(root, 'out', 'node', p));
const tf = require('@tensorflow/tfjs-core');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

(async () => {
  const runs = Number(arg('--runs', '3'));
  const steps = Number(arg('--steps', '1000'));
  const preset = arg('--preset', 'nb201');
  const { selectBackend } = out('node/backend');
  const backend = await selectBackend(arg('--backend', 'auto'));
  const { loadBenchmarkTables } = out('node/benchmark-csv');
  const { TableEstimator } = out('core/estimators/table-estimator');
  const { getSpace } = out('common/spaces/index');
  const { L2nasAgent } = out('core/agent/l2nas-agent');
  const { defaultEngine } = out('core/agent/networks');
  const { resolveAgentConfig } = out('common/presets');
  const { Rng } = out('common/rng');
  const { reward } = out('common/rewards');
  const engine = arg('--engine', defaultEngine());
  const cfg = resolveAgentConfig(preset);
  const spaceId = preset.startsWith('darts') ? 'darts' : preset.startsWith('ofa') ? 'ofa' : 'nb201';
  const space = getSpace(spaceId);
  const csv = path.join(root, '..', 'shared', 'data', 'nas-bench-201', 'test-accuracy-200ep.csv');
  let query;
  if (spaceId === 'nb201') {
    const est = new TableEstimator(space, loadBenchmarkTables([csv], space), 'cifar100');
    query = (a) => est.query(a);
  } else {
    const r = new Rng(99);
    query = () => 70 + 5 * r.next();
  }

  const log = (s) => console.log(s);
  log(`backend: ${backend.backend}; agent engine: ${engine}; node ${process.version}; ${os.cpus()[0].model}, ${os.cpus().length} cores; ${new Date().toISOString()}`);
  log(`preset ${preset} (hidden ${cfg.hidden}×${cfg.hiddenLayers}, batch ${cfg.batchSize}, C_max ${cfg.cMax}), ${steps} steps per run\n`);

  const runOurs = (seed, hook, n = steps) => {
    const agent = new L2nasAgent(space, cfg, new Rng(seed), { engine });
    hook?.(agent);
    const t0 = performance.now();
    for (let t = 0; t < n; t++) {
      const p = agent.propose(t);
      const v = query(p.arch);
      agent.observe(p, v, reward(v));
    }
    const s = (performance.now() - t0) / 1000;
    return { s, agent };
  };
  const py = arg('--torch');
  if (py && preset !== 'nb201') throw new Error(`--torch: the PyTorch reference runs the nb201 preset only (asked: ${preset})`);
  const runTorch = () => {
    const ref = path.join(root, '..', 'shared', 'bench', 'l2nas_torch_reference.py');
    // The reference's defaults are the nb201 preset (K 64, τ 0.9, B 8, ξ 1e-4, C_max 10, ε by
    // step 175, critic lr 1e-4); its own timer (s_per_run) excludes Python's start-up and the table read.
    const r = spawnSync(py, [ref, csv, 'cifar100', String(steps), '1', String(cfg.actorLr)], { encoding: 'utf8' });
    const m = /s_per_run=([\d.]+)/.exec(r.stdout);
    if (!m) throw new Error(`PyTorch reference failed: ${r.stderr || r.stdout}`);
    return Number(m[1]);
  };

  log(py ? '| run | ours (s) | PyTorch (s) | ours / PyTorch | load average (1/5/15 min) |' : '| run | ours (s) | load average (1/5/15 min) |');
  log(py ? '|---|---|---|---|---|' : '|---|---|---|');
  const ours = [];
  const torch = [];
  for (let r = 0; r < runs; r++) {
    const { s, agent } = runOurs(r);
    agent.dispose();
    ours.push(s);
    if (py) {
      const t = runTorch();
      torch.push(t);
      log(`| ${r + 1} | ${s.toFixed(2)} | ${t.toFixed(2)} | ${(s / t).toFixed(2)} | ${load()} |`);
    } else {
      log(`| ${r + 1} | ${s.toFixed(2)} | ${load()} |`);
    }
  }
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  log(`\nours: mean ${(sum(ours) / runs).toFixed(2)} s per ${steps} steps (${((1000 * sum(ours)) / runs / steps).toFixed(2)} ms per step)`);
  if (torch.length) {
    const ratios = ours.map((s, i) => s / torch[i]);
    log(`PyTorch: mean ${(sum(torch) / runs).toFixed(2)} s; ratio ours/PyTorch: ${(sum(ours) / sum(torch)).toFixed(2)} of the sums, median of pairs ${median(ratios).toFixed(2)}`);
  }

  // TF.js kernels in one steady-state step (the SIMD engine runs only the output sigmoid and the losses there).
  {
    // 100 steps: C = C_max from step 8·C_max on.
    const warm = Math.min(steps, 100);
    const { agent } = runOurs(0, undefined, warm);
    const info = await tf.profile(() => {
      const p = agent.propose(warm);
      const v = query(p.arch);
      agent.observe(p, v, reward(v));
    });
    const n = info.kernels.filter((k) => !k.name.endsWith('__op')).length;
    log(`\nTF.js kernel calls in one step (${cfg.cMax} updates): ${n}`);
    agent.dispose();
  }

  if (process.argv.includes('--breakdown') && engine === 'simd') {
    // Time every SIMD kernel over one more run (timer overhead included, ~0.1 µs a call).
    const acc = {};
    const wrap = (mlp, net) => {
      for (const [name, fn] of Object.entries(mlp.k)) {
        mlp.k[name] = (...a) => {
          const t0 = performance.now();
          fn(...a);
          const e = (acc[name] ??= { ms: 0, n: 0 });
          e.ms += performance.now() - t0;
          e.n++;
        };
      }
      void net;
    };
    const { s, agent } = runOurs(0, (ag) => {
      wrap(ag.nets.actor, 'actor');
      wrap(ag.nets.critic, 'critic');
    });
    agent.dispose();
    log(`\nwhere the time goes (one run, ${s.toFixed(2)} s):\n`);
    log('| part | calls | s | share |');
    log('|---|---|---|---|');
    let inKernels = 0;
    for (const [name, e] of Object.entries(acc).sort((a, b) => b[1].ms - a[1].ms)) {
      inKernels += e.ms / 1000;
      log(`| SIMD ${name} | ${e.n} | ${(e.ms / 1000).toFixed(2)} | ${((100 * e.ms) / 1000 / s).toFixed(0)}% |`);
    }
    log(`| everything else (JS: sampling, top-K, sigmoid and losses through TF.js, propose) | | ${(s - inKernels).toFixed(2)} | ${((100 * (s - inKernels)) / s).toFixed(0)}% |`);
  }
})();
