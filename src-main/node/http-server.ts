import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES } from '../contracts/studio-api';
import type { RunManager } from './run-manager';
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

function tokenOf(req: http.IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const cookie = req.headers.cookie?.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  if (cookie) return cookie.slice(COOKIE.length + 1);
  return url.searchParams.get('token') ?? undefined;
}

/**
 * `l2nas serve`: the Studio API over HTTP (POST /api/call) and WebSocket (/api/events) plus the
 * built renderer, on 127.0.0.1 only, behind a random per-start token (Bearer header, or
 * ?token= once, which sets a SameSite=Strict cookie). Requests whose Host is not this loopback
 * address are refused too (DNS rebinding).
 */
export async function startStudioServer(opts: { manager: RunManager; port?: number; staticDir?: string; token?: string }): Promise<StudioServer> {
  const token = opts.token ?? crypto.randomBytes(24).toString('hex');
  let port = 0;
  const hostOk = (req: http.IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...extra });
      res.end(body);
    };
    if (!hostOk(req)) return send(421, 'wrong Host header');
    if (!sameToken(tokenOf(req, url), token)) return send(401, 'missing or wrong token: open the URL that `l2nas serve` printed');
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
      req.on('end', async () => {
        if (size > MAX_REQUEST_BYTES) {
          return send(413, JSON.stringify({ ok: false, error: { code: 'invalid-request', message: `request body over ${MAX_REQUEST_BYTES} bytes` } }), 'application/json');
        }
        let raw: unknown;
        try {
          raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(400, JSON.stringify({ ok: false, error: { code: 'invalid-request', message: 'the body is not JSON' } }), 'application/json');
        }
        const reply = await dispatchStudioCall(opts.manager, raw);
        send(reply.ok ? 200 : reply.error.code === 'invalid-request' ? 400 : reply.error.code === 'not-found' ? 404 : reply.error.code === 'conflict' ? 409 : 500, JSON.stringify(reply), 'application/json');
      });
      return;
    }
    if (req.method !== 'GET') return send(405, 'method not allowed');
    if (!opts.staticDir || !fs.existsSync(path.join(opts.staticDir, 'index.html'))) {
      return send(200, 'L²NAS Studio API is up. The renderer is not built (run `npm run build:renderer`).', 'text/plain; charset=utf-8', setCookie);
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(opts.staticDir, rel);
    if (!file.startsWith(path.resolve(opts.staticDir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return send(404, 'not found');
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS, ...setCookie });
    fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const sockets = new Set<WebSocket>();
  const off = opts.manager.onEvent((e) => {
    const msg = JSON.stringify(e);
    for (const s of sockets) s.send(msg);
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/api/events' || !hostOk(req) || !sameToken(tokenOf(req, url), token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
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
        for (const s of sockets) s.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
