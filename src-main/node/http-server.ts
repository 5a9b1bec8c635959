import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES, RUN_ID } from '../contracts/studio-api';
import { AllowedPaths } from './allowed-paths';
import { openRunExport } from './run-export';
import { workerFileChecker, type FileChecker } from './file-checks';
import { NotFoundError, type RunManager } from './run-manager';
import { dispatchStudioCall } from './studio-dispatch';

export interface StudioServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'l2nas_token';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.wasm': 'application/wasm', '.woff2': 'font/woff2',
};
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * Every credential the request carries. All are tried: after `serve` restarts with a new token,
 * the browser still sends the old process's cookie alongside the new URL's ?token=, and the
 * fresh token must win (it then replaces the cookie).
 */
function tokensOf(req: http.IncomingMessage, url: URL): string[] {
  const found: string[] = [];
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) found.push(auth.slice(7));
  for (const c of req.headers.cookie?.split(';') ?? []) {
    const t = c.trim();
    if (t.startsWith(`${COOKIE}=`)) found.push(t.slice(COOKIE.length + 1));
  }
  const q = url.searchParams.get('token');
  if (q !== null) found.push(q);
  return found;
}

/** The request target as a URL, or null when it cannot be one (`//[`, `http://[`, `//x:99999`). */
function targetOf(req: http.IncomingMessage): URL | null {
  const raw = req.url ?? '/';
  // Only origin-form targets ("/path?query"); "//host" would be read as a host by the URL parser.
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    const url = new URL(raw, 'http://127.0.0.1');
    decodeURIComponent(url.pathname); // bad percent-encoding (`/%ZZ`, `/%E0%A4%A`) is a bad target too
    return url;
  } catch {
    return null;
  }
}

const DOWNLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const EXPORT_ROUTE = /^\/api\/runs\/([^/]+)\/exports\/([^/]+)$/;

/**
 * `l2nas serve`: the Studio API over HTTP (POST /api/call) and WebSocket (/api/events) plus the
 * built renderer, on 127.0.0.1 only, behind a random per-start token (Bearer header, or
 * ?token= once, which sets a SameSite=Strict cookie). Requests whose Host is not this loopback
 * address are refused too (DNS rebinding).
 */
