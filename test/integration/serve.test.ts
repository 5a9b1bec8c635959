import * as http from 'node:http';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_REQUEST_BYTES, type StudioEvent } from '../../src-main/contracts/studio-api';
import { startStudioServer, type StudioServer } from '../../src-main/node/http-server';
import { RunManager } from '../../src-main/node/run-manager';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { NB201_TEST_CSV, requireSharedData } from '../helpers/shared-data';

const ENTRY = path.resolve(__dirname, '..', '..', 'out', 'node', 'workers', 'search-worker.js');
let server: StudioServer;
let manager: RunManager;

function request(opts: { path: string; method?: string; token?: string | null; host?: string; body?: string }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers: Record<string, string> = { Host: opts.host ?? `127.0.0.1:${server.port}` };
    if (opts.token !== null) headers.Authorization = `Bearer ${opts.token ?? server.token}`;
    if (opts.body) headers['Content-Type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port: server.port, path: opts.path, method: opts.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const call = (body: unknown, token?: string | null) => request({ path: '/api/call', method: 'POST', body: JSON.stringify(body), token });

beforeAll(async () => {
  requireSharedData();
  manager = new RunManager({ runsDir: tempDir('serve'), launch: forkNodeWorker, workerEntry: ENTRY, log: () => {} });
  server = await startStudioServer({ manager });
});
afterAll(async () => {
  await server.close();
  manager.dispose();
});

describe('l2nas serve', () => {
  it('listens on loopback only, with a fresh token each start', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    const other = await startStudioServer({ manager });
    expect(other.token).not.toBe(server.token);
    await other.close();
  });

  it('refuses requests without the token, with a wrong token, or a foreign Host header', async () => {
    expect((await call({ method: 'listRuns' }, null)).status).toBe(401);
    expect((await call({ method: 'listRuns' }, 'f'.repeat(48))).status).toBe(401);
    expect((await request({ path: '/', token: server.token, host: 'evil.example:80' })).status).toBe(421);
    const ok = await call({ method: 'listRuns' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [] });
  });

  it('answers bad calls with typed errors and changes nothing', async () => {
    const r = await call({ method: 'startSearch', request: { space: 'nb201' } });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe('invalid-request');
    expect((await request({ path: '/api/call', method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await call({ method: 'getRun', id: '../etc' })).status).toBe(400);
    expect((await call({ method: 'getRun', id: 'nope' })).status).toBe(404);
    expect((await call({ method: 'startSearch', request: { x: 'y'.repeat(MAX_REQUEST_BYTES) } })).status).toBe(413);
    expect(JSON.parse((await call({ method: 'listRuns' })).body).value).toEqual([]);
  });

  it('streams run events over the WebSocket (token required)', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
    await new Promise((resolve) => refused.on('error', resolve));
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const events: StudioEvent[] = [];
    ws.on('message', (m) => events.push(JSON.parse(String(m))));
    const start = await call({ method: 'startSearch', request: { space: 'nb201', method: 'rea', preset: 'nb201', benchmark: [NB201_TEST_CSV], metric: 'cifar10', report: [], steps: 30, seed: 1 } });
    expect(start.status).toBe(200);
    const { id } = JSON.parse(start.body).value;
    await manager.whenSettled(id);
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    expect(events.filter((e) => e.kind === 'event').length).toBe(30);
    expect(events.at(-1)).toMatchObject({ kind: 'status', runId: id, status: 'completed' });
  });
});
