#!/usr/bin/env node
/*
 * Supernet-scale policy transfer (issue #12 item 5, second bullet; paper §4.4 at small scale).
 *
 * For one space (--space nb201 | darts): trains the supernet of `l2nas demo --space <space>` (its
 * defaults, common/supernets.ts; seed 0) once on the embedded MNIST (the source) and once on
 * Fashion-MNIST (the target: Debian's dataset-fashion-mnist IDX files, as `--dataset idx --data
 * <images.gz> --data <labels.gz>` reads them), each cached in --cache/<space>-<data>/ (the run
 * folder's supernet checkpoint; a second invocation loads it). Then:
 *
 *   pre      L²NAS transfer-pretrain-short on the MNIST supernet (--pre-queries, W = a quarter of
 *            them), Eq. 7 with Acc(Env) = that supernet's best validation accuracy while training;
 *            one per --pre-seeds entry. Its policy (actor, critic, Adam states) is encoded as a
 *            policy file and decoded again, as `search --policy` reads it.
 *   ft       transfer-finetune-short on the Fashion-MNIST supernet, started from that policy
 *            (checkPolicyFits, loadPolicy: what `search --estimator supernet --policy` does)
 *   scratch  the same preset, seeds and reward without the policy
 *   rea, random  at the same number of target queries (REA: the supernet runs' defaults)
 *
 * Every query of a supernet is cached by architecture key (queries.json beside its checkpoint):
 * a query is deterministic (fixed validation images, batch statistics), so methods and seeds
 * that meet the same architecture pay once, and reruns reuse the cache. A correlation sample
 * (--corr random architectures, seeded, plus the pre-training's top 10) is queried on both
 * supernets: Spearman ρ between the MNIST and Fashion-MNIST answers.
 *
 *   npm run build
 *   nice -n 10 node bench/transfer-supernet.cjs --space nb201 --queries 60 --marks 30,60 --seeds 5 \
 *     --pre-queries 120 --out /tmp/transfer-sn-nb201.json
 *   node bench/transfer-supernet.cjs --report /tmp/transfer-sn-nb201.json     # Markdown tables
 *   (--train-only: train / load the two supernets and stop; --correlate-only: recompute the
 *   random-sample correlation from the query caches into the existing --out file)
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
const FASHION = opt('fashion', '/usr/share/datasets/fashion-mnist');
const DATASETS = {
  mnist: { kind: 'mnist-embedded' },
  fmnist: { kind: 'idx', images: path.join(FASHION, 'train-images-idx3-ubyte.gz'), labels: path.join(FASHION, 'train-labels-idx1-ubyte.gz') },
};

// ---------------------------------------------------------------------------------------------
// Statistics (also used by --report)
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Average ranks (ties share the mean rank), 1 = smallest. */
function ranks(v) {
  const idx = v.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]);
  const r = new Array(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}
function pearson(x, y) {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : NaN;
}
const spearman = (x, y) => pearson(ranks(x), ranks(y));

