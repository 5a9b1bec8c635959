import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunEvents, readRunResult, readRunStatus } from '../../src-main/node/run-folder';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

/** Every event field but the wall-clock seconds. */
const queries = (dir: string) => readRunEvents(dir).map(({ seconds: _s, ...e }) => e);

describe('l2nas serve on SIGTERM', () => {
  it('pauses its live runs (checkpoint written, status paused) instead of killing them, and they resume to the uninterrupted result', async () => {
    const work = tempDir('serve-sigterm');
    const runs = path.join(work, 'runs');
    const table = writeSyntheticNb201(path.join(work, 'table.csv'));
    const serve = spawn(process.execPath, [BIN, 'serve', '--runs', runs], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
      serve.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve({ port: Number(m[1]), token: m[2] });
        }
      });
    });
    const call = async (body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${url.port}/api/call`, { method: 'POST', headers: { Authorization: `Bearer ${url.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await r.json()) as { ok: boolean; value?: { id: string }; error?: { message: string } };
    };
    const request = { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: [table], metric: 'acc', report: [], steps: 300, seed: 4, checkpointEvery: 10 };
    const started = await call({ method: 'startSearch', request });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const dir = path.join(runs, started.value!.id);
    const t0 = Date.now();
    while (readRunEvents(dir).length < 25 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(readRunEvents(dir).length).toBeGreaterThanOrEqual(25);

    const exited = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
    const tStop = Date.now();
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - tStop).toBeLessThan(5000); // pause + at most 2 s grace
    expect(readRunStatus(dir)?.status).toBe('paused');
    expect(readRunResult(dir)).toBeNull();
    const kept = readRunEvents(dir).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(300);

    const resumed = spawnSync(process.execPath, [BIN, 'resume', dir, '-q'], { cwd: work, encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    const whole = path.join(work, 'whole');
    const ref = spawnSync(process.execPath, [BIN, 'search', '--benchmark', table, '--metric', 'acc', '--steps', '300', '--seed', '4', '--preset', 'nb201', '--checkpoint-every', '10', '--out', whole, '-q'], { cwd: work, encoding: 'utf8' });
    expect(ref.status, ref.stderr).toBe(0);
    expect(queries(dir)).toEqual(queries(whole));
    expect(readRunResult(dir)?.best).toEqual(readRunResult(whole)?.best);
    expect(fs.existsSync(path.join(dir, 'run.lock'))).toBe(false);
  }, 180_000);
});
