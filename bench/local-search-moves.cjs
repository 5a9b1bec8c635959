#!/usr/bin/env node
'use strict';
/**
 * First- vs best-improvement local search on the NAS-Bench-201 test columns, in the harness's
 * query counting (every step one query; runSearch + TableEstimator as `l2nas bench` uses them).
 * The CLI runs the default (first); this measures both. Needs `npm run build`.
 *   node bench/local-search-moves.cjs [table.csv] [seeds]
 */
const path = require('node:path');
const out = path.join(__dirname, '..', 'out', 'node');
const { LocalSearch } = require(path.join(out, 'core/baselines/local-search.js'));
const { runSearch } = require(path.join(out, 'core/search/run-search.js'));
const { TableEstimator } = require(path.join(out, 'core/estimators/table-estimator.js'));
const { loadBenchmarkTables } = require(path.join(out, 'node/benchmark-csv.js'));
const { nb201Space } = require(path.join(out, 'common/spaces/nb201.js'));
const { Rng } = require(path.join(out, 'common/rng.js'));

const file = process.argv[2] ?? path.join(__dirname, '..', '..', 'shared/data/nas-bench-201/test-accuracy-200ep.csv');
const seeds = Number(process.argv[3] ?? 10);
const marks = [100, 200, 500, 1000];
const table = loadBenchmarkTables([file], nb201Space);
const median = (v) => { const s = [...v].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
(async () => {
  for (const metric of ['cifar10', 'cifar100', 'imagenet16-120']) {
    for (const move of ['first', 'best']) {
      const at = marks.map(() => []);
      const q = [];
      for (let seed = 0; seed < seeds; seed++) {
        const est = new TableEstimator(nb201Space, table, metric);
        let best = -Infinity, t = 0;
        const { state } = await runSearch({
          space: nb201Space, estimator: est, strategy: new LocalSearch(nb201Space, new Rng(seed), { move }), steps: 1000, reward: { kind: 'eq3' },
          onEvent: (e) => { best = Math.max(best, e.value); t++; const i = marks.indexOf(t); if (i >= 0) at[i].push(best); },
        });
        q.push(state.queriesToOptimum ?? Infinity);
      }
      const cells = at.map((v) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2));
      console.log(JSON.stringify({ metric, move, seeds, marks, mean: cells, medianQueriesToOptimum: median(q), found: q.filter(Number.isFinite).length }));
    }
  }
})();
