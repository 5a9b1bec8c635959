import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../src-main/contracts/studio-api';
import { ConflictError, NotFoundError, type RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

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
    doctor: rec('doctor', { chosen: 'wasm', backends: [], webgpu: { adapters: [], notFound: [] } }),
  };
  return { manager: m as unknown as RunManager, calls };
}

// startSearch reads its table (bounded, off the event loop in serve) before the manager starts.
const TABLE = writeSyntheticNb201(path.join(tempDir('dispatch-start'), 't.csv'), ['cifar10']);
const validStart = {
  method: 'startSearch',
  request: { space: 'nb201', method: 'l2nas', preset: 'nb201', benchmark: [TABLE], metric: 'cifar10', report: [], seed: 0 },
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
    ['a table search in the DARTS space', { ...validStart, request: { ...validStart.request, space: 'darts' } }],
    ['an export of an unknown kind', { method: 'exportRun', id: 'r1', what: 'model-keras' }],
    ['a file dialog with a bad extension', { method: 'pickFile', title: 't', extensions: ['../x'] }],
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

  it('checks benchmark tables exactly as a search reads them, naming file and line', async () => {
    const dir = tempDir('dispatch');
    const good = writeSyntheticNb201(path.join(dir, 'good.csv'), ['acc', 'acc2']);
    const { manager } = fakeManager();
    expect(await dispatchStudioCall(manager, { method: 'checkTable', space: 'nb201', files: [good] })).toEqual({ ok: true, value: { rows: 15625, columns: ['acc', 'acc2'], files: [good] } });
    const bad = writeSyntheticNb201(path.join(dir, 'bad.csv'), ['acc'], (lines) => (lines[5] = '4,|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|,1'));
    const r = await dispatchStudioCall(manager, { method: 'checkTable', space: 'nb201', files: [bad] });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    if (!r.ok) expect(r.error.message).toMatch(/bad\.csv:6/);
    const missing = await dispatchStudioCall(manager, { method: 'checkTable', space: 'nb201', files: [path.join(dir, 'none.csv')] });
    expect(missing).toMatchObject({ ok: false });
    if (!missing.ok) expect(missing.error.message).toContain('none.csv');
  });

  it('offers file dialogs only where the host has them (the app), with a clear error in serve', async () => {
    const { manager } = fakeManager();
    const call = { method: 'pickFile', title: 'Benchmark table', extensions: ['csv'] };
    const serve = await dispatchStudioCall(manager, call);
    expect(serve).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    if (!serve.ok) expect(serve.error.message).toMatch(/desktop app/);
    expect(await dispatchStudioCall(manager, call, { pickFile: async () => ['/a.csv'] })).toEqual({ ok: true, value: { paths: ['/a.csv'] } });
  });

  it('reads back an export by its bare name only (the app\'s download), never outside exports/', async () => {
    const runDir = path.join(tempDir('dispatch-export'), 'r1');
    fs.mkdirSync(path.join(runDir, 'exports'), { recursive: true });
    fs.writeFileSync(path.join(runDir, 'exports', 'history.csv'), 'step,value\n0,1\n');
    fs.writeFileSync(path.join(runDir, 'config.json'), '{"secret":1}');
    fs.symlinkSync(path.join(runDir, 'config.json'), path.join(runDir, 'exports', 'linked.json'));
    const manager = { get: (id: string) => {
      if (id !== 'r1') throw new NotFoundError(`no run "${id}"`);
      return { summary: { dir: runDir } };
    } } as unknown as RunManager;
    const ok = await dispatchStudioCall(manager, { method: 'readExport', id: 'r1', name: 'history.csv' });
    expect(ok).toEqual({ ok: true, value: { name: 'history.csv', type: 'text/csv; charset=utf-8', bytes: 15, base64: Buffer.from('step,value\n0,1\n').toString('base64') } });
    for (const name of ['../config.json', '.hidden', 'a/b.csv', 'linked.json']) {
      const r = await dispatchStudioCall(manager, { method: 'readExport', id: 'r1', name });
      expect(r, name).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
      if (!r.ok) expect(r.error.message).not.toContain('secret');
    }
    expect(await dispatchStudioCall(manager, { method: 'readExport', id: 'r1', name: 'none.csv' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatchStudioCall(manager, { method: 'readExport', id: 'r2', name: 'history.csv' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
