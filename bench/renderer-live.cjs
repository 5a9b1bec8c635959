#!/usr/bin/env node
'use strict';
/**
 * Is the live dashboard responsive at 20,000 steps (issue #4)? Streams a real 20,000-query run
 * (random search on the NAS-Bench-201 table: the fastest method, so events arrive as fast as the
 * worker can write them) into the web UI in headless Chromium, and measures in the page:
 * main-thread long tasks (> 50 ms) while it streams, the chart redraws, and how long a click on
 * the theme toggle takes to answer at the end (input latency with 20,000 points on screen).
 * Then opens the finished run cold (load + first full draw). Writes bench/results/renderer.md.
 *
 *   npm run build && node bench/renderer-live.cjs [--steps 20000] [--chromium /usr/bin/chromium]
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const root = path.join(__dirname, '..');
const out = (p) => require(path.join(root, 'out', 'node', p));
const { chromium } = require('playwright-core');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

(async () => {
  const steps = Number(arg('--steps', '20000'));
  const csv = path.resolve(root, '..', 'shared', 'data', 'nas-bench-201', 'test-accuracy-200ep.csv');
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2nas-renderer-bench-'));
  const { RunManager } = out('node/run-manager');
  const { forkNodeWorker } = out('node/worker-host');
  const { startStudioServer } = out('node/http-server');
  const manager = new RunManager({ runsDir, launch: forkNodeWorker, log: () => {} });
  const server = await startStudioServer({ manager, staticDir: path.join(root, 'out', 'renderer') });
  const browser = await chromium.launch({ executablePath: arg('--chromium', '/usr/bin/chromium'), args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(server.url);
  const { id } = manager.start({ space: 'nb201', method: 'random', preset: 'nb201', benchmark: [csv], metric: 'cifar100', report: [], steps, seed: 0 });
  const t0 = Date.now();
  await page.goto(`${server.url}#/run/${id}`);
  await page.waitForSelector('[data-chart="accuracy"] canvas');
  await page.evaluate(() => (window.__longTasks = []));
  const settled = manager.whenSettled(id);
  let done = false;
  settled.then(() => (done = true));
  const samples = [];
  while (!done) {
    await page.waitForTimeout(1000);
    samples.push(Number(await page.getAttribute('[data-chart="accuracy"]', 'data-points')));
  }
  const streamSeconds = (Date.now() - t0) / 1000;
  await page.waitForFunction((n) => Number(document.querySelector('[data-chart="accuracy"]').getAttribute('data-points')) === n, steps, { timeout: 60_000 });
  const live = await page.evaluate(() => ({ longTasks: window.__longTasks.slice(), draws: Number(document.querySelector('[data-chart="accuracy"] .chart').getAttribute('data-draws')) }));
  const clickStart = Date.now();
  await page.click('.theme-toggle');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  const clickMs = Date.now() - clickStart;

  const cold = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const c0 = Date.now();
  await cold.goto(`${server.url}#/run/${id}`);
  await cold.waitForFunction((n) => Number(document.querySelector('[data-chart="accuracy"]')?.getAttribute('data-points')) === n, steps, { timeout: 60_000 });
  await cold.waitForSelector('[data-chart="accuracy"] canvas');
  const coldMs = Date.now() - c0;
  await browser.close();
  await server.close();
  manager.dispose();

  const lt = live.longTasks;
  const sum = lt.reduce((a, b) => a + b, 0);
  const md = `# Renderer at ${steps.toLocaleString('en')} steps (issue #4)

- **Measured**: ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model} × ${os.cpus().length}, ${os.platform()} ${os.release()}, headless Chromium (${arg('--chromium', '/usr/bin/chromium')}, software rendering), Node ${process.version}.
- **Command**: \`node bench/renderer-live.cjs --steps ${steps}\` — a real ${steps.toLocaleString('en')}-query random search on the NAS-Bench-201 table streamed into the dashboard through \`l2nas serve\`'s WebSocket.

| measure | value |
|---|---|
| run streamed in | ${streamSeconds.toFixed(1)} s (≈ ${(steps / streamSeconds).toFixed(0)} events/s) |
| points on the accuracy chart, sampled each second | ${samples.join(', ')} |
| chart redraws during the run | ${live.draws} |
| main-thread long tasks (> 50 ms) while streaming | ${lt.length} (total ${sum.toFixed(0)} ms, longest ${lt.length ? Math.max(...lt).toFixed(0) : 0} ms) |
| theme toggle answered after the run (input latency, ${steps.toLocaleString('en')} points shown) | ${clickMs} ms |
| cold open of the finished run (load all events + first full draw) | ${coldMs} ms |

The dashboard recomputes at most 5 times a second (store \`version\` tick) and each series is cut
to ≤ 3,000 points (min/max per bucket) before ECharts sees it, so a redraw costs the same at
20,000 steps as at 3,000.
`;
  const file = path.join(root, 'bench', 'results', 'renderer.md');
  fs.writeFileSync(file, md);
  process.stdout.write(md);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
