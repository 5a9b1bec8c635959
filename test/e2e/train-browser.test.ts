import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../helpers/browser';
import { startBrowserStudio, stopBrowserStudio } from '../helpers/studio-browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioServer } from '../../src-main/node/http-server';
import type { RunManager } from '../../src-main/node/run-manager';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

/**
 * Train → export → download in real Chromium against the server `l2nas serve` runs (issue #10):
 * a search run's best architecture is trained from its run view (a tiny NB201 network on a few
 * embedded MNIST digits: seconds), its dashboard shows the epochs and the test accuracy, and the
 * ONNX export is downloaded in the browser, byte for byte the file in exports/. Skipped without
 * chromium, as renderer-browser.test.ts.
 */
const ROOT = path.resolve(__dirname, '..', '..');

let manager: RunManager;
let server: StudioServer;
let browser: Browser;
let page: Page;
let runsDir: string;
const problems: string[] = [];

describe.skipIf(!CHROMIUM)('training a found architecture from the web UI', () => {
  beforeAll(async () => {
    runsDir = tempDir('train-browser');
    const csv = writeSyntheticNb201(path.join(runsDir, '..', `${path.basename(runsDir)}-nb201.csv`));
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'l2nas.cjs'), 'search', '--benchmark', csv, '--metric', 'acc', '--steps', '20', '--preset', 'nb201', '--out', path.join(runsDir, 'found'), '-q']);
    ({ manager, server, browser, page } = await startBrowserStudio(runsDir, problems, { acceptDownloads: true }));
  });

  afterAll(async () => {
    await stopBrowserStudio({ browser, server, manager });
  });

  it('trains the best architecture, shows its dashboard, exports ONNX and TF.js and downloads them; a longer run streams progress and pauses, resumes, cancels', async () => {
    const best = JSON.parse(fs.readFileSync(path.join(runsDir, 'found', 'result.json'), 'utf8')).best.arch as string;
    await page.goto(server.url);
    await page.waitForSelector('tr[data-run="found"]');
    await page.click('tr[data-run="found"] a');
    await page.waitForSelector('[data-best-arch]');
    await page.click('[data-action="train-arch"]');
    await page.waitForSelector('[data-form="train"]');

    // Field validation as the search form: aria-invalid + the message it points to; Start waits.
    await page.fill('#t-epochs', '0');
    await page.press('#t-epochs', 'Tab');
    expect(await page.getAttribute('#t-epochs', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#t-e-epochs')).toMatch(/Epochs must be a whole number from 1 to 1,000/);
    expect(await page.isDisabled('[data-action="start-training"]')).toBe(true);
    // A refusal only the server can make (more batch than images) is shown under its field.
    await page.fill('#t-epochs', '1');
    await page.fill('#t-channels', '4');
    await page.fill('#t-layers', '1');
    await page.fill('#t-trainImages', '64');
    await page.fill('#t-batchSize', '128');
    await page.click('[data-action="start-training"]');
    await page.waitForSelector('#t-batchSize[aria-invalid="true"]');
    expect(await page.textContent('#t-e-batchSize')).toMatch(/larger than the 64 training images/);
    await page.fill('#t-batchSize', '16');
    await page.click('[data-action="start-training"]');

    await page.waitForURL(/#\/train\//);
    const runId = decodeURIComponent(page.url().split('#/train/')[1]);
    await page.waitForSelector('.run-header [data-status="completed"]', { timeout: 120_000 });
    await page.waitForSelector('[data-result]');
    expect(await page.textContent('[data-train-arch]')).toBe(best);
    expect(await page.textContent('[data-stat="epoch"]')).toBe('1 / 1');
    expect(await page.textContent('[data-stat="test"]')).toMatch(/^\d+\.\d\d %$/);
    expect(await page.getAttribute('[data-chart="train-loss"]', 'data-points')).toBe('1');
    const config = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ kind: 'train', arch: best, preset: 'cpu', settings: { channels: 4, layers: 1, epochs: 1, batchSize: 16, trainImages: 64 } });

    const [onnx] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="model-onnx"]')]);
    expect(onnx.suggestedFilename()).toBe(`${runId}-model.onnx`);
    const got = fs.readFileSync((await onnx.path())!);
    const onServer = fs.readFileSync(path.join(runsDir, runId, 'exports', 'model.onnx'));
    // ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08.
    expect(got[0]).toBe(0x08);
    expect(got.equals(onServer)).toBe(true);
    await page.waitForSelector('[data-exported="model-onnx"]');

    // The TF.js graph model is two files: both are downloaded.
    const names: string[] = [];
    page.on('download', (d) => names.push(d.suggestedFilename()));
    await page.click('[data-export="model-tfjs"]');
    await page.waitForSelector('[data-exported="model-tfjs"]');
    await expect.poll(() => names.length).toBeGreaterThanOrEqual(3);
    expect(names).toEqual([`${runId}-model.json`, `${runId}-group1-shard1of1.bin`, `${runId}-README.txt`]);

    // The run list shows it as a training run; the viewer counts DARTS networks with the #10 counter.
    await page.goto(`${server.url.split('#')[0]}#/runs`);
    await page.waitForSelector(`tr[data-run="${runId}"] [data-col="test"]`);
    await page.goto(`${server.url.split('#')[0]}#/view`);
    await page.click('[data-example="DARTS-V2 (Liu et al. 2019)"]');
    await page.waitForSelector('[data-totals]:has-text("3.35M parameters")');
    // A longer run: the batch progress streams in (epoch, batch, loss, images/s, ETA); pause, resume and cancel from the dashboard.
    await page.goto(`${server.url.split('#')[0]}#/run/found`);
    await page.click('[data-action="train-arch"]');
    for (const [field, value] of [['epochs', '100'], ['channels', '2'], ['layers', '1'], ['trainImages', '64'], ['batchSize', '16']]) await page.fill(`#t-${field}`, value);
    await page.click('[data-action="start-training"]');
    await page.waitForURL(/#\/train\//);
    await page.waitForSelector('[data-training-now]', { timeout: 60_000 });
    expect(await page.textContent('[data-training-now]')).toMatch(/^epoch \d+\/100 · batch \d\/4 · loss \d+\.\d{3} · \d+ images\/s · ETA /);
    await page.click('[data-action="pause"]');
    await page.waitForSelector('.run-header [data-status="paused"]');
    await page.click('[data-action="resume"]');
    await page.waitForSelector('[data-training-now]', { timeout: 60_000 });
    await page.click('[data-action="cancel"]');
    await page.click('[data-action="confirm-cancel"]');
    await page.waitForSelector('.run-header [data-status="cancelled"]');

    // The one refusal asked for above (batch larger than the images) is a 400 the browser logs.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });
});
