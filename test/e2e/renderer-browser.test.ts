import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../helpers/browser';
import { startBrowserStudio, stopBrowserStudio } from '../helpers/studio-browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioServer } from '../../src-main/node/http-server';
import type { RunManager } from '../../src-main/node/run-manager';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

/**
 * The web UI in real Chromium (Debian's `chromium`, driven by playwright-core) against the
 * same server `l2nas serve` runs: configure a 200-step search on the shared NAS-Bench-201
 * table, watch it fill the charts, open the best architecture, export, and check the files.
 * Screenshots of every view go to test/artifacts/ (git-ignored). CI installs chromium
 * (.ci/run); elsewhere, without it, the test reports itself skipped.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');

let manager: RunManager;
let server: StudioServer;
let browser: Browser;
let page: Page;
let runsDir: string;
const problems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!CHROMIUM)('web UI in Chromium against l2nas serve', () => {
  beforeAll(async () => {
    requireSharedData();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    runsDir = tempDir('browser');
    // A run made by the CLI: the UI lists it like its own (same run folder format).
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'l2nas.cjs'), 'search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar100', '--report', 'cifar10', '--method', 'rea', '--steps', '150', '--seed', '3', '--out', path.join(runsDir, 'cli-rea-run'), '-q']);
    // A second seed of the same method: Compare groups the two (mean ± std over seeds).
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'l2nas.cjs'), 'search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar100', '--report', 'cifar10', '--method', 'rea', '--steps', '150', '--seed', '4', '--out', path.join(runsDir, 'cli-rea-run-s4'), '-q']);
    ({ manager, server, browser, page } = await startBrowserStudio(runsDir, problems));
  });

  afterAll(async () => {
    await stopBrowserStudio({ browser, server, manager });
  });

  let runId = '';

  it('lists runs made by the CLI', async () => {
    await page.goto(server.url);
    await page.waitForSelector('tr[data-run="cli-rea-run"]');
    expect(await page.textContent('tr[data-run="cli-rea-run"]')).toContain('150 / 150');
    // The "Also report" column (--report) has its own column, valued from result.json's best.
    const result = JSON.parse(fs.readFileSync(path.join(runsDir, 'cli-rea-run', 'result.json'), 'utf8'));
    expect(await page.textContent('th [data-sort="report:cifar10"]')).toContain('cifar10');
    expect(await page.textContent('tr[data-run="cli-rea-run"] [data-col="report:cifar10"]')).toBe(`${result.best.metrics.cifar10.toFixed(2)} %`);
    expect(await page.textContent('tr[data-run="cli-rea-run"] [data-col="preset"]')).toBe('–'); // REA has no L²NAS preset
    await shot('runs-list');
  });

  it('configures a 200-step NAS-Bench-201 search, checking the table first', async () => {
    await page.click('text=New search');
    await page.waitForSelector('#f-benchmark');
    expect(await page.isDisabled('[data-action="start"]')).toBe(true);
    expect(await page.textContent('[data-error="benchmark"]')).toBe(''); // no red text before a field is touched
    await page.fill('#f-benchmark', '/nonexistent/table.csv');
    await page.click('[data-action="check"]');
    await page.waitForSelector('[data-error="benchmark"]:has-text("/nonexistent/table.csv")');
    // The refused check is an HTTP 400 reply, which Chromium logs; that one is expected.
    expect(problems.splice(0)).toEqual([expect.stringMatching(/status of 400/)]);
    await page.fill('#f-benchmark', NB201_TEST_CSV);
    await page.click('[data-action="check"]');
    await page.waitForSelector('[data-table-ok]');
    expect(await page.textContent('[data-table-ok]')).toContain('15,625 architectures');
    await page.selectOption('#f-metric', 'cifar100');
    await page.fill('#f-steps', '200');
    await page.fill('#f-seed', '1');
    await page.fill('#f-tau', '1.5');
    expect(await page.textContent('[data-error="agent.tau"]')).toMatch(/τ/);
    expect(await page.isDisabled('[data-action="start"]')).toBe(true);
    await page.fill('#f-tau', '0.9');
    await shot('new-search');
    expect(await page.isDisabled('[data-action="start"]')).toBe(false);
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run\//);
    runId = decodeURIComponent(page.url().split('#/run/')[1]);
    expect(runId).toMatch(/l2nas-s1/);
  });

  it('fills the charts while the run goes, then shows it completed', async () => {
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      const points = Number(await page.getAttribute('[data-chart="accuracy"]', 'data-points'));
      if (seen[seen.length - 1] !== points) seen.push(points);
      if (points === 200 && (await page.getAttribute('.run-header [data-status]', 'data-status')) === 'completed') break;
      await page.waitForTimeout(100);
    }
    expect(seen[seen.length - 1]).toBe(200);
    expect(seen.length).toBeGreaterThan(2); // it grew in steps while running, not all at once
    expect(Number(await page.getAttribute('[data-chart="accuracy"] .chart', 'data-draws'))).toBeGreaterThan(1);
    expect(await page.textContent('[data-stat="steps"]')).toContain('200 / 200');
    await page.waitForTimeout(400); // let the last throttled draw land
    await shot('run-dashboard');
  });

  it('opens the best architecture as a NAS-Bench-201 cell DAG', async () => {
    const arch = (await page.textContent('[data-best-arch]'))!.trim();
    const result = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'result.json'), 'utf8'));
    expect(arch).toBe(result.best.arch);
    const ops = await page.$$eval('svg[data-figure="nb201-cell"] g.edge', (gs) => gs.map((g) => `${g.getAttribute('data-edge')}=${g.getAttribute('data-op')}`));
    expect(ops).toHaveLength(6);
    for (const [i, node] of arch.split('+').entries()) {
      for (const tok of node.split('|').filter(Boolean)) {
        const [op, from] = tok.split('~');
        expect(ops).toContain(`${from}→${i + 1}=${op}`);
      }
    }
    expect(await page.textContent('.best-arch [data-totals]')).toMatch(/^Whole network \(C = 16, N = 5, 100 classes\): [\d.]+[kM] parameters, [\d.]+M MACs$/);
    await page.hover('svg[data-figure="nb201-cell"] g.edge[data-edge="0→1"]');
    expect(await page.textContent('.hover-info')).toMatch(/edge 0→1/);
    await (await page.$('.best-arch'))!.screenshot({ path: path.join(ARTIFACTS, 'best-architecture.png') });
  });

  it('zooms the charts, switches the y-range, draws a clicked query, and downloads each chart as PNG and SVG', async () => {
    const chart = '[data-chart="accuracy"] .chart';
    await page.waitForSelector(`${chart} canvas`);
    expect(await page.getAttribute(chart, 'data-zoom')).toBe('all');
    await page.locator(chart).scrollIntoViewIfNeeded(); // the previous test scrolled to the figure
    const box = (await page.$(chart))!.boundingBox();
    const b = (await box)!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.waitForTimeout(100);
    for (let i = 0; i < 5; i++) {
      await page.mouse.wheel(0, -120); // zoom in around the pointer, notch by notch
      await page.waitForTimeout(100);
    }
    for (let i = 0; i < 50 && (await page.getAttribute(chart, 'data-zoom')) === 'all'; i++) await page.waitForTimeout(100);
    const [start, end] = (await page.getAttribute(chart, 'data-zoom'))!.split('-').map(Number);
    expect(end - start).toBeLessThan(100);
    await page.selectOption('[data-control="accuracy-view"]', 'full');
    expect(await page.getAttribute('[data-chart="accuracy"]', 'data-view')).toBe('full');
    await page.selectOption('[data-control="accuracy-view"]', 'fit');
    // A click in the plot draws the architecture queried at that step. The view switch redraws
    // the chart and the page may reflow around it: measure the plot again before each click, and
    // click again (at most 5 times) while a click lands during a redraw.
    const picked = '[data-section="picked-arch"] svg[data-figure="nb201-cell"]';
    for (let i = 0; i < 5 && !(await page.$(picked)); i++) {
      await page.locator(chart).scrollIntoViewIfNeeded();
      const now = (await page.locator(chart).boundingBox())!;
      await page.mouse.click(now.x + now.width * 0.5, now.y + 120);
      await page.waitForSelector(picked, { timeout: 3000 }).catch(() => undefined);
    }
    await page.waitForSelector(picked);
    const step = Number((await page.textContent('[data-section="picked-arch"] h3'))!.match(/step (\d+)/)![1]);
    const events = fs.readFileSync(path.join(runsDir, runId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect((await page.textContent('[data-picked-arch]'))!.trim()).toBe(events[step].arch);
    await (await page.$('[data-section="picked-arch"]'))!.screenshot({ path: path.join(ARTIFACTS, 'picked-architecture.png') });
    await page.click('[data-action="unpick"]');
    for (const [sel, name] of [['[data-chart="accuracy"]', 'accuracy'], ['[data-chart="topk"]', 'topk-']] as const) {
      for (const kind of ['png', 'svg']) {
        const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`${sel} [data-chart-save="${kind}"]`)]);
        expect(dl.suggestedFilename()).toMatch(new RegExp(`${name}.*\\.${kind}$`));
        const saved = path.join(ARTIFACTS, 'downloads', dl.suggestedFilename());
        await dl.saveAs(saved);
        const bytes = fs.readFileSync(saved);
        if (kind === 'png') expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
        else expect(bytes.toString('utf8')).toMatch(/^<\?xml[^>]*>\n<svg[^>]*>[\s\S]*<\/svg>\n$/);
      }
    }
  });

  it('exports the architecture, the history (JSON, CSV) and the figure (SVG, PNG) as real files', async () => {
    const exported: Record<string, string> = {};
    for (const what of ['arch', 'history-json', 'history-csv', 'figure-svg', 'figure-png']) {
      // Each export lands in the run folder AND in the browser's downloads (serve may be remote).
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${what}"]`)]);
      await page.waitForSelector(`[data-exported="${what}"]`);
      exported[what] = (await page.textContent(`[data-exported="${what}"] code`))!.trim();
      expect(exported[what].startsWith(path.join(runsDir, runId, 'exports'))).toBe(true);
      expect(dl.suggestedFilename()).toBe(`${runId}-${path.basename(exported[what])}`);
      const saved = path.join(ARTIFACTS, 'downloads', dl.suggestedFilename());
      await dl.saveAs(saved);
      expect(fs.readFileSync(saved).equals(fs.readFileSync(exported[what])), what).toBe(true);
    }
    const result = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'result.json'), 'utf8'));
    expect(fs.readFileSync(exported.arch, 'utf8')).toBe(`${result.best.arch}\n`);
    const history = JSON.parse(fs.readFileSync(exported['history-json'], 'utf8'));
    expect(history.events).toHaveLength(200);
    expect(history.events.map((e: { step: number }) => e.step)).toEqual([...Array(200).keys()]);
    expect(history.config.estimator.metric).toBe('cifar100');
    const csv = fs.readFileSync(exported['history-csv'], 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,arch,key,value,reward,best,phase,epsilon,criticLoss,actorLoss,seconds');
    expect(csv).toHaveLength(201);
    const svg = fs.readFileSync(exported['figure-svg'], 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/class="edge"/g)).toHaveLength(6);
    for (const op of new Set(result.best.arch.match(/[a-z_0-9]+(?=~)/g) as string[])) expect(svg).toContain(`data-op="${op}"`);
    const png = fs.readFileSync(exported['figure-png']);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(5000);
  });

  it('compares runs as an experiment: groups with mean ± std over seeds, metrics with reported columns, config diff, parallel coordinates', async () => {
    await page.click('nav >> text=Runs');
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    for (const id of [runId, 'cli-rea-run', 'cli-rea-run-s4']) await page.check(`tr[data-run="${id}"] input[type="checkbox"]`);
    await page.click('[data-action="compare"]');
    await page.waitForURL(/#\/compare\//);
    expect(decodeURIComponent(page.url().split('#/compare/')[1]).split(',').sort()).toEqual([runId, 'cli-rea-run', 'cli-rea-run-s4'].sort());
    await page.waitForSelector('[data-chart="compare"] canvas');
    await page.waitForSelector('[data-table="runs"] tbody tr >> nth=2'); // all three loaded
    expect(await page.getAttribute('[data-chart="compare"]', 'data-groups')).toBe('2'); // l2nas · preset, rea (2 seeds)
    expect(await page.textContent('[data-group="rea"]')).toContain('2');
    const reaBests = ['cli-rea-run', 'cli-rea-run-s4'].map((id) => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'result.json'), 'utf8')).best as { value: number; metrics: Record<string, number> });
    const mean = (reaBests[0].value + reaBests[1].value) / 2;
    const std = Math.abs(reaBests[0].value - reaBests[1].value) / Math.SQRT2;
    expect(await page.textContent('[data-group="rea"] [data-col="best"]')).toBe(`${mean.toFixed(2)} ± ${std.toFixed(2)} %`);
    expect(await page.textContent('[data-table="runs"] tr[data-run="cli-rea-run"] [data-col="report:cifar10"]')).toBe(`${reaBests[0].metrics.cifar10.toFixed(2)} %`);
    expect(await page.textContent('[data-table="runs"] tr[data-run="cli-rea-run"]')).toContain('rea · seed 3');
    expect(await page.$$eval('[data-table="config-diff"] tr[data-setting]', (rows) => rows.map((r) => r.getAttribute('data-setting')))).toEqual(expect.arrayContaining(['method', 'seed', 'steps']));
    await page.waitForSelector('[data-chart="parallel"] canvas');
    await page.waitForTimeout(400);
    await shot('compare');
  });

  it('sorts and filters the runs table, names a run, and starts a new search from its settings', async () => {
    await page.click('nav >> text=Runs');
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    const order = () => page.$$eval('.runs-table tbody tr[data-run]', (rows) => rows.map((r) => r.getAttribute('data-run')));
    const bests = Object.fromEntries(
      ['cli-rea-run', 'cli-rea-run-s4', runId].map((id) => [id, JSON.parse(fs.readFileSync(path.join(runsDir, id, 'result.json'), 'utf8')).best.value as number]),
    );
    await page.click('[data-sort="best"]'); // numbers sort descending first
    const byBest = Object.keys(bests).sort((a, b) => bests[b] - bests[a]);
    expect(await order()).toEqual(byBest);
    await page.click('[data-sort="best"]');
    expect(await order()).toEqual([...byBest].reverse());
    expect(await page.getAttribute('th:has([data-sort="best"])', 'aria-sort')).toBe('ascending');
    await page.selectOption('[data-filter="method"]', 'rea');
    expect((await order()).sort()).toEqual(['cli-rea-run', 'cli-rea-run-s4']);
    expect(await page.textContent('[data-shown]')).toContain('2 of 3 runs');
    await page.selectOption('[data-filter="method"]', '');
    await page.click(`tr[data-run="${runId}"] [data-action="notes"]`);
    await page.fill('[data-notes="name"]', 'first L2NAS try');
    await page.fill('[data-notes="notes"]', 'tau 0.9 on cifar100');
    await page.click('[data-action="save-notes"]');
    await page.waitForSelector(`tr[data-run="${runId}"] [data-run-name]:has-text("first L2NAS try")`);
    expect(JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'notes.json'), 'utf8'))).toEqual({ name: 'first L2NAS try', notes: 'tau 0.9 on cifar100' });
    await page.fill('[data-filter="text"]', 'tau 0.9');
    expect(await order()).toEqual([runId]);
    await shot('runs-list-filtered');
    await page.fill('[data-filter="text"]', '');
    await page.click(`tr[data-run="${runId}"] [data-action="new-from"]`);
    await page.waitForSelector('[data-from-run]');
    await page.waitForSelector('[data-table-ok]'); // its table re-checked at once
    expect(await page.inputValue('#f-benchmark')).toBe(NB201_TEST_CSV);
    expect(await page.inputValue('#f-metric')).toBe('cifar100');
    expect(await page.inputValue('#f-steps')).toBe('200');
    expect(await page.inputValue('#f-seed')).toBe('1');
    expect(await page.inputValue('#f-tau')).toBe('0.9');
    expect(await page.isDisabled('[data-action="start"]')).toBe(false);
    await shot('new-search-from-run');
    // A plain new search remembers the last table paths and re-checks them.
    await page.click('nav >> text=New search');
    await page.waitForSelector('[data-table-ok]');
    expect(await page.inputValue('#f-benchmark')).toBe(NB201_TEST_CSV);
    // Every method's own settings (#15 item 5): REA's population and sample, checked as the server checks them.
    await page.selectOption('#f-method', 'rea');
    expect(await page.inputValue('#f-rea-population')).toBe('10');
    expect(await page.inputValue('#f-rea-sample')).toBe('3');
    await page.fill('#f-rea-population', '1e9');
    await page.press('#f-rea-population', 'Tab');
    expect(await page.textContent('[data-error="rea.population"]')).toMatch(/at most 100,000/);
    expect(await page.isDisabled('[data-action="start"]')).toBe(true);
    await page.fill('#f-rea-population', '12');
    await page.fill('#f-rea-sample', '20');
    await page.press('#f-rea-sample', 'Tab');
    expect(await page.textContent('[data-error="rea.sample"]')).toMatch(/at most the population/);
    await page.fill('#f-rea-sample', '4');
    await page.press('#f-rea-sample', 'Tab');
    expect(await page.textContent('[data-error="rea.sample"]')).toBe('');
    expect(await page.isDisabled('[data-action="start"]')).toBe(false);
    await shot('new-search-rea-settings');
    await page.selectOption('#f-method', 'l2nas');
  });

  it('deletes a run only after confirmation', async () => {
    await page.click('nav >> text=Runs');
    const row = 'tr[data-run="cli-rea-run"]';
    await page.click(`${row} [data-action="delete"]`);
    expect(fs.existsSync(path.join(runsDir, 'cli-rea-run'))).toBe(true); // asked, not yet done
    // The question opens in a row below the run, inside the table's width (it overflowed the page once).
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.click('[data-confirm-row] button:has-text("Keep")');
    await page.click(`${row} [data-action="delete"]`);
    await page.click('[data-confirm-row] [data-action="confirm-delete"]');
    await page.waitForSelector(row, { state: 'detached' });
    expect(fs.existsSync(path.join(runsDir, 'cli-rea-run'))).toBe(false);
    expect(fs.existsSync(path.join(runsDir, runId))).toBe(true);
  });

  it('shows a run with a damaged events line, listing the line as a warning', async () => {
    const src = path.join(runsDir, runId);
    const dmg = path.join(runsDir, 'damaged-run');
    fs.cpSync(src, dmg, { recursive: true });
    const lines = fs.readFileSync(path.join(dmg, 'events.jsonl'), 'utf8').split('\n');
    lines[2] = '{"step": 2, "arch": "|nor_conv';
    fs.writeFileSync(path.join(dmg, 'events.jsonl'), lines.join('\n'));
    await page.goto(`${server.url}#/run/damaged-run`);
    await page.waitForSelector('[data-section="run-warnings"]');
    expect(await page.textContent('[data-section="run-warnings"]')).toContain(`${path.join(dmg, 'events.jsonl')}:3: not a valid event line`);
    fs.rmSync(dmg, { recursive: true });
  });

  it('draws published DARTS genotypes and an OFA subnet (Figure 3 strip)', async () => {
    await page.click('nav >> text=Architecture viewer');
    await page.click('[data-example="DARTS-V2 (Liu et al. 2019)"]');
    await page.waitForSelector('svg[data-figure="darts-genotype"]');
    expect(await page.$$eval('svg[data-figure="darts-genotype"] g.edge', (g) => g.length)).toBe(16);
    // Every edge label's text, as this browser renders it with the fonts it has, fits its box.
    const fits = await page.$$eval('svg[data-figure="darts-genotype"] g.edge', (gs) =>
      gs.map((g) => ({ text: (g.querySelector('text') as unknown as { getComputedTextLength(): number }).getComputedTextLength(), box: Number(g.querySelector('rect')!.getAttribute('width')) })),
    );
    for (const f of fits) expect(f.text).toBeLessThanOrEqual(f.box - 4);
    await shot('darts-cells');
    // A pasted NAS-Bench-201 arch string switches the viewer's space by itself.
    await page.fill('#v-text', '|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|');
    expect(await page.inputValue('#v-space')).toBe('nb201');
    await page.waitForSelector('[data-space-switched]');
    await page.click('[data-example="OFA smallest subnet"]');
    await page.waitForSelector('svg[data-figure="ofa-strip"]');
    expect(await page.$$eval('svg[data-figure="ofa-strip"] g.block', (g) => g.length)).toBe(11);
    // Its size in OFA's ImageNet network from the #10 counter: 3,410,792 parameters, 121.3M MACs (OFA's own count_parameters / count_net_flops).
    await page.waitForSelector('[data-totals]:has-text("3.41M parameters, 121.28M MACs")');
    await shot('ofa-strip');
  });

  it('trains a supernet from the form and shows its training, then its search', async () => {
    await page.click('nav >> text=New search');
    await page.selectOption('#f-estimator', 'supernet');
    await page.fill('#f-sn-epochs', '2');
    await page.fill('#f-sn-C', '2');
    await page.fill('#f-sn-trainImages', '64');
    await page.fill('#f-steps', '6');
    await page.selectOption('#f-method', 'rea');
    await shot('new-supernet-search');
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run\/.*supernet-nb201/);
    await page.waitForSelector('[data-section="supernet-training"]');
    // While it trains: one progress line (the training section's), and Cancel asks first.
    await page.waitForSelector('[data-training-now]');
    expect(await page.$('[data-progress]')).toBeNull();
    await page.click('[data-action="cancel"]');
    await page.waitForSelector('[data-cancel-ask]');
    await shot('cancel-asks');
    await page.click('[data-cancel-ask] button:has-text("Keep running")');
    expect(await page.$('[data-cancel-ask]')).toBeNull();
    await page.waitForSelector('.run-header [data-status="completed"]', { timeout: 300_000 });
    await page.waitForSelector('[data-section="supernet-training"] canvas');
    expect(await page.textContent('[data-section="supernet-training"]')).toMatch(/2\/2 epochs trained · Acc\(Env\)/);
    await page.waitForSelector('[data-chart="accuracy"][data-points="6"]');
    expect(await page.$$eval('svg[data-figure="nb201-cell"] g.edge', (g) => g.length)).toBe(6);
    await page.waitForTimeout(400);
    await shot('supernet-run');
  });

  it('renders in the dark theme too, and raised no console errors (CSP included)', async () => {
    await page.goto(`${server.url}#/run/${runId}`);
    await page.waitForSelector('[data-chart="accuracy"] canvas');
    await page.click('.theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.waitForTimeout(500);
    await shot('run-dashboard-dark');
    // Every other view in the dark theme too (screenshots as evidence, #15 item 9).
    for (const [hash, name, ready] of [['#/runs', 'runs-list-dark', 'tr[data-run]'], ['#/new', 'new-search-dark', '#f-benchmark'], ['#/view', 'viewer-dark', 'svg[data-figure]']] as const) {
      await page.goto(`${server.url}${hash}`);
      await page.waitForSelector(ready);
      await page.waitForTimeout(300);
      await shot(name);
    }
    expect(problems).toEqual([]);
  });
});
