#!/usr/bin/env node
// Markdown tables from bench/transfer.cjs's JSON: per protocol, target and budget, the reported
// accuracy of the best-so-far architecture (mean ± std over seeds) per method, fine-tuned vs
// scratch paired by seed (wins / ties / losses), and queries to the target's top 1% / 0.1%.
//   node bench/transfer-report.cjs /tmp/transfer.json > table.md
const fs = require('node:fs');
const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const NAMES = { ft: 'L²NAS fine-tuned (policy from the source)', scratch: 'L²NAS from scratch (same preset)', tuned: 'L²NAS nb201-tuned from scratch', rea: 'REA', random: 'random search' };
const lines = [];
const groups = [...new Set(data.runs.map((r) => `${r.protocol}|${r.metric}|${r.report}`))];
for (const g of groups) {
  const [protocol, metric, report] = g.split('|');
  const runs = data.runs.filter((r) => `${r.protocol}|${r.metric}|${r.report}` === g);
  const methods = [...new Set(runs.map((r) => r.method))];
  const marks = data.marks.filter((m) => m <= data.steps);
  const pre = data.pretrain.find((p) => p.protocol === protocol);
  lines.push(`### ${protocol === 'test' ? 'Search and report' : 'Search'} \`${metric}\`${report !== metric ? `, report \`${report}\`` : ''}${pre ? ` (policy pre-trained on \`${pre.source}\`)` : ''}`, '');
  lines.push(`| method | ${marks.map((m) => `${m} queries`).join(' | ')} | queries to top 1% (median, reached) | queries to top 0.1% (median, reached) |`);
  lines.push(`|---|${marks.map(() => '---|').join('')}---|---|`);
  // With several pre-training seeds, fine-tuned rows per pre-training, then all of them together.
  const preSeeds = [...new Set(runs.filter((r) => r.method === 'ft').map((r) => r.preSeed ?? 0))];
  const rows = methods.flatMap((m) =>
    m === 'ft' && preSeeds.length > 1
      ? [...preSeeds.map((ps) => ({ m, label: `${NAMES.ft}, pre-training seed ${ps}`, rs: runs.filter((r) => r.method === 'ft' && (r.preSeed ?? 0) === ps) })), { m, label: `**${NAMES.ft}, all ${preSeeds.length} pre-trainings**`, rs: runs.filter((r) => r.method === 'ft') }]
      : [{ m, label: NAMES[m] ?? m, rs: runs.filter((r) => r.method === m) }],
  );
  for (const { label, rs } of rows) {
    const cells = marks.map((k) => {
      const v = rs.map((r) => r.at[k].report);
      return `${mean(v).toFixed(2)} ± ${std(v).toFixed(2)}`;
    });
    const reach = (name) => {
      const got = rs.map((r) => r.reach?.[name]).filter((x) => x !== null && x !== undefined);
      // Unreached runs count as "more than the budget" for the median.
      const all = rs.map((r) => r.reach?.[name] ?? Infinity);
      const med = median(all);
      return `${med === Infinity ? `> ${data.steps}` : med} (${got.length}/${rs.length})`;
    };
    lines.push(`| ${label} (${rs.length} ${preSeeds.length > 1 && rs[0].method === 'ft' && label.includes('all') ? 'runs' : 'seeds'}) | ${cells.join(' | ')} | ${reach('top1')} | ${reach('top01')} |`);
  }
  if (methods.includes('ft') && methods.includes('scratch')) {
    const paired = marks.map((k) => {
      let w = 0, t = 0, l = 0;
      for (const a of runs.filter((r) => r.method === 'ft')) {
        const b = runs.find((r) => r.method === 'scratch' && r.seed === a.seed);
        if (!b) continue;
        const d = a.at[k].report - b.at[k].report;
        if (Math.abs(d) < 1e-9) t++;
        else if (d > 0) w++;
        else l++;
      }
      return `${k}: ${w}/${t}/${l}`;
    });
    lines.push('', `Fine-tuned vs from scratch, same seed (wins/ties/losses): ${paired.join('; ')}.`);
  }
  lines.push('');
}
for (const p of data.pretrain) lines.push(`Pre-training (${p.protocol}${p.seed !== undefined ? `, seed ${p.seed}` : ''}): ${data.preSteps} queries on \`${p.source}\`, best ${p.best.value.toFixed(2)} %, ${p.seconds.toFixed(0)} s, reward ${p.reward.kind}${p.reward.accEnv ? ` (Acc(Env) ${p.reward.accEnv})` : ''}.`);
console.log(lines.join('\n'));
