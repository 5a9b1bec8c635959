#!/usr/bin/env node
'use strict';
/**
 * Speed of the L²NAS agent on NAS-Bench-201 (the target: 1000 steps of the `nb201` preset
 * in ≤ 25 s on a 2-core machine) and where the time goes (TF.js kernel profile of one step).
 *
 *   node bench/agent-speed.cjs [--runs 3] [--backend wasm] [--torch /path/to/python]
 *
 * With --torch, the PyTorch reference agent in ../shared/bench is timed on the same machine
 * (one thread) for the side-by-side number. Prints Markdown; run it on a quiet machine.
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

(async () => {
  const runs = Number(arg('--runs', '3'));
  const { selectBackend } = out('node/backend');
  const backend = await selectBackend(arg('--backend', 'auto'));
  const { loadBenchmarkTables } = out('node/benchmark-csv');
  const { TableEstimator } = out('core/estimators/table-estimator');
  const { nb201Space } = out('common/spaces/nb201');
  const { L2nasAgent } = out('core/agent/l2nas-agent');
  const { resolveAgentConfig } = out('common/presets');
  const { Rng } = out('common/rng');
  const { reward } = out('common/rewards');
  const csv = path.join(root, '..', 'shared', 'data', 'nas-bench-201', 'test-accuracy-200ep.csv');
  const table = loadBenchmarkTables([csv], nb201Space);
  const est = new TableEstimator(nb201Space, table, 'cifar100');

  const lines = [];
  const log = (s) => {
    lines.push(s);
    console.log(s);
  };
  log(`backend: ${backend.backend}; node ${process.version}; ${os.cpus()[0].model}, ${os.cpus().length} cores; ${new Date().toISOString()}`);
  const times = [];
  for (let r = 0; r < runs; r++) {
    const rng = new Rng(r);
    const agent = new L2nasAgent(nb201Space, resolveAgentConfig('nb201'), rng);
    const t0 = performance.now();
    for (let t = 0; t < 1000; t++) {
      const p = agent.propose(t);
      const v = est.query(p.arch);
      agent.observe(p, v, reward(v));
    }
    times.push((performance.now() - t0) / 1000);
    if (r === runs - 1) {
      // Kernel profile of one steady-state step (C = 10 batches).
      const info = await tf.profile(() => {
        const p = agent.propose(1000);
        const v = est.query(p.arch);
        agent.observe(p, v, reward(v));
      });
      const agg = {};
      for (const k of info.kernels) {
        if (k.name.endsWith('__op')) continue; // an op wrapper around the kernel listed too
        const a = (agg[k.name] ??= { n: 0, ms: 0 });
        a.n++;
        a.ms += Number(k.kernelTimeMs) || 0;
      }
      const total = Object.values(agg).reduce((s, a) => s + a.ms, 0);
      log(`\nkernels in one step (10 actor+critic updates): ${info.kernels.length} calls, ${total.toFixed(1)} ms kernel time (profiling adds overhead)\n`);
      log('| kernel | calls | ms | share |');
      log('|---|---|---|---|');
      for (const [name, a] of Object.entries(agg).sort((x, y) => y[1].ms - x[1].ms).slice(0, 12)) {
        log(`| ${name} | ${a.n} | ${a.ms.toFixed(2)} | ${((100 * a.ms) / total).toFixed(0)}% |`);
      }
    }
    agent.dispose();
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  log(`\nTF.js (${backend.backend}) nb201 preset, 1000 steps: ${times.map((t) => t.toFixed(1)).join(', ')} s → mean ${mean.toFixed(1)} s`);
  const py = arg('--torch');
  if (py) {
    const ref = path.join(root, '..', 'shared', 'bench', 'l2nas_torch_reference.py');
    const t0 = performance.now();
    const r = spawnSync(py, [ref, csv, 'cifar100', '1000', '1', '1e-8'], { encoding: 'utf8' });
    log(`PyTorch reference (one thread), 1000 steps: ${r.stdout.trim() || r.stderr.trim()} (wall ${((performance.now() - t0) / 1000).toFixed(1)} s incl. start-up)`);
  }
})();
