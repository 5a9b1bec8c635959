// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src-main/contracts/run';
import type { RunDetail, RunSummary, StudioEvent } from '../../src-main/contracts/studio-api';
import { reconnectDelay, RECONNECT_MAX_MS } from '../../src-renderer/api/studio-client';
import { useStudio } from '../../src-renderer/stores/studio';

/**
 * The serve client and the store against a fake server (fetch + WebSocket stubbed): the event
 * stream reconnects with capped exponential backoff, says where it stands, and after a
 * reconnection fetches what an open run missed (getEvents from its last step) and the run list;
 * query events move the run list's row at once (issue #9 items 6 and 7).
 */

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close(): void {
    this.onclose?.();
  }
  send(e: StudioEvent): void {
    this.onmessage?.({ data: JSON.stringify(e) });
  }
}

const ID = 'r1';
const event = (step: number): RunEvent => ({ step, arch: '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', key: 'k', value: 50 + step / 100, reward: 1, best: 50 + step / 100, phase: 'explore', epsilon: 1, criticLoss: null, actorLoss: null, seconds: step / 10 });
const summary = (stepsDone: number, status: RunSummary['status'] = 'running'): RunSummary => ({ id: ID, dir: '/runs/r1', status, error: null, space: 'nb201', estimator: 'table', method: 'l2nas', preset: 'nb201', metric: 'acc', steps: 1000, stepsDone, best: null, seconds: null, createdAt: '2026-12-01T00:00:00Z' });

/** The fake server's state: its events file, whether it answers, and the calls it got. */
const server = { up: true, events: [] as RunEvent[], status: 'running' as RunSummary['status'], calls: [] as { method: string; from?: number }[] };

function reply(c: { method: string; from?: number }): unknown {
  if (c.method === 'listRuns') return [summary(server.events.length, server.status)];
  if (c.method === 'getRun') return { summary: summary(server.events.length, server.status), config: { space: 'nb201', agent: { topK: 4 } }, result: null, training: [] } as unknown as RunDetail;
  if (c.method === 'getEvents') return server.events.slice(c.from ?? 0);
  if (c.method === 'doctor') return { chosen: 'wasm', backends: [], webgpu: { adapters: [], notFound: [] } };
  throw new Error(`unexpected call ${c.method}`);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('fetch', async (_url: string, init: { method: string; body?: string }) => {
    if (!server.up) throw new TypeError('Failed to fetch');
    if (init.method === 'HEAD') return { status: 405, text: async () => '' };
    const c = JSON.parse(init.body!);
    server.calls.push(c);
    return { status: 200, text: async () => JSON.stringify({ ok: true, value: reply(c) }) };
  });
  setActivePinia(createPinia());
});
afterEach(() => {
  useStudio().disconnect();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('reconnect backoff', () => {
  it('doubles from 250 ms and is capped at a few seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(reconnectDelay)).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(RECONNECT_MAX_MS).toBeLessThanOrEqual(5000);
  });
});

describe('the store survives its server', () => {
  it('says the server is unreachable, retries with backoff, then fetches the missed events and the run list', async () => {
    server.events = [0, 1, 2].map(event);
    const studio = useStudio();
    studio.connect();
    expect(studio.serverDown).toBe(false); // first connection under way: no banner yet
    FakeSocket.all[0].onopen!();
    await vi.advanceTimersByTimeAsync(0);
    expect(studio.connection.state).toBe('connected');
    const run = await studio.openRun(ID);
    expect(run.series.length).toBe(3);

    // Live events move the dashboard and the run list's row at once.
    server.events.push(event(3));
    FakeSocket.all[0].send({ kind: 'event', runId: ID, event: event(3) });
    expect(run.series.length).toBe(4);
    expect(studio.runs[0].stepsDone).toBe(4);
    expect(studio.runs[0].best).toBeCloseTo(50.03, 6);

    // The server goes away; the run goes on writing events no one streams.
    server.up = false;
    FakeSocket.all[0].close();
    await vi.advanceTimersByTimeAsync(0);
    expect(studio.connection).toEqual({ state: 'unreachable', attempt: 1, retryInMs: 250 });
    expect(studio.serverDown).toBe(true);
    server.events.push(...[4, 5, 6, 7].map(event));
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].close(); // still down
    await vi.advanceTimersByTimeAsync(0);
    expect(studio.connection).toEqual({ state: 'unreachable', attempt: 2, retryInMs: 500 });
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(2); // waits the backoff out
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);

    // A call made while down fails with a sentence, not "Failed to fetch".
    await expect(studio.control(ID, 'pauseRun')).rejects.toThrow(/server does not answer.*reconnects by itself/);

    // Back: the store re-reads the run list and fetches the run's missed events from its last step.
    server.up = true;
    server.status = 'completed';
    server.calls = [];
    FakeSocket.all[2].onopen!();
    await vi.advanceTimersByTimeAsync(0);
    expect(studio.connection.state).toBe('connected');
    expect(studio.serverDown).toBe(false);
    expect(server.calls).toContainEqual({ method: 'getEvents', id: ID, from: 4 });
    expect(server.calls.map((c) => c.method)).toContain('listRuns');
    expect(run.series.step).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(run.detail.summary.status).toBe('completed');
    expect(studio.runs[0]).toMatchObject({ status: 'completed', stepsDone: 8 });
  });

  it('polls the run list while a run is running (runs made by the CLI stream no events here)', async () => {
    server.events = [0].map(event);
    server.status = 'running';
    const studio = useStudio();
    studio.connect();
    FakeSocket.all[0].onopen!();
    await vi.advanceTimersByTimeAsync(0);
    expect(studio.runs[0].stepsDone).toBe(1);
    server.events.push(...[1, 2].map(event)); // written with no event on this socket
    await vi.advanceTimersByTimeAsync(5000);
    expect(studio.runs[0].stepsDone).toBe(3);
    server.status = 'completed';
    await vi.advanceTimersByTimeAsync(5000);
    server.calls = [];
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.calls).toEqual([]); // nothing running: no polling
  });
});
