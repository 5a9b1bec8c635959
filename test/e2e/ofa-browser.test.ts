import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as ort from 'onnxruntime-node';
import { CHROMIUM } from '../helpers/browser';
import { startBrowserStudio, stopBrowserStudio } from '../helpers/studio-browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, RunEventSchema, RunResultSchema } from '../../src-main/contracts/run';
import { checkDataset } from '../../src-main/node/datasets';
import type { StudioServer } from '../../src-main/node/http-server';
import type { RunManager } from '../../src-main/node/run-manager';
import { tempDir } from '../helpers/fixture-tables';

/**
 * An OFA search from the web UI, end to end (issue #11 items 5–7), in real Chromium against the
 * server `l2nas serve` runs: the new-search form's OFA space with a tiny supernet (w0.10, three
 * stride-2 steps, 64 embedded MNIST digits, one epoch) under a MAC budget; the run goes to the
 * end; its dashboard draws the best subnet as the Figure 3 strip with its MACs and parameters and
 * says that over-budget subnets are rejected before querying; the best subnet downloads as OFA's
 * set_active_subnet config (with the run's resolution r) and as ONNX with the supernet's
 * weights, byte for byte the files in the run's exports/ and those `l2nas export` writes for the
 * run, and the ONNX runs in onnxruntime.
 * Skipped without chromium, as renderer-browser.test.ts.
 */
const ROOT = path.resolve(__dirname, '..', '..');

let manager: RunManager;
let server: StudioServer;
let browser: Browser;
let page: Page;
let runsDir: string;
const problems: string[] = [];

