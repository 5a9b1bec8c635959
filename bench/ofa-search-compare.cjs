#!/usr/bin/env node
// The small-data OFA search (the scale of `l2nas demo --space ofa --epochs 1 --steps 30
// --max-macs 20`): L²NAS against random search and REA at the same query budget and the same MAC
// budget, several seeds, on ONE supernet trained once (issue #11 item 8). Every method queries
// the same prepared estimator (SupernetTrainer caches validation accuracy by subnet key, and the
// BudgetedEstimator answers over-budget subnets with 0 % without evaluating them), so the
// methods differ only in which subnets they propose. Needs the build:
//   npx tsc -p tsconfig.node.json && nice -n 10 node bench/ofa-search-compare.cjs
//        [--steps 30] [--seeds 1,2,3] [--max-macs 20] [--train-seed 0] [--out bench/results/ofa-search-compare.json]
// Prints a markdown table and writes the raw numbers as JSON.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const OUT = path.join(__dirname, '..', 'out', 'node');
const strArg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};

async function main() {
  const steps = Number(strArg('--steps', '30'));
  const seeds = strArg('--seeds', '1,2,3').split(',').map(Number);
  const maxMacs = Number(strArg('--max-macs', '20'));
  const trainSeed = Number(strArg('--train-seed', '0'));
  const outFile = strArg('--out', path.join(__dirname, 'results', 'ofa-search-compare.json'));
  const { selectBackend, hostBound, onHost } = require(path.join(OUT, 'node', 'backend'));
  const backend = await selectBackend(strArg('--backend', 'wasm'));
  const { supernetRunConfig } = require(path.join(OUT, 'node', 'run-config'));
  const { createEstimator } = require(path.join(OUT, 'node', 'estimators'));
  const { createStrategy } = require(path.join(OUT, 'core', 'search', 'create-strategy'));
  const { runSearch } = require(path.join(OUT, 'core', 'search', 'run-search'));
  const { resolveReward } = require(path.join(OUT, 'common', 'rewards'));
  const { getSpace } = require(path.join(OUT, 'common', 'spaces'));
  const { Rng } = require(path.join(OUT, 'common', 'rng'));
  const space = getSpace('ofa');
  const base = { space: 'ofa', dataset: { kind: 'mnist-embedded' }, seed: trainSeed, maxMacs, settings: { epochs: 1, steps } };
  const trainConfig = supernetRunConfig({ ...base, method: 'l2nas' });
  const load0 = os.loadavg()[0];
  const t0 = performance.now();
  const prepared = await createEstimator(trainConfig, { dir: null, rng: new Rng(trainSeed), hooks: { onProgress: (l) => process.stderr.write(l + '\n') } });
  const trainSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`supernet trained once in ${trainSeconds.toFixed(0)} s; Acc(Env) ${prepared.accEnv.toFixed(2)} %\n`);
  // Count the queries that reach the supernet (uncached, within budget) by wrapping the estimator.
  const est = prepared.estimator;
  const rows = [];
  for (const method of ['l2nas', 'random', 'rea']) {
    for (const seed of seeds) {
      const config = supernetRunConfig({ ...base, method, seed });
      const reward = resolveReward(config.reward, prepared.accEnv);
      const rng = new Rng(seed);
      const strategy = hostBound(onHost(() => createStrategy(method, space, rng, config)));
      const events = [];
      const q0 = performance.now();
      const s = await runSearch({ space, estimator: est, strategy, steps, reward, onEvent: (e) => events.push(e) });
      const seconds = (performance.now() - q0) / 1000;
      strategy.dispose();
      const best = s.state.best;
      const keys = new Set(events.map((e) => e.key));
      const rejected = events.filter((e) => e.overBudget).length;
      const bestEvent = events.find((e) => e.key === best.key);
      const curve = [];
      let b = -Infinity;
      for (const e of events) curve.push((b = Math.max(b, e.value)));
      rows.push({ method, seed, best: best.value, bestStep: best.step, bestMacs: bestEvent?.macs, distinct: keys.size, rejected, seconds, at10: curve[Math.min(9, curve.length - 1)], at20: curve[Math.min(19, curve.length - 1)], at30: curve[curve.length - 1] });
      process.stderr.write(`${method} seed ${seed}: best ${best.value.toFixed(2)} % at step ${best.step + 1} (${((bestEvent?.macs ?? 0) / 1e6).toFixed(2)} M MACs), ${keys.size} distinct subnets, ${rejected} over budget, ${seconds.toFixed(0)} s\n`);
    }
  }
  // The same supernet's random subnets within the budget (the run's own comparison), 20 of them.
  const finish = await prepared.finish(new Rng(12345));
  prepared.dispose();
  const load1 = os.loadavg()[0];
  const res = { date: new Date().toISOString(), backend: backend.backend, cpus: os.cpus().length, load: [load0, load1], steps, seeds, maxMacs, trainSeed, trainSeconds, accEnv: prepared.accEnv, finish, rows };
  fs.writeFileSync(outFile, JSON.stringify(res, null, 1) + '\n');
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  const sd = (v) => (v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)) : 0);
  console.log(`| method | best after 10 | after 20 | after ${steps} queries (mean ± sd over ${seeds.length} seeds) | per seed | distinct subnets | over budget (rejected) | MACs of the best (M) |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of ['l2nas', 'random', 'rea']) {
    const r = rows.filter((x) => x.method === m);
    const f = (k) => `${mean(r.map((x) => x[k])).toFixed(2)}`;
    console.log(`| ${m} | ${f('at10')} | ${f('at20')} | ${mean(r.map((x) => x.best)).toFixed(2)} ± ${sd(r.map((x) => x.best)).toFixed(2)} | ${r.map((x) => x.best.toFixed(2)).join(', ')} | ${f('distinct')} | ${f('rejected')} | ${r.map((x) => ((x.bestMacs ?? 0) / 1e6).toFixed(2)).join(', ')} |`);
  }
  console.log(`\nsupernet: trained once in ${trainSeconds.toFixed(0)} s, Acc(Env) ${prepared.accEnv.toFixed(2)} %; ${JSON.stringify(finish)}; ${backend.backend}, load ${load0.toFixed(1)} → ${load1.toFixed(1)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
