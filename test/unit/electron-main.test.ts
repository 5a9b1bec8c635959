import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { registerIpc } from '../../src-main/main/ipc';
import { appUrlMatcher, CSP, hardenSession, hardenWindow } from '../../src-main/main/security';
import { forkUtilityWorker } from '../../src-main/main/utility-worker';

// The main-process modules run against a fake 'electron' (the binary cannot be downloaded
// here); the end-to-end test in test/e2e drives the real app where Electron exists.
// vi.mock is hoisted above the imports.
const { handlers, forks } = vi.hoisted(() => ({
  handlers: new Map<string, (...a: unknown[]) => unknown>(),
  forks: [] as { entry: string; options: unknown; child: unknown }[],
}));
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const { PassThrough: Pipe } = await import('node:stream');
  return {
    dialog: { showOpenDialog: async () => ({ canceled: false, filePaths: ['/data/table.csv'] }) },
    ipcMain: {
      handle: (ch: string, fn: (...a: unknown[]) => unknown) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch),
    },
    utilityProcess: {
      fork: (entry: string, _args: string[], options: unknown) => {
        const child = Object.assign(new Emitter(), {
          pid: 4242 as number | undefined,
          stdout: new Pipe(),
          stderr: new Pipe(),
          posted: [] as unknown[],
          killed: 0,
          postMessage(m: unknown) {
            this.posted.push(m);
          },
          kill() {
            this.killed++;
            return true;
          },
        });
        forks.push({ entry, options, child });
        return child;
      },
    },
  };
});

function fakeWindow(url: string) {
  const mainFrame = { url, parent: null };
  const sent: unknown[] = [];
  const webContents = {
    mainFrame,
    send: (_ch: string, ev: unknown) => sent.push(ev),
    on: vi.fn(),
    setWindowOpenHandler: vi.fn(),
  };
  return { win: { webContents, isDestroyed: () => false }, sent, mainFrame };
}

