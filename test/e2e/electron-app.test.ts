import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { StudioApi, StudioEvent } from '../../src-main/contracts/studio-api';
import { findElectronBinary } from '../helpers/electron-binary';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_TEST_CSV } from '../helpers/shared-data';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs only where an Electron binary is already installed (never downloads one) and a display exists. */
function canLaunch(): { binary: string | null; reason: string } {
  const found = findElectronBinary();
  if (!found.path) return { binary: null, reason: found.reason };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { binary: null, reason: 'no display (DISPLAY / WAYLAND_DISPLAY unset): run the test under xvfb-run' };
  }
  return { binary: found.path, reason: 'found' };
}

const target = canLaunch();
if (!target.binary) console.warn(`[e2e] Electron app test skipped: ${target.reason}`);

// The page functions below run in the renderer; `globalThis` is its window.
type PageGlobal = { api: StudioApi; require?: unknown; process?: unknown };

describe('Electron app end to end (Playwright _electron)', () => {
  it.skipIf(!target.binary)(
    'launches the app, starts a 30-step NAS-Bench-201 search through window.api and sees events arrive',
    async () => {
      // Forge's Vite build of main, preload, worker and renderer into .vite/ (its prePackage step).
      const pkg = spawnSync('npx', ['electron-forge', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
      expect(pkg.status, `${pkg.stdout}\n${pkg.stderr}`).toBe(0);
      expect(fs.existsSync(path.join(ROOT, '.vite', 'build', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(ROOT, '.vite', 'renderer', 'main_window', 'index.html'))).toBe(true);
      // Chromium refuses to start as root with its OS sandbox on (CI containers run as root).
      const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
      const app = await electron.launch({
        executablePath: target.binary!,
        args: [...rootArgs, ROOT],
        env: { ...process.env, L2NAS_RUNS_DIR: tempDir('e2e-runs') },
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        expect(await page.textContent('h1')).toContain('Studio');

        // Context isolation: no Node in the page; the CSP forbids eval.
        const isolation = await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobal;
          let evalBlocked = false;
          try {
            new Function('return 1')();
          } catch {
            evalBlocked = true;
          }
          return { noRequire: g.require === undefined, noProcess: g.process === undefined, hasApi: typeof g.api?.call === 'function', evalBlocked };
        });
        expect(isolation).toEqual({ noRequire: true, noProcess: true, hasApi: true, evalBlocked: true });

        const outcome = await page.evaluate(async (csv) => {
          const api = (globalThis as unknown as PageGlobal).api;
          const steps: number[] = [];
          let off: () => void = () => {};
          const settled = new Promise<StudioEvent>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no terminal status after 300 s (${steps.length} events)`)), 300_000);
            off = api.onEvent((e) => {
              if (e.kind === 'event') steps.push(e.event.step);
              else if (e.kind === 'status' && e.status !== 'running') {
                clearTimeout(timer);
                resolve(e);
              }
            });
          });
          const r = await api.call({ method: 'startSearch', request: { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: [csv], metric: 'cifar10', report: [], steps: 30, seed: 0 } });
          if (!r.ok) throw new Error(`startSearch: ${r.error.code}: ${r.error.message}`);
          const last = await settled;
          off();
          const list = await api.call({ method: 'listRuns' });
          return { id: r.value.id, last, steps, list };
        }, NB201_TEST_CSV);
        expect(outcome.last).toMatchObject({ kind: 'status', runId: outcome.id, status: 'completed', error: null });
        expect(outcome.steps).toEqual(Array.from({ length: 30 }, (_, i) => i));
        expect(outcome.list).toMatchObject({ ok: true, value: [{ id: outcome.id, status: 'completed', stepsDone: 30 }] });

        // The Vue renderer lists the run and opens its dashboard with the 30 queries charted.
        await page.locator(`tr[data-run="${outcome.id}"]`, { hasText: '30 / 30' }).waitFor({ timeout: 10_000 });
        await page.click(`tr[data-run="${outcome.id}"] a`);
        await page.locator('[data-chart="accuracy"][data-points="30"] canvas').waitFor({ timeout: 10_000 });
        expect(await page.locator('svg[data-figure="nb201-cell"] g.edge').count()).toBe(6);

        // A malformed call is refused with a typed error and changes nothing.
        const bad = await page.evaluate(async () => (globalThis as unknown as { api: { call: (c: unknown) => Promise<unknown> } }).api.call({ method: 'deleteRun', id: '../..' }));
        expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      } finally {
        await app.close();
      }
    },
    900_000,
  );
});
