import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from '../../src-main/node/http-server';
import { RunManager } from '../../src-main/node/run-manager';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { launchChromium, openPage } from './browser';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKERS = path.join(ROOT, 'out', 'node', 'workers');

/** What a browser e2e drives: the run manager, `l2nas serve`'s server, Debian Chromium and its page. */
export interface BrowserStudio {
  manager: RunManager;
  server: StudioServer;
  browser: Browser;
  page: Page;
}

/**
 * The web UI as `l2nas serve` runs it, on `runsDir`: a run manager with the built search and
 * training workers (out/node/workers), the server with the built renderer (out/renderer), and a
 * Chromium page whose console errors and uncaught exceptions go into `problems`.
 */
export async function startBrowserStudio(runsDir: string, problems: string[], o: { acceptDownloads?: boolean } = {}): Promise<BrowserStudio> {
  const s: Partial<BrowserStudio> = {};
  try {
    s.manager = new RunManager({ runsDir, launch: forkNodeWorker, workerEntry: path.join(WORKERS, 'search-worker.js'), trainingWorkerEntry: path.join(WORKERS, 'training-worker.js'), log: () => {} });
    s.server = await startStudioServer({ manager: s.manager, staticDir: path.join(ROOT, 'out', 'renderer') });
    s.browser = await launchChromium();
    s.page = await openPage(s.browser, problems, o);
    return s as BrowserStudio;
  } catch (e) {
    await stopBrowserStudio(s);
    throw e;
  }
}

/** Closes what startBrowserStudio started (any part may be missing when a set-up failed). */
export async function stopBrowserStudio(s: Partial<BrowserStudio>): Promise<void> {
  await s.browser?.close();
  await s.server?.close();
  s.manager?.dispose();
}