// ---------------------------------------------------------------------------------------------
async function main() {
  const SPACE = opt('space', 'nb201');
  const QUERIES = Number(opt('queries', '60'));
  const MARKS = opt('marks', '30,60').split(',').map(Number).filter((m) => m <= QUERIES);
  const SEEDS = Number(opt('seeds', '5'));
  const PRE_QUERIES = Number(opt('pre-queries', '120'));
  const PRE_SEEDS = opt('pre-seeds', '0').split(',').map(Number);
  const METHODS = opt('methods', 'ft,scratch,rea,random').split(',');
  const CORR = Number(opt('corr', '40'));
  const CACHE = opt('cache', path.join(os.tmpdir(), 'l2nas-transfer-sn'));
  const outFile = opt('out', path.join(os.tmpdir(), `transfer-sn-${SPACE}.json`));

  const { selectBackend } = require(path.join(OUT, 'node', 'backend.js'));
  const { supernetRunConfig } = require(path.join(OUT, 'node', 'run-config.js'));
  const { createEstimator } = require(path.join(OUT, 'node', 'estimators.js'));
  const { encodePolicy, decodePolicy, policyOf, checkPolicyFits } = require(path.join(OUT, 'node', 'policy-file.js'));
  const { Rng } = require(path.join(OUT, 'common', 'rng.js'));
  const { getSpace } = require(path.join(OUT, 'common', 'spaces', 'index.js'));
  const { resolveAgentConfig } = require(path.join(OUT, 'common', 'presets.js'));
  const { resolveReward } = require(path.join(OUT, 'common', 'rewards.js'));
  const { createStrategy } = require(path.join(OUT, 'core', 'search', 'create-strategy.js'));
  const { runSearch } = require(path.join(OUT, 'core', 'search', 'run-search.js'));

  const backend = await selectBackend('auto');
  const space = getSpace(SPACE);
  const log = (s) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

  /** A run config of this bench: the supernet's defaults on `data`, the given method and agent. */
  const configOf = (data, method, seed, preset, overrides = {}) =>
    supernetRunConfig({ space: SPACE, dataset: DATASETS[data], method, seed, settings: {}, ...(preset ? { agent: { preset, config: resolveAgentConfig(preset, overrides) } } : {}) });

  /** Trains (or loads) the supernet on `data` with seed 0, wrapped in a query cache. */
  async function supernet(data) {
    const dir = path.join(CACHE, `${SPACE}-${data}`);
    fs.mkdirSync(dir, { recursive: true });
    const config = configOf(data, 'l2nas', 0);
    const t0 = Date.now();
    const prepared = await createEstimator(config, { dir, rng: new Rng(config.seed), hooks: { onProgress: (l) => log(`[${SPACE}/${data}] ${l}`) } });
    const wall = (Date.now() - t0) / 1000;
    const cacheFile = path.join(dir, 'queries.json');
    const cache = new Map(fs.existsSync(cacheFile) ? Object.entries(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))) : []);
    const base = prepared.estimator;
    const sn = {
      data,
      config,
      accEnv: prepared.accEnv,
      trainSeconds: prepared.seconds,
      loadSeconds: wall,
      evaluated: 0,
      evalSeconds: 0,
      cached: (k) => cache.get(k),
      save: () => fs.writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(cache))),
      estimator: {
        kind: base.kind,
        metric: base.metric,
        reportColumns: base.reportColumns,
        query(a) {
          const k = space.key(a);
          let v = cache.get(k);
          if (v === undefined) {
            const t = performance.now();
            v = base.query(a);
            sn.evalSeconds += (performance.now() - t) / 1000;
            sn.evaluated++;
            cache.set(k, v);
            if (sn.evaluated % 10 === 0) sn.save();
          }
          return v;
        },
        report: (a) => base.report(a),
      },
      dispose: () => prepared.dispose(),
    };
    log(`[${SPACE}/${data}] supernet ready: Acc(Env) ${sn.accEnv.toFixed(2)} %, trained in ${sn.trainSeconds.toFixed(0)} s (${wall.toFixed(0)} s to train or load here), ${cache.size} cached queries`);
    return sn;
  }

  const src = await supernet('mnist');
  const dst = await supernet('fmnist');
  const out = {
    date: new Date().toISOString(), host: os.hostname(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(), node: process.version, backend: backend.backend,
    space: SPACE, queries: QUERIES, marks: MARKS, seeds: SEEDS, preQueries: PRE_QUERIES, preSeeds: PRE_SEEDS, loadStart: os.loadavg(),
    supernets: {}, pretrain: [], runs: [], correlation: null,
  };
  const describe = (sn) => ({ estimator: sn.config.estimator, accEnv: sn.accEnv, trainSeconds: sn.trainSeconds });
  out.supernets = { mnist: describe(src), fmnist: describe(dst) };
  const save = () => {
    out.loadEnd = os.loadavg();
    for (const sn of [src, dst]) Object.assign(out.supernets[sn.data], { evaluated: sn.evaluated, evalSecondsEach: sn.evaluated ? sn.evalSeconds / sn.evaluated : null });
    fs.writeFileSync(outFile, JSON.stringify(out, null, 1));
    src.save();
    dst.save();
  };
  if (argv.includes('--train-only')) {
    save();
    return;
  }
  // --correlate-only: recompute the random-sample correlation (from the query caches) into an existing --out file.
  if (argv.includes('--correlate-only')) {
    const prev = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    prev.correlation = { ...prev.correlation, random: correlateRandom() };
    // Files written before runs recorded their values: the values from the (deterministic) query cache.
    for (const r of prev.runs) r.values ??= r.keys.map((k) => dst.cached(k));
    fs.writeFileSync(outFile, JSON.stringify(prev, null, 1));
    src.save();
    dst.save();
    log(`correlation on ${prev.correlation.random.n} random architectures: Spearman ${prev.correlation.random.spearman.toFixed(3)}; without degenerate ones (${prev.correlation.random.working.n}): ${prev.correlation.random.working.spearman.toFixed(3)}`);
    return;
  }

  /** One search on a supernet, as search-session.ts's build() makes it: config → strategy → (policy) → runSearch. */
  async function search(sn, config, policyFile) {
    const rng = new Rng(config.seed);
    const strategy = createStrategy(config.method, space, rng, config);
    if (policyFile) {
      checkPolicyFits(policyFile, config, 'pre-trained policy');
      strategy.loadPolicy(policyFile);
    }
    const reward = resolveReward(config.reward, sn.accEnv);
    const events = [];
    const t0 = Date.now();
    await runSearch({ space, estimator: sn.estimator, strategy, steps: config.steps, reward, onEvent: (e) => events.push(e) });
    const policy = config.method === 'l2nas' ? strategy.policy() : null;
    strategy.dispose();
    return { events, policy, reward, seconds: (Date.now() - t0) / 1000 };
  }
  const bestAt = (events, m) => Math.max(...events.slice(0, m).map((e) => e.value));

  // Pre-training on the MNIST supernet; the policy goes through the policy file format.
  const policies = new Map();
  const preTop = new Map();
  for (const ps of PRE_SEEDS) {
    if (!METHODS.includes('ft')) break;
    const config = { ...configOf('mnist', 'l2nas', ps, 'transfer-pretrain-short', { warmupSteps: Math.max(1, Math.floor(PRE_QUERIES / 4)) }), steps: PRE_QUERIES };
    const r = await search(src, config, null);
    const file = decodePolicy(encodePolicy(policyOf(config, r.policy, PRE_QUERIES, r.reward.accEnv)), 'pre-trained policy');
    policies.set(ps, file);
    const top = [...new Map(r.events.map((e) => [e.key, e])).values()].sort((a, b) => b.value - a.value).slice(0, 10);
    preTop.set(ps, top);
    const best = top[0];
    out.pretrain.push({ seed: ps, queries: PRE_QUERIES, warmup: config.agent.warmupSteps, best: { arch: best.arch, key: best.key, value: best.value, step: best.step }, seconds: r.seconds, reward: r.reward, curve: MARKS.concat([PRE_QUERIES]).filter((m) => m <= PRE_QUERIES).map((m) => [m, bestAt(r.events, m)]) });
    log(`pre-trained (seed ${ps}) ${PRE_QUERIES} queries on MNIST: best ${best.value.toFixed(2)} % ${best.arch} (${r.seconds.toFixed(0)} s; ${src.evaluated} MNIST queries evaluated so far)`);
    save();
  }

  // The target runs, seed by seed (a run stopped early has every method for its first seeds).
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const method of METHODS) {
      for (const ps of method === 'ft' ? PRE_SEEDS : [null]) {
        const config =
          method === 'ft' || method === 'scratch' ? configOf('fmnist', 'l2nas', seed, 'transfer-finetune-short')
          : configOf('fmnist', method, seed, undefined);
        const r = await search(dst, { ...config, steps: QUERIES }, method === 'ft' ? policies.get(ps) : null);
        const at = Object.fromEntries(MARKS.map((m) => [m, bestAt(r.events, m)]));
        const best = r.events.reduce((a, e) => (e.value > a.value ? e : a));
        out.runs.push({ method, preSeed: ps, seed, at, best: { key: best.key, arch: best.arch, value: best.value, step: best.step }, distinct: new Set(r.events.map((e) => e.key)).size, keys: r.events.map((e) => e.key), values: r.events.map((e) => e.value), seconds: r.seconds });
        log(`${method}${ps === null ? '' : ` (pre ${ps})`} s${seed}: ${MARKS.map((m) => `${m}:${at[m].toFixed(2)}`).join(' ')} (${r.seconds.toFixed(0)} s; ${dst.evaluated} Fashion-MNIST queries evaluated so far, ${(dst.evalSeconds / Math.max(1, dst.evaluated)).toFixed(2)} s each)`);
        save();
      }
    }
  }

  // Correlation of the two supernets: a seeded random sample plus each pre-training's top 10, queried on both.
  function correlateRandom() {
    const rng = new Rng(4242);
    const sample = new Map();
    for (let i = 0; i < CORR * 3 && sample.size < CORR; i++) {
      const a = space.sample(rng);
      sample.set(space.key(a), a);
    }
    const rand = [...sample].map(([k, a]) => [src.estimator.query(a), dst.estimator.query(a), k]);
    const stats = (ps) => ({ n: ps.length, spearman: spearman(ps.map((p) => p[0]), ps.map((p) => p[1])), pearson: pearson(ps.map((p) => p[0]), ps.map((p) => p[1])) });
    // Degenerate architectures (e.g. a cell cut off by none: near chance, 10 classes) make a correlation look high; without them:
    const working = rand.filter((p) => p[0] > DEGENERATE && p[1] > DEGENERATE);
    return {
      ...stats(rand),
      working: stats(working),
      mnist: [Math.min(...rand.map((p) => p[0])), median(rand.map((p) => p[0])), Math.max(...rand.map((p) => p[0]))],
      fmnist: [Math.min(...rand.map((p) => p[1])), median(rand.map((p) => p[1])), Math.max(...rand.map((p) => p[1]))],
      pairs: rand,
    };
  }
  if (CORR > 0) {
    const corr = { random: correlateRandom() };
    const rand = corr.random.pairs;
    const randF = rand.map((p) => p[1]).sort((a, b) => b - a);
    corr.sourceTop = [];
    for (const [ps, top] of preTop) {
      const vals = top.map((e) => ({ key: e.key, mnist: e.value, fmnist: dst.estimator.query(space.parse(e.arch)) }));
      // Where the MNIST optimum of this pre-training lands among the random sample's Fashion-MNIST answers.
      const b = vals[0].fmnist;
      corr.sourceTop.push({ preSeed: ps, top: vals, bestOnTarget: b, beatsRandom: randF.filter((x) => x < b).length / randF.length, top10MeanOnTarget: mean(vals.map((v) => v.fmnist)) });
    }
    // Every architecture queried on both supernets (the sample, the source tops, and any overlap of the runs).
    out.correlation = corr;
    log(`correlation on ${rand.length} random architectures: Spearman ${corr.random.spearman.toFixed(3)}, Pearson ${corr.random.pearson.toFixed(3)}`);
  }
  out.bestKnownTarget = Math.max(...out.runs.map((r) => r.best.value));
  save();
  src.dispose();
  dst.dispose();
  log(`wrote ${outFile}`);
}

