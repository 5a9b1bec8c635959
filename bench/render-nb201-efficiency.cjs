#!/usr/bin/env node
'use strict';
/**
 * The issue-#14 tables of bench/results/nb201.md: L²NAS presets against REA and local search at
 * 100/200/500/1000 queries, queries to the optimum, and the gap of the new preset to the better
 * baseline at each budget. Reads the rows `l2nas bench --json` wrote:
 *   nb201-200ep.json / nb201-12ep.json      (issue #2: l2nas nb201, nb201-tuned, random, rea, reinforce)
 *   nb201-local-200ep.json / -12ep.json     (rea, local)
 *   nb201-fast-200ep.json / -12ep.json      (l2nas nb201-fast), where present
 *   node bench/render-nb201-efficiency.cjs
 */
const fs = require('node:fs');
const path = require('node:path');
const dir = path.join(__dirname, 'results');
const load = (f) => (fs.existsSync(path.join(dir, f)) ? JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) : []);
const name = (r) => (r.preset === '-' ? r.method : `${r.method} (${r.preset})`);
const MARKS = [100, 200, 500, 1000];

function section(rows, reports, title) {
  const out = [`#### ${title}`, ''];
  const methods = [...new Set(rows.map(name))];
  const find = (m, c, s) => rows.find((r) => name(r) === m && r.report === c && r.steps === s);
  const head = ['method', ...reports.flatMap((c) => MARKS.map((s) => `${c} @${s}`))];
  out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const m of methods) out.push(`| ${m} | ${reports.flatMap((c) => MARKS.map((s) => { const r = find(m, c, s); return r ? `${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}` : ''; })).join(' | ')} |`);
  const fast = methods.find((m) => m.includes('nb201-fast'));
  if (fast) {
    const gaps = reports.flatMap((c) => MARKS.map((s) => {
      const f = find(fast, c, s), a = find('rea', c, s), b = find('local', c, s);
      if (!f || !a || !b) return '';
      const g = f.mean - Math.max(a.mean, b.mean);
      return `${g >= 0 ? '+' : ''}${g.toFixed(2)}`;
    }));
    out.push(`| **gap: nb201-fast − max(rea, local)** | ${gaps.join(' | ')} |`);
  }
  out.push('', `| method | ${reports.map((c) => `${c}: median queries to optimum (found/seeds)`).join(' | ')} |`, `|---|${reports.map(() => '---').join('|')}|`);
  for (const m of methods) {
    const cells = reports.map((c) => {
      const r = rows.filter((x) => name(x) === m && x.report === c).sort((x, y) => y.steps - x.steps)[0];
      return r ? `${r.medianQueriesToOptimum === null ? `>${r.steps}` : r.medianQueriesToOptimum} (${r.optimumFound}/${r.seeds})` : '';
    });
    out.push(`| ${m} | ${cells.join(' | ')} |`);
  }
  return out.join('\n');
}

const pick = (rows, pred) => rows.filter(pred);
const tuned = (f) => pick(load(f), (r) => r.method === 'l2nas' && r.preset === 'nb201-tuned');
const a = [...tuned('nb201-200ep.json'), ...load('nb201-fast-200ep.json'), ...load('nb201-local-200ep.json')];
const b = [...tuned('nb201-12ep.json'), ...load('nb201-fast-12ep.json'), ...load('nb201-local-12ep.json')];
console.log(section(a, ['cifar10', 'cifar100', 'imagenet16-120'], 'Query-budget protocol: search and report the 200-epoch test column'));
console.log('');
console.log(section(b, ['cifar10', 'cifar100'], 'Standard protocol: search the 12-epoch validation column, report the 200-epoch test column (q*: optimum of the 12-epoch column)'));