describe('Electron main process (with a fake electron module)', () => {
  it('answers IPC calls only from the Studio window main frame on the app page', async () => {
    const listeners: ((e: unknown) => void)[] = [];
    const manager = { list: vi.fn(() => []), onEvent: (cb: (e: unknown) => void) => (listeners.push(cb), () => {}) };
    const { win, sent, mainFrame } = fakeWindow('file:///app/index.html');
    const isAppUrl = (u: string) => u === 'file:///app/index.html';
    registerIpc(manager as never, win as never, isAppUrl);
    const handler = handlers.get('studio:call')!;
    const ok = await handler({ sender: win.webContents, senderFrame: mainFrame }, { method: 'listRuns' });
    expect(ok).toEqual({ ok: true, value: [] });
    const foreignFrame = await handler({ sender: win.webContents, senderFrame: { url: 'https://evil.example/' } }, { method: 'listRuns' });
    expect(foreignFrame).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    const otherSender = await handler({ sender: {}, senderFrame: mainFrame }, { method: 'listRuns' });
    expect(otherSender).toMatchObject({ ok: false });
    const subframe = await handler({ sender: win.webContents, senderFrame: { url: mainFrame.url, parent: mainFrame } }, { method: 'listRuns' });
    expect(subframe).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    const noFrame = await handler({ sender: win.webContents, senderFrame: null }, { method: 'listRuns' });
    expect(noFrame).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(manager.list).toHaveBeenCalledTimes(1);
    // The native file dialog exists only in the app: main answers with the chosen paths.
    const picked = await handler({ sender: win.webContents, senderFrame: mainFrame }, { method: 'pickFile', title: 'Benchmark table', extensions: ['csv'] });
    expect(picked).toEqual({ ok: true, value: { paths: ['/data/table.csv'] } });
    listeners[0]({ kind: 'status', runId: 'r', status: 'running', error: null });
    expect(sent).toHaveLength(1);
  });

  it('sets a strict CSP on responses and denies every permission, navigation and new window', () => {
    let headersCb: ((d: unknown, cb: (r: unknown) => void) => void) | null = null;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    hardenSession({
      webRequest: { onHeadersReceived: (cb: typeof headersCb) => (headersCb = cb) },
      setPermissionRequestHandler: (cb: typeof permission) => (permission = cb),
      setPermissionCheckHandler: (cb: typeof check) => (check = cb),
    } as never);
    let out: { responseHeaders: Record<string, string[]> } | null = null;
    headersCb!({ responseHeaders: {} }, (r) => (out = r as typeof out));
    expect(out!.responseHeaders['Content-Security-Policy']).toEqual([CSP]);
    expect(CSP).toContain("default-src 'self'");
    expect(CSP).not.toContain('unsafe-inline');
    expect(CSP).not.toMatch(/'unsafe-eval'/);
    const answers: boolean[] = [];
    permission!({}, 'camera', (ok) => answers.push(ok));
    expect(answers).toEqual([false]);
    expect(check!()).toBe(false);

    const { win } = fakeWindow('file:///app/index.html');
    hardenWindow(win as never, (u: string) => u.startsWith('file:///app/'));
    const [event, nav] = win.webContents.on.mock.calls[0] as [string, (e: { preventDefault: () => void }, url: string) => void];
    expect(event).toBe('will-navigate');
    const prevent = vi.fn();
    nav({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    const open = win.webContents.setWindowOpenHandler.mock.calls[0][0] as () => { action: string };
    expect(open()).toEqual({ action: 'deny' });
  });

  it('knows our own page: the packaged index.html, or the dev server origin', () => {
    const packaged = appUrlMatcher(undefined, '/opt/L2NAS Studio/resources/app.asar/.vite/renderer/main_window/index.html');
    expect(packaged('file:///opt/L2NAS%20Studio/resources/app.asar/.vite/renderer/main_window/index.html')).toBe(true);
    expect(packaged('file:///opt/L2NAS%20Studio/resources/app.asar/.vite/renderer/main_window/index.html#/runs?x=1')).toBe(true);
    expect(packaged('file:///etc/passwd')).toBe(false);
    expect(packaged('file:///evil/opt/L2NAS%20Studio/resources/app.asar/.vite/renderer/main_window/index.html')).toBe(false);
    expect(packaged('https://evil.example/opt/L2NAS%20Studio/resources/app.asar/.vite/renderer/main_window/index.html')).toBe(false);
    expect(packaged('not a url')).toBe(false);
    expect(packaged('file:///opt/%E0%A4%A')).toBe(false);
    const dev = appUrlMatcher('http://localhost:5173', '/x/index.html');
    expect(dev('http://localhost:5173/')).toBe(true);
    expect(dev('http://localhost:5173/src/main.ts')).toBe(true);
    expect(dev('http://localhost:51730/')).toBe(false);
    expect(dev('http://localhost:5173.evil.example/')).toBe(false);
    expect(dev('file:///x/index.html')).toBe(false);
  });

  it('launches workers as utility processes: messages, exit code, labelled output, no sends after exit', async () => {
    const w = forkUtilityWorker('/app/.vite/build/search-worker.js', 'L²NAS search worker');
    const { entry, options, child } = forks.at(-1)! as { entry: string; options: Record<string, unknown>; child: EventEmitter & { pid: number | undefined; stdout: PassThrough; stderr: PassThrough; posted: unknown[]; killed: number } };
    expect(entry).toBe('/app/.vite/build/search-worker.js');
    expect(options).toMatchObject({ stdio: 'pipe', serviceName: 'L²NAS search worker' });
    expect(w.pid).toBe(4242);
    const got: unknown[] = [];
    w.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready' });
    expect(got).toEqual([{ type: 'ready' }]);
    w.send({ type: 'pause' });
    expect(child.posted).toEqual([{ type: 'pause' }]);

    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    try {
      child.stderr.write('backend: wa');
      child.stderr.write('sm\nsecond line\n');
      await new Promise((r) => setImmediate(r));
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual(['[L²NAS search worker 4242] backend: wasm\n', '[L²NAS search worker 4242] second line\n']);

    const exits: [number | null, string | null][] = [];
    w.onExit((code, signal) => exits.push([code, signal]));
    child.emit('exit', 3);
    expect(exits).toEqual([[3, null]]);
    w.send({ type: 'cancel' });
    w.kill();
    expect(child.posted).toHaveLength(1);
    expect(child.killed).toBe(0);
    const late: (number | null)[] = [];
    w.onExit((code) => late.push(code));
    expect(late).toEqual([3]);
  });
});
