import type { BrowserWindow, Session } from 'electron';
import { pathToFileURL } from 'node:url';

/** The renderer's Content-Security-Policy: only our own code; no eval, no remote anything. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Session-wide rules: CSP on every response, every permission request denied. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Window rules: no navigation away from the app, no new windows. */
export function hardenWindow(win: BrowserWindow, isAppUrl: (url: string) => boolean): void {
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * Which URLs are "our page": the Vite dev server's origin under `electron-forge start`, else
 * exactly the packaged index.html (file://, any query or hash). Everything else is foreign:
 * navigation to it is refused and IPC from it is rejected.
 */
export function appUrlMatcher(devUrl: string | undefined, indexFile: string): (url: string) => boolean {
  const parse = (url: string): URL | null => {
    try {
      return new URL(url);
    } catch {
      return null;
    }
  };
  if (devUrl) {
    const origin = parse(devUrl)?.origin;
    return (url) => origin !== undefined && origin !== 'null' && parse(url)?.origin === origin;
  }
  const norm = (pathname: string): string | null => {
    let p: string;
    try {
      p = decodeURIComponent(pathname);
    } catch {
      return null; // malformed %-escapes: never our page
    }
    return process.platform === 'win32' ? p.toLowerCase() : p;
  };
  const index = norm(pathToFileURL(indexFile).pathname);
  return (url) => {
    const u = parse(url);
    return index !== null && u !== null && u.protocol === 'file:' && (u.host === '' || u.host === 'localhost') && norm(u.pathname) === index;
  };
}
