import { describe, expect, it, vi } from 'vitest';

// The main-process modules run against a fake 'electron' (the binary cannot be downloaded
// here); the end-to-end test in test/e2e drives the real app where Electron exists.
const handlers = new Map<string, (...a: unknown[]) => unknown>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, fn: (...a: unknown[]) => unknown) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
}));

const { registerIpc } = await import('../../src-main/main/ipc');
const { CSP, hardenSession, hardenWindow } = await import('../../src-main/main/security');

function fakeWindow(url: string) {
  const mainFrame = { url };
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
    expect(manager.list).toHaveBeenCalledTimes(1);
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
    hardenWindow(win as never, (u) => u.startsWith('file:///app/'));
    const [event, nav] = win.webContents.on.mock.calls[0] as [string, (e: { preventDefault: () => void }, url: string) => void];
    expect(event).toBe('will-navigate');
    const prevent = vi.fn();
    nav({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    const open = win.webContents.setWindowOpenHandler.mock.calls[0][0] as () => { action: string };
    expect(open()).toEqual({ action: 'deny' });
  });
});