export async function startStudioServer(opts: {
  manager: RunManager;
  port?: number;
  staticDir?: string;
  token?: string;
  /** Folders the API may read files from (`serve --data`); absent: anywhere (tests, library use). */
  dataRoots?: readonly string[];
  /** Runs checkTable / checkDataset; default: worker threads (inline when not built). */
  checker?: FileChecker;
}): Promise<StudioServer> {
  const token = opts.token ?? crypto.randomBytes(24).toString('hex');
  const allowed = opts.dataRoots ? new AllowedPaths(opts.dataRoots) : undefined;
  const checker = opts.checker ?? workerFileChecker();
  let port = 0;
  const hostOk = (req: http.IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const authorized = (req: http.IncomingMessage, url: URL) => tokensOf(req, url).some((t) => sameToken(t, token));

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...extra });
      res.end(body);
    };
    const url = targetOf(req);
    if (!url) return send(400, 'bad request target');
    if (!hostOk(req)) return send(421, 'wrong Host header');
    if (!authorized(req, url)) return send(401, 'missing or wrong token: open the URL that `l2nas serve` printed');
    const setCookie: Record<string, string> = url.searchParams.has('token') ? { 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};

    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') return send(405, 'POST a JSON call');
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_REQUEST_BYTES) chunks.push(c);
        else if (size > 16 * MAX_REQUEST_BYTES) req.destroy(); // stop reading a flood
      });
      const answer = async () => {
        if (size > MAX_REQUEST_BYTES) {
          return send(413, JSON.stringify({ ok: false, error: { code: 'invalid-request', message: `request body over ${MAX_REQUEST_BYTES} bytes` } }), 'application/json');
        }
        let raw: unknown;
        try {
          raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(400, JSON.stringify({ ok: false, error: { code: 'invalid-request', message: 'the body is not JSON' } }), 'application/json');
        }
        const reply = await dispatchStudioCall(opts.manager, raw, { allowed, checker });
        send(reply.ok ? 200 : reply.error.code === 'invalid-request' ? 400 : reply.error.code === 'not-found' ? 404 : reply.error.code === 'conflict' ? 409 : 500, JSON.stringify(reply), 'application/json');
      };
      req.on('error', () => req.destroy());
      req.on('end', () => void answer().catch(() => send(500, JSON.stringify({ ok: false, error: { code: 'failed', message: 'internal error' } }), 'application/json')));
      return;
    }
    if (req.method !== 'GET') return send(405, 'method not allowed');
    const exp = EXPORT_ROUTE.exec(url.pathname);
    if (exp) return sendExport(exp[1], exp[2], url.searchParams.get('download') !== '0');
    if (!opts.staticDir || !fs.existsSync(path.join(opts.staticDir, 'index.html'))) {
      return send(200, 'L²NAS Studio API is up. The renderer is not built (run `npm run build:renderer`).', 'text/plain; charset=utf-8', setCookie);
    }
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    } catch {
      return send(400, 'bad percent-encoding in the path');
    }
    const file = path.resolve(opts.staticDir, rel);
    if (!file.startsWith(path.resolve(opts.staticDir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return send(404, 'not found');
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS, ...setCookie });
    // pipeline: a client that goes away closes the file too (and a read error ends the response).
    pipeline(fs.createReadStream(file), res, () => {});

    /** GET /api/runs/<id>/exports/<name>: one file of a run's exports/, by name only. */
    function sendExport(rawId: string, rawName: string, attachment: boolean) {
      let id: string;
      let name: string;
      try {
        id = decodeURIComponent(rawId);
        name = decodeURIComponent(rawName);
      } catch {
        return send(400, 'bad percent-encoding in the path');
      }
      if (!RUN_ID.safeParse(id).success) return send(400, 'not a run id');
      let opened: ReturnType<typeof openRunExport>;
      try {
        opened = openRunExport(opts.manager.get(id).summary.dir, name);
      } catch (e) {
        return send(e instanceof NotFoundError ? 404 : 400, (e as Error).message);
      }
      res.writeHead(200, {
        'Content-Type': opened.type,
        'Content-Length': String(opened.size),
        ...SECURITY_HEADERS,
        // An exported SVG opened from here must not run script even if it somehow held some.
        'Content-Security-Policy': DOWNLOAD_CSP,
        'Content-Disposition': `${attachment ? 'attachment' : 'inline'}; filename="${name}"`,
        'Cache-Control': 'no-store',
      });
      pipeline(fs.createReadStream('', { fd: opened.fd, start: 0, end: Math.max(0, opened.size - 1) }), res, () => {});
    }
  };

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      // Nothing a request does may end the process; this one gets a 500 and the rest go on.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('internal error');
    }
  });
  // A request Node cannot even parse (bad method, header overflow…): 400 on that socket only.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  // 1 KiB is plenty: clients never send on this socket (its only message closes it).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  wss.on('error', () => {});
  const sockets = new Set<WebSocket>();
  const off = opts.manager.onEvent((e) => {
    const msg = JSON.stringify(e);
    for (const s of sockets) s.send(msg);
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = targetOf(req);
    if (!url || url.pathname !== '/api/events' || !hostOk(req) || !authorized(req, url)) {
      socket.end(`HTTP/1.1 ${url ? '401 Unauthorized' : '400 Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // A malformed frame (unmasked, reserved opcode or RSV bit, bad UTF-8, over maxPayload)
      // is an 'error' on this socket: ws then closes it; without a listener it would end the process.
      ws.on('error', () => ws.terminate());
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => ws.close(1008, 'this socket only sends events'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        off();
        checker.close();
        for (const s of sockets) s.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
