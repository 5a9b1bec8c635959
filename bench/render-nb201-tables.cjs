#!/usr/bin/env node
'use strict';
/**
 * Turns the rows `l2nas bench --json` wrote (bench/results/nb201-200ep.json, nb201-12ep.json)
 * into the Markdown tables of bench/results/nb201.md, next to the paper's numbers
 * (../shared/docs/REFERENCE.md) and the issue's 100-seed reference measurements.
 *   node bench/render-nb201-tables.cjs > /tmp/tables.md
 */
const fs = require('node:fs');
const path = require('node:path');
const dir = path.join(__dirname, 'results');
const load = (f) => (fs.existsSync(path.join(dir, f)) ? JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) : []);

const PAPER = {
  'L²NAS (paper) 500': { cifar10: '94.11 ± 0.16', cifar100: '72.69 ± 0.58', 'imagenet16-120': '46.74 ± 0.39' },
  'L²NAS (paper) 1000': { cifar10: '94.28 ± 0.08', cifar100: '73.09 ± 0.35', 'imagenet16-120': '47.03 ± 0.27' },
  'true optimum': { cifar10: '94.37', cifar100: '73.51', 'imagenet16-120': '47.31' },
};
const ISSUE_REF = {
  // 100 seeds, measured before the project started (issue #2): random / REA at 500 and 1000 queries.
  random: { 500: [94.12, 72.62, 46.42], 1000: [94.19, 72.88, 46.64] },
  rea: { 500: [94.37, 73.46, 47.11], 1000: [94.37, 73.51, 47.24] },
};
const name = (r) => (r.preset === '-' ? r.method : `${r.method} (${r.preset})`);
const fmt = (r) => (r ? `${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}` : '');
const q = (r) => (r ? (r.medianQueriesToOptimum === null ? `>${r.steps} (${r.optimumFound}/${r.seeds})` : `${r.medianQueriesToOptimum} (${r.optimumFound}/${r.seeds})`) : '');

function table(rows, reports, marks) {
  const methods = [...new Set(rows.map(name))];
  const out = [];
  const head = ['method', ...marks.flatMap((m) => reports.map((c) => `${c} @${m}`))];
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const m of methods) {
    const cells = marks.flatMap((mark) => reports.map((c) => fmt(rows.find((r) => name(r) === m && r.report === c && r.steps === mark))));
    out.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

function qtable(rows, reports, mark) {
  const methods = [...new Set(rows.map(name))];
  const out = [`| method | ${reports.map((c) => `${c}: median queries to optimum (found/seeds) @${mark}`).join(' | ')} | s / 1000 steps |`, `|---|${reports.map(() => '---').join('|')}|---|`];
  for (const m of methods) {
    const rs = reports.map((c) => rows.find((r) => name(r) === m && r.report === c && r.steps === mark));
    out.push(`| ${m} | ${rs.map(q).join(' | ')} | ${rs[0] ? rs[0].secondsPer1000Steps.toFixed(2) : ''} |`);
  }
  return out.join('\n');
}

const a = load('nb201-200ep.json');
const b = load('nb201-12ep.json');
const r200 = ['cifar10', 'cifar100', 'imagenet16-120'];
console.log('### Query-budget protocol (paper Table 1): search on the 200-epoch test column, report it\n');
console.log(table(a, r200, [500, 1000]));
console.log('\nPaper / references:\n');
console.log(`| row | ${r200.map((c) => `${c}`).join(' | ')} |\n|---|---|---|---|`);
for (const [k, v] of Object.entries(PAPER)) console.log(`| ${k} | ${r200.map((c) => v[c]).join(' | ')} |`);
for (const [m, v] of Object.entries(ISSUE_REF)) for (const mark of [500, 1000]) console.log(`| ${m}, 100 seeds (issue reference) @${mark} | ${v[mark].join(' | ')} |`);
console.log('\nEarly budgets:\n');
console.log(table(a, r200, [100, 200]));
console.log('\n' + qtable(a, r200, 1000));
console.log('\n### Standard NAS-Bench-201 protocol: search on the 12-epoch validation column, report the 200-epoch test accuracy\n');
console.log(table(b, ['cifar10', 'cifar100'], [100, 200, 500, 1000]));
console.log('\nReference (issue): REA @500 = 94.32 (C10), 72.89 (C100); random search @500 = 94.03 / 72.22.\n');
console.log(qtable(b, ['cifar10', 'cifar100'], 1000).replace(/optimum/g, 'optimum of the 12-epoch column'));
