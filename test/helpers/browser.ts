import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium for the browser tests (never a downloaded one). Without it the tests skip;
 * under CI they fail, since .ci/run installs it.
 */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
if (!CHROMIUM && process.env.CI) throw new Error('CI must install Debian chromium for the browser tests (see .ci/run)');

/** Headless, no sandbox (tests run as root here), no GPU, no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A 1400×1000 page whose console errors (a CSP violation included) and uncaught exceptions are
 * collected into `problems`; `ignore` drops console errors a test expects (e.g. while its server is down).
 */
export async function openPage(browser: Browser, problems: string[], o: { acceptDownloads?: boolean; ignore?: (text: string) => boolean } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, ...(o.acceptDownloads ? { acceptDownloads: true } : {}) });
  page.on('console', (m) => {
    if (m.type() === 'error' && !o.ignore?.(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return page;
}
