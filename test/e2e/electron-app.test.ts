import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../helpers/electron-binary';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_TEST_CSV } from '../helpers/shared-data';

const ROOT = path.resolve(__dirname, '..', '..');
const binary = findElectronBinary();
if (!binary.path) console.warn(`[e2e] Electron app test skipped: ${binary.reason}`);

describe('Electron app end to end (Playwright _electron)', () => {
  it.skipIf(!binary.path)(
    'launches the app, starts a short NAS-Bench-201 search through window.api and sees events arrive',
    async () => {
      // Forge's Vite build of main, preload, worker and renderer into .vite/.
      const pkg = spawnSync('npx', ['electron-forge', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
      expect(pkg.status, pkg.stderr).toBe(0);
      expect(fs.existsSync(path.join(ROOT, '.vite', 'build', 'index.js'))).toBe(true);
      const app = await electron.launch({
        executablePath: binary.path!,
        args: [ROOT],
        env: { ...process.env, L2NAS_RUNS_DIR: tempDir('e2e-runs') },
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        const isolated = await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require === 'undefined' && typeof (window as unknown as { process?: unknown }).process === 'undefined');
        expect(isolated).toBe(true);
        const steps = await page.evaluate(async (csv) => {
          const api = (window as unknown as { api: import('../../src-main/contracts/studio-api').StudioApi }).api;
          const seen: number[] = [];
          const done = new Promise<void>((resolve) =>
            api.onEvent((e) => {
              if (e.kind === 'event') seen.push(e.event.step);
              if (e.kind === 'status' && e.status === 'completed') resolve();
            }),
          );
          const r = await api.call({ method: 'startSearch', request: { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: [csv], metric: 'cifar10', report: [], steps: 30, seed: 0 } });
          if (!r.ok) throw new Error(r.error.message);
          await done;
          return seen;
        }, NB201_TEST_CSV);
        expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i));
        const bad = await page.evaluate(async () => (window as unknown as { api: { call: (c: unknown) => Promise<unknown> } }).api.call({ method: 'deleteRun', id: '../..' }));
        expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      } finally {
        await app.close();
      }
    },
    900_000,
  );
});
