#!/usr/bin/env node
/*
 * Issue #12 item 4: does an L²NAS preset learn on the DARTS supernet, where the paper's (actor
 * lr 1e-8) cannot? Trains the small DARTS supernet of `l2nas demo --space darts` once (its
 * defaults, common/supernets.ts; seed 0; cached in --cache), then runs every method and agent
 * variant on that one supernet for the same number of queries and seeds. Queries are cached by
 * architecture (evaluation on the fixed validation images is deterministic), so methods that
 * meet the same architecture pay once.
 *
 *   npx tsc -p tsconfig.node.json && node bench/darts-agents.cjs [--queries 60] [--seeds 3] [--cache /tmp/l2nas-darts-sn] [--all]
 *
 * (--all adds local search and a warm-up variant.)
 *
 * Prints a Markdown table: mean ± std over seeds of the best validation accuracy found after
 * 20, 40, … queries, per method / variant.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const OUT = path.join(__dirname, '..', 'out', 'node');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const QUERIES = Number(opt('queries', '60'));
const SEEDS = Number(opt('seeds', '3'));
const CACHE = opt('cache', path.join(os.tmpdir(), 'l2nas-darts-sn'));

const { selectBackend } = require(path.join(OUT, 'node', 'backend.js'));
const { supernetRunConfig } = require(path.join(OUT, 'node', 'run-config.js'));
const { createEstimator } = require(path.join(OUT, 'node', 'estimators.js'));
const { Rng } = require(path.join(OUT, 'common', 'rng.js'));
const { getSpace } = require(path.join(OUT, 'common', 'spaces', 'index.js'));
const { resolveAgentConfig } = require(path.join(OUT, 'common', 'presets.js'));
const { SUPERNET_SPECS } = require(path.join(OUT, 'common', 'supernets.js'));
const { createStrategy } = require(path.join(OUT, 'core', 'search', 'create-strategy.js'));
const { runSearch } = require(path.join(OUT, 'core', 'search', 'run-search.js'));
const { REA_DEFAULTS } = require(path.join(OUT, 'core', 'baselines', 'regularized-evolution.js'));
const { REINFORCE_DEFAULTS } = require(path.join(OUT, 'core', 'baselines', 'reinforce.js'));

/** The agents compared: what `l2nas demo --space darts` uses today, the paper's lr, and tuned variants. */
function variants() {
  const asUsed = SUPERNET_SPECS.darts.searchAgent(QUERIES).agent; // darts preset, W = steps/4, K = 16, top-K dedupe
  // darts-tuned at this run's length: ε decays over the first half of the queries.
  const tuned = resolveAgentConfig('darts-tuned', { epsilonDecaySteps: Math.round(QUERIES / 2) });
  const warm = { ...tuned, warmupSteps: Math.floor(QUERIES / 4), epsilonStart: 0, epsilonEnd: 0, epsilonDecaySteps: 0 };
  return [
    { name: 'random', method: 'random' },
    { name: 'REA (population 10, sample 3)', method: 'rea' },
    ...(argv.includes('--all') ? [{ name: 'local search', method: 'local' }] : []),
    { name: 'L²NAS `darts` as `demo --space darts` runs it (actor lr 1e-8)', method: 'l2nas', agent: asUsed },
    ...(argv.includes('--all') ? [{ name: 'L²NAS `darts-tuned` with a warm-up W = Q/4 instead of ε', method: 'l2nas', agent: warm }] : []),
    { name: 'L²NAS `darts-tuned` (lr 1e-3, ε 1→0.05 by Q/2)', method: 'l2nas', agent: tuned },
    { name: 'L²NAS `darts-tuned` + critic screen 1', method: 'l2nas', agent: { ...tuned, screen: 1 } },
  ];
}

async function main() {
  const backend = await selectBackend('auto');
  fs.mkdirSync(CACHE, { recursive: true });
  const config = supernetRunConfig({ space: 'darts', dataset: { kind: 'mnist-embedded' }, method: 'l2nas', seed: 0, settings: {} });
  const t0 = Date.now();
  const prepared = await createEstimator(config, { dir: CACHE, rng: new Rng(config.seed), hooks: { onProgress: (l) => process.stderr.write(`${l}\n`) } });
  const trainSeconds = (Date.now() - t0) / 1000;
  const space = getSpace('darts');
  const base = prepared.estimator;
  // Accuracies by architecture key, kept across invocations beside the trained supernet (same supernet: same answers).
  const cacheFile = path.join(CACHE, 'queries.json');
  const cache = new Map(fs.existsSync(cacheFile) ? Object.entries(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))) : []);
  const saveCache = () => fs.writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(cache)));
  let evaluated = 0;
  let evalSeconds = 0;
  const estimator = {
    kind: base.kind,
    metric: base.metric,
    reportColumns: base.reportColumns,
    query(a) {
      const k = space.key(a);
      let v = cache.get(k);
      if (v === undefined) {
        const t = performance.now();
        v = base.query(a);
        evalSeconds += (performance.now() - t) / 1000;
        evaluated++;
        cache.set(k, v);
        if (evaluated % 10 === 0) saveCache();
      }
      return v;
    },
    report: (a) => base.report(a),
  };
  const checkpoints = [];
  for (let q = 20; q <= QUERIES; q += 20) checkpoints.push(q);
  if (checkpoints.at(-1) !== QUERIES) checkpoints.push(QUERIES);
  const rows = [];
  for (const v of variants()) {
    const finals = checkpoints.map(() => []);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Rng(1000 + seed);
      const agent = v.agent ?? resolveAgentConfig('darts');
      const strategy = createStrategy(v.method, space, rng, { agent, rea: REA_DEFAULTS, reinforce: REINFORCE_DEFAULTS });
      const best = [];
      let b = -Infinity;
      await runSearch({ space, estimator, strategy, steps: QUERIES, reward: { kind: 'eq3' }, onEvent: (e) => best.push((b = Math.max(b, e.value))) });
      strategy.dispose();
      saveCache();
      checkpoints.forEach((q, i) => finals[i].push(best[q - 1]));
      process.stderr.write(`${v.name} seed ${seed}: best ${b.toFixed(2)} (${evaluated} architectures evaluated so far, ${(evalSeconds / Math.max(1, evaluated)).toFixed(2)} s each)\n`);
    }
    rows.push({ name: v.name, finals });
  }
  const ms = (xs) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
    return `${m.toFixed(2)} ± ${sd.toFixed(2)}`;
  };
  const cpus = os.cpus();
  console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length}× ${cpus[0].model.trim()}, Node ${process.version}, TF.js ${backend.backend}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
  console.log(`DARTS supernet C = ${config.estimator.C}, ${config.estimator.N} cells, ${config.estimator.epochs} epochs over ${config.estimator.trainImages} embedded-MNIST digits (seed 0; ${trainSeconds.toFixed(0)} s to train or load; Acc(Env) ${prepared.accEnv.toFixed(2)} %); ${SEEDS} search seeds, ${QUERIES} queries each; ${evaluated} distinct architectures evaluated, ${(evalSeconds / Math.max(1, evaluated)).toFixed(2)} s each. Best validation accuracy (%) found after q queries, mean ± std over seeds:\n`);
  console.log(`| method | ${checkpoints.map((q) => `q = ${q}`).join(' | ')} |`);
  console.log(`|---|${checkpoints.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.name} | ${r.finals.map(ms).join(' | ')} |`);
  prepared.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
