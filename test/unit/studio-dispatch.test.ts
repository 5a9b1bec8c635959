import { describe, expect, it, vi } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../src-main/contracts/studio-api';
import { ConflictError, NotFoundError, type RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';

function fakeManager() {
  const calls: string[] = [];
  const rec = (name: string, value: unknown) => vi.fn(() => {
    calls.push(name);
    return value;
  });
  const m = {
    list: rec('list', []),
    get: vi.fn((id: string) => {
      calls.push('get');
      throw new NotFoundError(`no run "${id}"`);
    }),
    events: rec('events', []),
    start: rec('start', { id: 'r1' }),
    pause: vi.fn(async () => {
      calls.push('pause');
      throw new ConflictError('not running');
    }),
    resume: rec('resume', {}),
    cancel: rec('cancel', {}),
    delete: rec('delete', { deleted: true }),
    doctor: rec('doctor', { chosen: 'wasm', backends: [] }),
  };
  return { manager: m as unknown as RunManager, calls };
}

const validStart = {
  method: 'startSearch',
  request: { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: ['/t.csv'], metric: 'cifar10', report: [], seed: 0 },
};

describe('API dispatch (IPC and HTTP share it)', () => {
  it.each([
    ['null', null],
    ['a string', 'listRuns'],
    ['an array', [{ method: 'listRuns' }]],
    ['an unknown method', { method: 'rm -rf' }],
    ['a missing field', { method: 'getRun' }],
    ['a wrong type', { method: 'getRun', id: 42 }],
    ['a path in an id', { method: 'deleteRun', id: '../../etc' }],
    ['an extra field', { method: 'listRuns', sneaky: true }],
    ['a bad request field', { ...validStart, request: { ...validStart.request, seed: -1 } }],
    ['an unknown request field', { ...validStart, request: { ...validStart.request, exec: 'x' } }],
    ['an oversized call', { ...validStart, request: { ...validStart.request, benchmark: ['x'.repeat(MAX_REQUEST_BYTES)] } }],
  ])('rejects %s with a typed error and calls nothing', async (_name, raw) => {
    const { manager, calls } = fakeManager();
    const r = await dispatchStudioCall(manager, raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid-request');
      expect(r.error.message.length).toBeGreaterThan(10);
    }
    expect(calls).toEqual([]);
  });

  it('rejects values that cannot be serialised', async () => {
    const { manager, calls } = fakeManager();
    const cyclic: Record<string, unknown> = { method: 'listRuns' };
    cyclic.self = cyclic;
    expect((await dispatchStudioCall(manager, cyclic)).ok).toBe(false);
    expect(calls).toEqual([]);
  });

  it('passes valid calls through and maps manager errors to typed codes', async () => {
    const { manager, calls } = fakeManager();
    expect(await dispatchStudioCall(manager, { method: 'listRuns' })).toEqual({ ok: true, value: [] });
    expect(await dispatchStudioCall(manager, validStart)).toEqual({ ok: true, value: { id: 'r1' } });
    expect(await dispatchStudioCall(manager, { method: 'getRun', id: 'r9' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatchStudioCall(manager, { method: 'pauseRun', id: 'r1' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(calls).toEqual(['list', 'start', 'get', 'pause']);
  });
});
