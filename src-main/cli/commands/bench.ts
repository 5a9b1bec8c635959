import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunConfig } from '../../contracts/run';
import { runBenchTask, type BenchTask, type BenchTaskResult } from '../../node/bench-task';
import { selectBackend } from '../../node/backend';
import { createProgress } from '../progress';
import { renderCurvesSvg } from '../bench-plot';

export interface BenchRow {
  method: string;
  preset: string;
  metric: string;
  report: string;
  steps: number;
  seeds: number;
  /** Mean and sample std over seeds of the report column of the best-so-far architecture. */
  mean: number;
  std: number;
  /** Median over seeds of the query at which the table optimum of `metric` was found (null: not in most seeds). */
  medianQueriesToOptimum: number | null;
  /** Optimum found in this many seeds within `steps`. */
  optimumFound: number;
  secondsPer1000Steps: number;
}

export interface BenchPlan {
  configs: { config: RunConfig; report: string }[];
  marks: number[];
  jobs: number;
  quiet: boolean;
}

function meanStd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, s];
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

async function runTasks(tasks: BenchTask[], jobs: number, onDone: (r: BenchTaskResult) => void): Promise<void> {
  if (jobs <= 1) {
    for (const t of tasks) onDone(await runBenchTask(t));
    return;
  }
  const queue = [...tasks];
  const worker = path.join(__dirname, '..', 'bench-worker.js');
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, () =>
      new Promise<void>((resolve, reject) => {
        const child = fork(worker, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const next = () => {
          const t = queue.shift();
          if (!t) {
            child.disconnect();
            resolve();
          } else child.send({ task: t });
        };
        child.on('message', (m: { result?: BenchTaskResult; error?: string }) => {
          if (m.error) {
            child.kill();
            reject(new Error(m.error));
          } else {
            onDone(m.result!);
            next();
          }
        });
        child.on('exit', (code, signal) => {
          if (code !== 0 && code !== null) reject(new Error(`bench worker exited with code ${code}`));
          if (signal) reject(new Error(`bench worker killed by ${signal}`));
        });
        next();
      }),
    ),
  );
}

/** Runs every (config, seed) to the largest mark and aggregates Table-1-style rows. */
export async function runBench(plan: BenchPlan): Promise<{ rows: BenchRow[]; curves: { label: string; metric: string; report: string; every: number; mean: number[] }[]; backend: string }> {
  const maxSteps = Math.max(...plan.marks);
  const curveEvery = Math.max(1, Math.floor(maxSteps / 100));
  const tasks: BenchTask[] = plan.configs.map((c, id) => ({ id, config: { ...c.config, steps: maxSteps }, report: c.report, marks: plan.marks, curveEvery }));
  const results: BenchTaskResult[] = [];
  const bar = createProgress(tasks.length, !plan.quiet, 'bench');
  await runTasks(tasks, plan.jobs, (r) => {
    results.push(r);
    bar.update(results.length);
  });
  bar.stop();
  results.sort((a, b) => a.id - b.id);
  const groups = new Map<string, { task: BenchTask; res: BenchTaskResult[] }>();
  for (const r of results) {
    const t = tasks[r.id];
    const k = [t.config.method, variantOf(t.config), t.config.estimator.metric, t.report].join('|');
    if (!groups.has(k)) groups.set(k, { task: t, res: [] });
    groups.get(k)!.res.push(r);
  }
  const rows: BenchRow[] = [];
  const curves = [];
  for (const { task, res } of groups.values()) {
    const preset = variantOf(task.config);
    const secondsPer1000Steps = (res.reduce((a, r) => a + r.seconds / r.steps, 0) / res.length) * 1000;
    plan.marks.forEach((mark, i) => {
      const [mean, std] = meanStd(res.map((r) => r.atMarks[i]));
      const q = res.map((r) => (r.queriesToOptimum !== null && r.queriesToOptimum <= mark ? r.queriesToOptimum : Infinity));
      const med = median(q);
      rows.push({
        method: task.config.method, preset, metric: task.config.estimator.metric, report: task.report, steps: mark, seeds: res.length,
        mean, std, medianQueriesToOptimum: Number.isFinite(med) ? med : null, optimumFound: q.filter(Number.isFinite).length, secondsPer1000Steps,
      });
    });
    const n = res[0].curve.length;
    curves.push({
      label: preset === '-' ? task.config.method : `${task.config.method} (${preset})`,
      metric: task.config.estimator.metric, report: task.report, every: curveEvery,
      mean: Array.from({ length: n }, (_, i) => res.reduce((a, r) => a + r.curve[i], 0) / res.length),
    });
  }
  return { rows, curves, backend: results[0]?.backend ?? (await selectBackend()).backend };
}

/** The row's `preset` column: the L²NAS preset; for local search with best improvement, that rule; else '-'. */
function variantOf(config: RunConfig): string {
  if (config.method === 'l2nas') return config.preset;
  if (config.method === 'local' && config.local?.move === 'best') return 'best-improvement';
  return '-';
}

/** Table-1-style text: one line per method/preset, one column per (report, steps). */
export function formatBenchTable(rows: BenchRow[]): string {
  const cols = [...new Set(rows.map((r) => `${r.metric}→${r.report}@${r.steps}`))];
  const lines = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const name = r.preset === '-' ? r.method : `${r.method} (${r.preset})`;
    if (!lines.has(name)) lines.set(name, new Map());
    const q = r.medianQueriesToOptimum === null ? `>${r.steps}` : String(r.medianQueriesToOptimum);
    lines.get(name)!.set(`${r.metric}→${r.report}@${r.steps}`, `${r.mean.toFixed(2)} ± ${r.std.toFixed(2)} [q*=${q}]`);
  }
  const header = ['method', ...cols];
  const body = [...lines].map(([name, m]) => [name, ...cols.map((c) => m.get(c) ?? '')]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(fmt)].join('\n');
}

export function writeBenchOutputs(json: string | undefined, plotDir: string | undefined, out: Awaited<ReturnType<typeof runBench>>): void {
  if (json) {
    fs.mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
    fs.writeFileSync(json, JSON.stringify(out.rows, null, 2) + '\n');
  }
  if (plotDir) {
    fs.mkdirSync(plotDir, { recursive: true });
    const byMetric = new Map<string, typeof out.curves>();
    for (const c of out.curves) {
      const k = `${c.metric}→${c.report}`;
      if (!byMetric.has(k)) byMetric.set(k, []);
      byMetric.get(k)!.push(c);
    }
    for (const [k, cs] of byMetric) {
      const file = path.join(plotDir, `best-so-far-${k.replace(/→/, '-to-').replace(/[^A-Za-z0-9_.-]/g, '_')}.svg`);
      fs.writeFileSync(file, renderCurvesSvg(`best-so-far ${cs[0].report} (searching ${cs[0].metric}), mean over seeds — ${os.hostname()}`, cs));
    }
  }
}
