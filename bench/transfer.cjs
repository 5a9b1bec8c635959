#!/usr/bin/env node
// Table-scale policy transfer on NAS-Bench-201 (issue #12 item 5, paper §4.4 at table scale).
// Pre-trains one L²NAS policy on a source column (transfer-pretrain-short, Eq. 7, Acc(Env) = the
// column's maximum), then, for every target column and seed, runs
//   ft      transfer-finetune-short started from that policy (search --policy)
//   scratch transfer-finetune-short from random weights (same settings, no policy)
//   tuned   nb201-tuned from random weights (the project's best NAS-Bench-201 preset, Eq. 3)
//   rea, random  at the same number of target queries
// and reads the best-so-far at each budget off events.jsonl. Every run is an ordinary run folder
// made and run in this process exactly as `l2nas search [--policy]` does (runFolder), with the
// table read once. Needs the build (npm run build). Example:
//   nice -n 10 node bench/transfer.cjs --seeds 10 --steps 500 --out /tmp/transfer.json
// (--pre-seeds 0,1,2: one pre-training per seed, every fine-tuning seed from each of them)
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const OUT = path.join(__dirname, '..', 'out', 'node');
const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const DATA = path.resolve(__dirname, '..', '..', 'shared', 'data', 'nas-bench-201');
const TEST = path.join(DATA, 'test-accuracy-200ep.csv');
const E12 = path.join(DATA, 'accuracy-12ep.csv');
const seeds = Number(arg('--seeds', 10));
const steps = Number(arg('--steps', 500));
const preSteps = Number(arg('--pre-steps', 1000));
const marks = arg('--marks', '100,200,500').split(',').map(Number);
const outFile = arg('--out', path.join(os.tmpdir(), 'transfer.json'));
const methods = arg('--methods', 'ft,scratch,tuned,rea,random').split(',');
const protocols = arg('--protocols', 'test,valid12').split(',');
const targets = arg('--targets', '').split(',').filter(Boolean);
// Pre-training seeds: one policy per seed, and every fine-tuning seed starts from each (the spread over pre-trainings).
const preSeeds = arg('--pre-seeds', '0').split(',').map(Number);

/** Each protocol: the files joined, the pre-training column, then targets (search column, reported column). */
const PROTOCOLS = {
  test: { files: [TEST], source: 'cifar10', targets: [['cifar100', 'cifar100'], ['imagenet16-120', 'imagenet16-120']] },
  valid12: { files: [E12, TEST], source: 'cifar10-valid-12ep', targets: [['cifar100-valid-12ep', 'cifar100']] },
};

async function main() {
  const { selectBackend } = require(path.join(OUT, 'node', 'backend'));
  await selectBackend('auto');
  const { loadBenchmarkTables } = require(path.join(OUT, 'node', 'benchmark-csv'));
  const { getSpace } = require(path.join(OUT, 'common', 'spaces'));
  const { runConfigFromOptions, settleTableReward } = require(path.join(OUT, 'node', 'run-config'));
  const { createRunFolder, readRunEvents } = require(path.join(OUT, 'node', 'run-folder'));
  const { runFolder } = require(path.join(OUT, 'node', 'search-session'));
  const { withPolicy, writeStartPolicy } = require(path.join(OUT, 'node', 'policy-file'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'l2nas-transfer-'));
  const out = { date: new Date().toISOString(), host: os.hostname(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, seeds, steps, preSteps, marks, runs: [], pretrain: [] };
  const save = () => fs.writeFileSync(outFile, JSON.stringify(out, null, 1));

  async function run(table, o, policy) {
    let config = settleTableReward(runConfigFromOptions({ space: 'nb201', benchmark: o.files, set: [], backend: 'auto', method: o.method, preset: o.preset, metric: o.metric, steps: o.steps, seed: o.seed, report: o.report === o.metric ? [] : [o.report] }), table);
    let bytes;
    if (policy) ({ config, bytes } = withPolicy(config, policy));
    const dir = path.join(root, `${o.name}`);
    createRunFolder(dir, config);
    if (bytes) writeStartPolicy(dir, bytes);
    const t0 = Date.now();
    const r = await runFolder(dir, { resume: false, checkpointEvery: 1_000_000, table });
    const ev = readRunEvents(dir);
    // Best-so-far by the search column at each budget, and the reported column of that architecture.
    const at = {};
    for (const m of marks) {
      let best = null;
      for (const e of ev.slice(0, m)) if (!best || e.value > best.value) best = e;
      at[m] = best ? { value: best.value, report: table.rows.get(best.key)[table.columns.indexOf(o.report)] } : null;
    }
    // Queries to quality: the first query whose search-column value is in the column's top 1% / 0.1% (null: not within the run).
    const col = table.columns.indexOf(o.metric);
    const sorted = [...table.rows.values()].map((row) => row[col]).sort((x, y) => y - x);
    const reach = {};
    for (const [name, q] of [['top1', 0.01], ['top01', 0.001]]) {
      const thr = sorted[Math.floor(sorted.length * q) - 1];
      const i = ev.findIndex((e) => e.value >= thr);
      reach[name] = i < 0 ? null : i + 1;
    }
    return { dir, seconds: (Date.now() - t0) / 1000, at, reach, best: r.result.best, reward: r.result.reward };
  }

  for (const pname of protocols) {
    const P = PROTOCOLS[pname];
    const table = loadBenchmarkTables(P.files, getSpace('nb201'));
    // Without fine-tuned runs (e.g. longer baselines only) nothing needs a pre-trained policy.
    const pres = new Map();
    for (const ps of methods.includes('ft') ? preSeeds : []) {
      const pre = await run(table, { name: `${pname}-pre-s${ps}`, files: P.files, method: 'l2nas', preset: 'transfer-pretrain-short', metric: P.source, report: P.source, steps: preSteps, seed: ps });
      pres.set(ps, pre);
      out.pretrain.push({ protocol: pname, source: P.source, seed: ps, best: pre.best, seconds: pre.seconds, reward: pre.reward });
      console.log(`[${pname}] pre-trained on ${P.source} (seed ${ps}): best ${pre.best.value} in ${pre.seconds.toFixed(0)} s`);
      save();
    }
    for (const [metric, report] of P.targets.filter(([m]) => !targets.length || targets.includes(m))) {
      for (const method of methods) {
        for (const ps of method === 'ft' ? preSeeds : [null]) for (let seed = 0; seed < seeds; seed++) {
          const base = { name: `${pname}-${metric}-${method}${ps === null ? '' : `-p${ps}`}-s${seed}`, files: P.files, metric, report, steps, seed };
          const o =
            method === 'ft' || method === 'scratch' ? { ...base, method: 'l2nas', preset: 'transfer-finetune-short' }
            : method === 'tuned' ? { ...base, method: 'l2nas', preset: 'nb201-tuned' }
            : { ...base, method, preset: 'nb201' };
          const r = await run(table, o, method === 'ft' ? pres.get(ps).dir : undefined);
          out.runs.push({ protocol: pname, metric, report, method, ...(ps === null ? {} : { preSeed: ps }), seed, at: r.at, reach: r.reach, seconds: r.seconds });
          console.log(`[${pname}] ${metric} ${method}${ps === null ? '' : ` p${ps}`} s${seed}: ${marks.map((m) => `${m}:${r.at[m]?.report.toFixed(2)}`).join(' ')} (${r.seconds.toFixed(1)} s)`);
          save();
        }
      }
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`wrote ${outFile}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
