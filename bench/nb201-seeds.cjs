#!/usr/bin/env node
'use strict';
/**
 * Per-seed view of `l2nas bench nb201` (issue #14): for each seed, the best-so-far architecture by
 * the search column at each budget — its search value, its report value, and the query at which it
 * was found — for L²NAS (a preset, with --set overrides) and the other methods. Same runner as the
 * bench (runInMemory with a loaded table, same configs as the CLI builds). Needs `npm run build`.
 *   node bench/nb201-seeds.cjs [--metric cifar100-valid-12ep] [--report cifar100] [--seeds 10]
 *     [--steps 100,200,500] [--methods l2nas,local] [--preset nb201-fast] [--set k=v ...] [--json f]
 */
const path = require('node:path');
const fs = require('node:fs');
const out = path.join(__dirname, '..', 'out', 'node');
const { runConfigFromOptions } = require(path.join(out, 'node/run-config.js'));
const { runInMemory } = require(path.join(out, 'node/search-session.js'));
const { loadBenchmarkTables } = require(path.join(out, 'node/benchmark-csv.js'));
const { nb201Space } = require(path.join(out, 'common/spaces/nb201.js'));

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const sets = []; args.forEach((a, i) => { if (a === '--set') sets.push(args[i + 1]); });
const D = path.join(__dirname, '..', '..', 'shared/data/nas-bench-201');
const metric = opt('metric', 'cifar100-valid-12ep');
const report = opt('report', 'cifar100');
const seeds = Number(opt('seeds', 10));
const marks = opt('steps', '100,200,500').split(',').map(Number);
const methods = opt('methods', 'l2nas,local').split(',');
const preset = opt('preset', 'nb201-fast');
const files = metric === report ? [path.join(D, 'test-accuracy-200ep.csv')] : [path.join(D, 'accuracy-12ep.csv'), path.join(D, 'test-accuracy-200ep.csv')];
const table = loadBenchmarkTables(files, nb201Space);
const mi = table.columns.indexOf(metric), ri = table.columns.indexOf(report);
let optS = -Infinity, optR = -Infinity;
for (const row of table.rows.values()) { optS = Math.max(optS, row[mi]); optR = Math.max(optR, row[ri]); }
// Report value of the search column's optimum, and rank of a report value among all architectures.
let optSR = NaN; for (const row of table.rows.values()) if (row[mi] === optS) optSR = Math.max(Number.isNaN(optSR) ? -Infinity : optSR, row[ri]);

(async () => {
  const all = [];
  console.log(`search ${metric} (optimum ${optS.toFixed(2)}, its ${report} ${optSR.toFixed(2)}); report ${report} (optimum ${optR.toFixed(2)}); marks ${marks.join('/')}`);
  for (const method of methods) {
    const rows = [];
    for (let seed = 0; seed < seeds; seed++) {
      const config = runConfigFromOptions({ space: 'nb201', method, preset, benchmark: files, metric, report: [report], seed, set: method === 'l2nas' ? sets : [], steps: Math.max(...marks), backend: 'auto' });
      let bestV = -Infinity, bestR = NaN, bestAt = 0, bestKey = '';
      const at = [];
      const phases = {};
      await runInMemory(config, {
        table,
        onEvent: (e) => {
          if (e.phase) phases[e.phase] = (phases[e.phase] ?? 0) + 1;
          if (e.value > bestV) { bestV = e.value; bestR = table.rows.get(e.key)[ri]; bestAt = e.step + 1; bestKey = e.key; }
          const i = marks.indexOf(e.step + 1);
          if (i >= 0) at[i] = { search: bestV, report: bestR, at: bestAt, key: bestKey };
        },
      });
      rows.push({ method, seed, at });
      console.log(`${method.padEnd(6)} seed ${seed}: ` + at.map((c, i) => `@${marks[i]} ${c.search.toFixed(2)}→${c.report.toFixed(2)} (q${c.at})`).join('  ') + (method === 'l2nas' ? '  ' + JSON.stringify(phases) : ''));
    }
    const mean = marks.map((_, i) => rows.reduce((s, r) => s + r.at[i].report, 0) / rows.length);
    const meanS = marks.map((_, i) => rows.reduce((s, r) => s + r.at[i].search, 0) / rows.length);
    console.log(`${method.padEnd(6)} mean:   ` + marks.map((m, i) => `@${m} ${meanS[i].toFixed(2)}→${mean[i].toFixed(2)}`).join('  '));
    all.push(...rows);
  }
  const j = opt('json'); if (j) fs.writeFileSync(j, JSON.stringify({ metric, report, marks, preset, sets, rows: all }, null, 1));
})();
