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
 * "Start from the policy of run X" in real Chromium against the server `l2nas serve` runs
 * (issue #12): a policy pre-trained by the CLI on CIFAR-10 starts a CIFAR-100 search from the
 * new-search form; the run view names the policy and the reward. Skipped without chromium, as
 * renderer-browser.test.ts.
 */
const ROOT = path.resolve(__dirname, '..', '..');

let manager: RunManager;
let server: StudioServer;
let browser: Browser;
let page: Page;
let runsDir: string;
const problems: string[] = [];

describe.skipIf(!CHROMIUM)('fine-tuning run from the web UI', () => {
  beforeAll(async () => {
    requireSharedData();
    runsDir = tempDir('policy-browser');
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'l2nas.cjs'), 'search', '--benchmark', NB201_TEST_CSV, '--metric', 'cifar10', '--preset', 'transfer-pretrain-short', '--steps', '40', '--set', 'warmupSteps=10', '--out', path.join(runsDir, 'pre-c10'), '-q']);
    ({ manager, server, browser, page } = await startBrowserStudio(runsDir, problems));
  });

  afterAll(async () => {
    await stopBrowserStudio({ browser, server, manager });
  });

  it('starts a CIFAR-100 search from the policy of a CIFAR-10 run and shows where it came from', async () => {
    await page.goto(server.url);
    await page.waitForSelector('tr[data-run="pre-c10"]');
    await page.click('text=New search');
    await page.waitForSelector('#f-benchmark');
    await page.selectOption('#f-preset', 'transfer-finetune-short');
    await page.waitForSelector('#f-policy-run option[value="pre-c10"]', { state: 'attached' });
    await page.fill('#f-benchmark', NB201_TEST_CSV);
    await page.click('[data-action="check"]');
    await page.waitForSelector('[data-table-ok]');
    await page.selectOption('#f-metric', 'cifar100');
    await page.fill('#f-steps', '30');
    await page.selectOption('#f-policy-run', 'pre-c10');
    await page.click('[data-action="start"]');
    await page.waitForURL(/#\/run\//);
    const runId = decodeURIComponent(page.url().split('#/run/')[1]);
    await page.waitForSelector('.run-header [data-status="completed"]', { timeout: 120_000 });
    const line = await page.textContent('[data-reward]');
    expect(line).toContain('Eq. 7');
    expect(line).toContain('73.5133');
    expect(line).toContain('started from the policy of');
    expect(line).toContain('transfer-pretrain-short');
    const config = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'config.json'), 'utf8'));
    expect(config.policy).toMatchObject({ from: path.join(runsDir, 'pre-c10'), preset: 'transfer-pretrain-short', steps: 40 });
    expect(problems).toEqual([]);
  });
});
