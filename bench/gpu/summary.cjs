#!/usr/bin/env node
// The table of bench/gpu/run.sh: reads the JSON lines bench/supernet-speed.cjs printed (one per
// backend, the PyTorch twin's, then a "compare" line per shape) and run.sh's facts.txt; prints
// Markdown: images/s of WebGPU, PyTorch and WASM per network and batch, and the two ratios
// against the issue's targets (WebGPU / PyTorch-CUDA >= 0.5, WebGPU / WASM >= 10).
//   node bench/gpu/summary.cjs results.jsonl [facts.txt]
'use strict';
const fs = require('node:fs');

function summarize(lines, facts) {
  const groups = [];
  let cur = { rows: [], twin: null };
  for (const line of lines) {
    let j;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    if (j.compare) {
      groups.push({ ...cur, compare: j });
      cur = { rows: [], twin: null };
    } else if (j.impl === 'pytorch') cur.twin = j;
    else if (j.backend) cur.rows.push(j);
  }
  const fmt = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');
  const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);
  const mark = (r, target) => (r === null ? '–' : `${r.toFixed(2)} ${r >= target ? '(meets ≥ ' + target + ')' : '(below ' + target + ')'}`);
  const out = ['# WebGPU vs PyTorch vs WASM: supernet training (bench/gpu/run.sh)', ''];
  if (facts) out.push(...facts.trim().split('\n').map((l) => `- ${l}`), '');
  out.push('| network | batch | WebGPU images/s | PyTorch images/s (device) | WebGPU / PyTorch | WASM images/s (batch) | WebGPU / WASM | same network and paths |');
  out.push('|---|---|---|---|---|---|---|---|');
  const notes = [];
  for (const g of groups) {
    const c = g.compare;
    const w = g.rows.find((r) => r.backend === 'webgpu');
    const a = g.rows.find((r) => r.backend === 'wasm');
    const t = g.twin;
    const net = `${c.space} C=${c.C} N=${c.N} ${c.image}`;
    const wr = w && w.ok ? w.imagesPerSecond : null;
    const ar = a && a.ok ? a.imagesPerSecond : null;
    const tr = t && t.imagesPerSecond ? t.imagesPerSecond : null;
    const same = c.paramsMatch === true && c.samePaths ? `yes (${t.params} parameters)` : c.paramsMatch === false ? 'NO: parameter counts differ' : '–';
    out.push(`| ${net} | ${c.batch} | ${fmt(wr)} | ${fmt(tr)}${t && t.device ? ` (${t.device}${t.tf32 ? ', TF32 convs' : ''})` : ''} | ${mark(ratio(wr, tr), 0.5)} | ${fmt(ar)}${a && a.ok ? ` (${a.batch})` : ''} | ${mark(ratio(wr, ar), 10)} | ${same} |`);
    if (w && !w.ok) notes.push(`- ${net}, batch ${c.batch}: webgpu failed: ${w.reason}`);
    if (w && w.ok && w.adapter) notes.push(`- ${net}, batch ${c.batch}: webgpu on ${w.adapter.vendor || ''} ${w.adapter.architecture || ''} ${w.adapter.device || ''} via ${w.adapter.dawnBackend}${w.adapter.software ? ' (SOFTWARE adapter: not a GPU figure)' : ''}`.replace(/ +/g, ' '));
    if (a && !a.ok) notes.push(`- ${net}, wasm${a.batch ? ` at batch ${a.batch}` : ''}: failed: ${a.reason}`);
    if (t && t.ok === false) notes.push(`- ${net}, batch ${c.batch}: PyTorch twin failed: ${t.reason}`);
  }
  if (!groups.length) notes.push('- no measurement finished (no "compare" line in the results)');
  out.push('', ...notes, '');
  return out.join('\n');
}

if (require.main === module) {
  const [results, factsFile] = process.argv.slice(2);
  if (!results) {
    console.error('usage: node bench/gpu/summary.cjs results.jsonl [facts.txt]');
    process.exit(2);
  }
  const lines = fs.readFileSync(results, 'utf8').split('\n');
  process.stdout.write(summarize(lines, factsFile && fs.existsSync(factsFile) ? fs.readFileSync(factsFile, 'utf8') : ''));
}
module.exports = { summarize };