describe.skipIf(!CHROMIUM)('an OFA search from the web UI', () => {
  beforeAll(async () => {
    runsDir = tempDir('ofa-browser');
    ({ manager, server, browser, page } = await startBrowserStudio(runsDir, problems, { acceptDownloads: true }));
  });

  afterAll(async () => {
    await stopBrowserStudio({ browser, server, manager });
  });

  it('searches a tiny OFA supernet under a MAC budget, draws the best subnet as Figure 3 with its MACs, and exports its config (with r) and ONNX', async () => {
    await page.goto(server.url);
    await page.click('text=New search');
    await page.waitForSelector('#f-space');
    await page.selectOption('#f-space', 'ofa');
    await page.selectOption('#f-estimator', 'supernet');
    await page.waitForSelector('#f-sn-maxMacs');
    // The form says what the budget does before the run starts.
    expect(await page.textContent('[data-budget-rule]')).toMatch(/rejected before querying/);
    for (const [id, value] of [['#f-sn-epochs', '1'], ['#f-sn-C', '10'], ['#f-sn-N', '3'], ['#f-sn-batchSize', '16'], ['#f-sn-trainImages', '64'], ['#f-sn-maxMacs', '6'], ['#f-sn-randomArchitectures', '2'], ['#f-steps', '12'], ['#f-warmupSteps', '4']]) await page.fill(id, value);
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run\//);
    const runId = decodeURIComponent(page.url().split('#/run/')[1]);
    const dir = path.join(runsDir, runId);

    // The dashboard: the budget and its rule from the start, Figure 3 once a subnet within it was queried.
    await page.waitForSelector('[data-budget]', { timeout: 60_000 });
    expect(await page.textContent('[data-budget]')).toMatch(/MAC budget 6 million per image: subnets above it are rejected before querying/);
    await page.waitForSelector('.best-arch [data-figure="ofa-strip"]', { timeout: 120_000 });
    await page.waitForSelector('.run-header [data-status="completed"]', { timeout: 120_000 });

    const config = RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
    expect(config).toMatchObject({ space: 'ofa', method: 'l2nas', steps: 12, estimator: { kind: 'supernet', C: 10, N: 3, epochs: 1, batchSize: 16, trainImages: 64, randomArchitectures: 2, maxMacs: 6 } });
    const events = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => RunEventSchema.parse(JSON.parse(l)));
    expect(events).toHaveLength(12);
    for (const e of events) {
      expect(e.macs).toBeGreaterThan(0);
      expect(e.overBudget === true).toBe(e.macs! > 6e6); // rejected exactly when over the budget
      if (e.overBudget) expect(e.value).toBe(0);
    }
    const over = events.filter((e) => e.overBudget).length;
    expect(over).toBeGreaterThan(0); // the budget bites (seeded: the same run every time)...
    expect(over).toBeLessThan(10); // ...and leaves subnets to compare
    const result = RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')));
    const best = events.find((e) => e.step === result.best.step)!;
    expect(best.overBudget).toBeUndefined();
    expect(best.macs).toBeLessThanOrEqual(6e6);

    // Figure 3: one block per active layer of the best subnet, kernel and expand ratio as it has them.
    const cfg = JSON.parse(result.best.arch) as { ks: number[]; e: number[]; d: number[] };
    const drawn = await page.$$eval('.best-arch [data-figure="ofa-strip"] [data-layer]', (els) => els.map((b) => [Number(b.getAttribute('data-layer')), Number(b.getAttribute('data-kernel')), Number(b.getAttribute('data-expand'))]));
    expect(drawn[0]).toEqual([-1, 3, 1]); // OFA's fixed first MBConv (e = 1, k = 3)
    const blocks = drawn.slice(1);
    const active = cfg.d.flatMap((d, u) => Array.from({ length: d }, (_, j) => u * 4 + j));
    expect(blocks.map((b) => b[0])).toEqual(active);
    for (const [layer, k, e] of blocks) expect([k, e]).toEqual([cfg.ks[layer], cfg.e[layer]]);
    const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`);
    const cost = await page.textContent('[data-best-cost]');
    expect(cost).toContain(`${fmt(best.macs!)} MACs per image`);
    expect(cost).toContain(`${fmt(best.params!)} parameters`);
    expect(cost).toContain('within the budget of 6 M MACs');
    expect(await page.textContent('[data-budget]')).toContain(`${over} of 12 queries so far were over it`);

    // The OFA config: exactly what set_active_subnet takes, with the run's resolution (the embedded MNIST's 28 px).
    const [arch] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="arch"]')]);
    expect(arch.suggestedFilename()).toBe(`${runId}-best-arch.json`);
    const archBytes = fs.readFileSync((await arch.path())!);
    expect(archBytes.equals(fs.readFileSync(path.join(dir, 'exports', 'best-arch.json')))).toBe(true);
    const ofa = JSON.parse(archBytes.toString('utf8'));
    expect(Object.keys(ofa)).toEqual(['ks', 'e', 'd', 'r']);
    expect(ofa).toEqual({ ...cfg, r: checkDataset({ kind: 'mnist-embedded' }).height });
    expect(ofa.r).toBe(28);
    await page.waitForSelector('[data-exported="arch"]');

    // ONNX with the supernet's weights: made by a worker, downloaded with its README.
    const names: string[] = [];
    page.on('download', (d) => names.push(d.suggestedFilename()));
    const [onnx] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('[data-export="model-onnx"]')]);
    expect(onnx.suggestedFilename()).toBe(`${runId}-model.onnx`);
    const got = fs.readFileSync((await onnx.path())!);
    const onServer = fs.readFileSync(path.join(dir, 'exports', 'model.onnx'));
    expect(got[0]).toBe(0x08); // ModelProto field 1 (ir_version)
    expect(got.equals(onServer)).toBe(true);
    await page.waitForSelector('[data-exported="model-onnx"]');
    await expect.poll(() => names.length).toBeGreaterThanOrEqual(2);
    expect(names).toEqual([`${runId}-model.onnx`, `${runId}-README.txt`]);
    expect(fs.readFileSync(path.join(dir, 'exports', 'README.txt'), 'utf8')).toMatch(/BN statistics recalibrated on \d+ training images/);
    // It runs without any OFA code: 28×28×1 digits in NCHW, ten logits each.
    const session = await ort.InferenceSession.create(got);
    const x = new ort.Tensor('float32', new Float32Array(2 * 28 * 28).fill(0.5), [2, 1, 28, 28]);
    const logits = (await session.run({ input: x })).logits;
    expect(logits.dims).toEqual([2, 10]);
    expect([...(logits.data as Float32Array)].every(Number.isFinite)).toBe(true);
    // The same bytes as `l2nas export` writes for this run (one export path, CLI and app).
    const cli = path.join(runsDir, '..', `${path.basename(runsDir)}-cli-export`);
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'l2nas.cjs'), 'export', dir, '--format', 'ofa,onnx', '--out', cli], { stdio: 'pipe' });
    expect(fs.readFileSync(path.join(cli, 'model.onnx')).equals(got)).toBe(true);
    expect(fs.readFileSync(path.join(cli, 'ofa-subnet.json')).equals(archBytes)).toBe(true);

    expect(problems).toEqual([]);
  }, 300_000);
});