// ---------------------------------------------------------------------------------------------
/** At most this accuracy (%) on either supernet: a degenerate architecture (chance is 10 %), left out of the "working" correlation. */
const DEGENERATE = 15;
const NAMES = { ft: 'L²NAS fine-tuned (policy from MNIST)', scratch: 'L²NAS from scratch (same preset)', rea: 'REA (population 10, sample 3)', random: 'random search' };
function report(file) {
  const d = JSON.parse(fs.readFileSync(file, 'utf8'));
  const L = [];
  const sn = d.supernets;
  const e = sn.mnist.estimator;
  L.push(`${d.space} supernet (C = ${e.C}, N = ${e.N}, ${e.epochs} epochs over ${e.trainImages} images, batch ${e.batchSize}, lr ${e.lrMax}; a query = ${e.evalBatches} × ${e.evalBatchSize} fixed validation images): MNIST Acc(Env) ${sn.mnist.accEnv.toFixed(2)} % (trained in ${sn.mnist.trainSeconds.toFixed(0)} s), Fashion-MNIST Acc(Env) ${sn.fmnist.accEnv.toFixed(2)} % (${sn.fmnist.trainSeconds.toFixed(0)} s). Distinct architectures evaluated in this invocation: ${sn.mnist.evaluated} on MNIST, ${sn.fmnist.evaluated} on Fashion-MNIST${sn.fmnist.evalSecondsEach ? ` (${sn.fmnist.evalSecondsEach.toFixed(2)} s each)` : ''}. Load average ${d.loadStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${d.loadEnd.map((x) => x.toFixed(1)).join(' ')} at the end.`, '');
  for (const p of d.pretrain) L.push(`- Pre-training seed ${p.seed}: ${p.queries} MNIST queries (W = ${p.warmup}), best ${p.best.value.toFixed(2)} % at query ${p.best.step + 1} (\`${p.best.arch}\`), ${p.seconds.toFixed(0)} s, reward Eq. 7 with Acc(Env) ${p.reward.accEnv.toFixed(2)} %.`);
  L.push('');
  const bestKnown = d.bestKnownTarget;
  L.push(`Best Fashion-MNIST validation accuracy (%) found after q target queries, mean ± std over seeds; "queries to the best known": the first query reaching ${bestKnown.toFixed(2)} % (the best any run found), median over runs (unreached: more than the budget), and in how many runs.`, '');
  const W = 10; // transfer-finetune-short's random warm-up
  L.push(`| method | ${d.marks.map((m) => `${m} queries`).join(' | ')} | mean of queries ${W + 1}–${d.queries} | distinct archs / run | queries to the best known |`);
  L.push(`|---|${d.marks.map(() => '---|').join('')}---|---|---|`);
  const methods = [...new Set(d.runs.map((r) => r.method))];
  for (const m of methods) {
    const rs = d.runs.filter((r) => r.method === m);
    const reach = rs.map((r) => (r.best.value >= bestKnown - 1e-9 ? r.best.step + 1 : Infinity));
    const got = reach.filter((x) => x !== Infinity).length;
    const med = median(reach);
    const nPre = new Set(rs.map((r) => r.preSeed)).size;
    const pre = m === 'ft' && nPre > 1 ? `, ${nPre} pre-trainings × ${d.seeds} seeds` : '';
    L.push(`| ${NAMES[m] ?? m} (${rs.length} runs${pre}) | ${d.marks.map((k) => `${mean(rs.map((r) => r.at[k])).toFixed(2)} ± ${std(rs.map((r) => r.at[k])).toFixed(2)}`).join(' | ')} | ${rs[0].values ? `${mean(rs.map((r) => mean(r.values.slice(W)))).toFixed(2)} ± ${std(rs.map((r) => mean(r.values.slice(W)))).toFixed(2)}` : '–'} | ${mean(rs.map((r) => r.distinct)).toFixed(1)} | ${med === Infinity ? `> ${d.queries}` : med} (${got}/${rs.length}) |`);
  }
  if (methods.includes('ft') && methods.includes('scratch')) {
    const cells = d.marks.map((k) => {
      let w = 0, t = 0, l = 0;
      for (const a of d.runs.filter((r) => r.method === 'ft')) {
        const b = d.runs.find((r) => r.method === 'scratch' && r.seed === a.seed);
        const x = a.at[k] - b.at[k];
        if (Math.abs(x) < 1e-9) t++;
        else if (x > 0) w++;
        else l++;
      }
      return `${k}: ${w}/${t}/${l}`;
    });
    L.push('', `Fine-tuned vs from scratch, same fine-tuning seed (wins/ties/losses): ${cells.join('; ')}.`);
  }
  const c = d.correlation;
  if (c) {
    const w = c.random.working;
    L.push('', `Correlation of the two supernets on ${c.random.n} seeded random architectures queried on both: Spearman ρ = ${c.random.spearman.toFixed(3)}, Pearson r = ${c.random.pearson.toFixed(3)}${w ? `; without the degenerate ones (at most ${DEGENERATE} % on either, chance being 10 %: ${c.random.n - w.n} of ${c.random.n}) ρ = ${w.spearman.toFixed(3)}, r = ${w.pearson.toFixed(3)}` : ''}. Their MNIST answers span ${c.random.mnist.map((x) => x.toFixed(2)).join(' / ')} % (min / median / max), Fashion-MNIST ${c.random.fmnist.map((x) => x.toFixed(2)).join(' / ')} %.`);
    for (const s of c.sourceTop) L.push(`- Pre-training seed ${s.preSeed}: its MNIST best scores ${s.bestOnTarget.toFixed(2)} % on Fashion-MNIST (above ${(100 * s.beatsRandom).toFixed(0)} % of the random sample; best known ${bestKnown.toFixed(2)} %); its MNIST top 10 average ${s.top10MeanOnTarget.toFixed(2)} % there.`);
  }
  console.log(L.join('\n'));
}

if (argv.includes('--report')) report(opt('report'));
else
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });

