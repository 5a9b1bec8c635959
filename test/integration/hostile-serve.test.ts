import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nb201FromIndex, nb201ToString } from '../../src-main/common/spaces/nb201';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

/*
 * Hostile input against a REAL `node bin/l2nas.cjs serve` process (issue #16): malformed request
 * targets and WebSocket frames, files that hang, flood or leak, paths outside `--data`, script
 * in exported figures, a stale cookie. After every case the server must still answer a normal
 * authenticated call; a case that ends the process is a crash.
 *
 * L2NAS_HOSTILE_BIN=<other checkout>/bin/l2nas.cjs L2NAS_HOSTILE_REPORT=<file.json> runs the same
 * cases against another build and records each outcome instead of failing (for
 * bench/results/robustness.md, "before"); a crashed server is restarted so the rest still run.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.L2NAS_HOSTILE_BIN ?? path.join(ROOT, 'bin', 'l2nas.cjs');
const REPORT = process.env.L2NAS_HOSTILE_REPORT;
const MEASURE = !!REPORT;

type Outcome = 'clear' | 'unclear' | 'leak' | 'silent' | 'blocked' | 'crash';
const results: { area: string; name: string; outcome: Outcome; note: string }[] = [];

let work: string; // the serve process's cwd: allowed by default
let outside: string; // not allowed
let runs: string;
let child: ChildProcess;
let port = 0;
let token = '';
const SECRET = 'S3CRET-d0-not-leak-4242';

async function startServe(): Promise<void> {
  child = spawn(process.execPath, [BIN, 'serve', '--runs', runs], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not print its URL: ${out}`)), 20_000);
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /open: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        port = Number(m[1]);
        token = m[2];
        resolve();
      }
    });
    child.stderr!.on('data', () => {});
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

function stopServe(): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function request(o: { path: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; auth?: boolean }) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; ms: number }>((resolve, reject) => {
    const t0 = Date.now();
    const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, ...(o.auth === false ? {} : { Authorization: `Bearer ${token}` }), ...o.headers };
    if (o.body) headers['Content-Type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, path: o.path, method: o.method ?? 'GET', headers, timeout: o.timeoutMs ?? 30_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${o.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
const call = (body: unknown, timeoutMs?: number) => request({ path: '/api/call', method: 'POST', body: JSON.stringify(body), timeoutMs });

/** A normal authenticated call answers (within `ms`). */
async function alive(ms = 5000): Promise<boolean> {
  try {
    const r = await call({ method: 'listRuns' }, ms);
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Raw bytes on a fresh socket; resolves with whatever came back when the server closes it (or after `ms`). */
function raw(bytes: Buffer | string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.setTimeout(ms, done);
    s.write(bytes);
  });
}

/** An authenticated WebSocket handshake on a raw socket, then `frame`; resolves with what the server did. */
function wsFrame(frame: Buffer): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let upgraded = false;
    let buf = '';
    const finish = (r: 'closed' | 'open') => {
      s.destroy();
      resolve(r);
    };
    s.on('data', (c) => {
      if (upgraded) return;
      buf += c.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        upgraded = buf.startsWith('HTTP/1.1 101');
        if (!upgraded) return finish('closed');
        s.write(frame);
      }
    });
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('closed'));
    s.setTimeout(3000, () => finish('open'));
    s.write(
      `GET /api/events?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

/** A client frame: FIN + opcode (+ RSV bits), masked unless told otherwise. */
function frame(opcode: number, payload: Buffer, o: { masked?: boolean; rsv?: number } = {}): Buffer {
  const masked = o.masked ?? true;
  const head = [0x80 | (o.rsv ?? 0) | opcode];
  const len = payload.length;
  if (len < 126) head.push((masked ? 0x80 : 0) | len);
  else head.push((masked ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ mask[i % 4])) : payload;
  return Buffer.concat([Buffer.from(head), masked ? mask : Buffer.alloc(0), body]);
}

/** Peak resident memory of the serve process, in MiB (VmHWM). */
function peakMib(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

interface Ctx {
  /** The error message of a failed call, or null when it succeeded. */
  fails(body: unknown, timeoutMs?: number): Promise<{ code: string | null; message: string; ms: number; value?: unknown }>;
}
const ctx: Ctx = {
  async fails(body, timeoutMs = 30_000) {
    const r = await call(body, timeoutMs);
    const j = JSON.parse(r.body) as { ok: boolean; error?: { code: string; message: string }; value?: unknown };
    return j.ok ? { code: null, message: '', ms: r.ms, value: j.value } : { code: j.error!.code, message: j.error!.message, ms: r.ms };
  },
};

/** A case: resolves with its outcome and a note. Throwing (e.g. the socket died) counts as what `alive` then says. */
type Case = { area: string; name: string; run: () => Promise<[Outcome, string]> };
const cases: Case[] = [];
const add = (area: string, name: string, run: () => Promise<[Outcome, string]>) => cases.push({ area, name, run });

/** A refusal that is located (names the file), leaks nothing and came in time. */
function judgeError(r: { code: string | null; message: string; ms: number }, o: { file?: string; line?: number; secret?: string[]; maxMs?: number; code?: string; match?: RegExp } = {}): [Outcome, string] {
  const note = `${r.code}: ${r.message.slice(0, 160)} (${r.ms} ms)`;
  if (r.code === null) return ['silent', `accepted (${r.ms} ms)`];
  for (const s of [SECRET, ...(o.secret ?? [])]) if (r.message.includes(s)) return ['leak', note];
  if (o.maxMs && r.ms > o.maxMs) return ['blocked', note];
  if (o.code && r.code !== o.code) return ['unclear', note];
  if (o.file && !r.message.includes(o.file)) return ['unclear', note];
  if (o.line && !r.message.includes(`:${o.line}:`)) return ['unclear', note];
  if (o.match && !o.match.test(r.message)) return ['unclear', note];
  return ['clear', note];
}

const table = (files: string[]) => ({ method: 'checkTable', space: 'nb201', files });
const GOOD_ROW = '0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,50.0\n';
const ROW2 = '1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,';

// 1. Request targets and percent-encoding: before the Host and token checks.
for (const target of ['//[', '//x:99999', 'http://[', '/%E0%A4%A', '/%ZZ', '//[/api/call']) {
  add('request target', `GET ${target}`, async () => {
    const got = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    return [/^HTTP\/1\.1 4\d\d/.test(got) ? 'clear' : 'unclear', got.split('\r\n')[0]];
  });
  add('request target', `upgrade ${target}`, async () => {
    const got = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    return [/^HTTP\/1\.1 4\d\d/.test(got) ? 'clear' : 'unclear', got.split('\r\n')[0]];
  });
}
add('request target', 'garbage request line', async () => {
  const got = await raw('\x00\x01 NOT HTTP\r\n\r\n');
  return [/^HTTP\/1\.1 400/.test(got) ? 'clear' : 'unclear', got.split('\r\n')[0]];
});

// 2. Malformed WebSocket frames: that socket closes, nothing else.
const wsCases: [string, Buffer][] = [
  ['over the payload limit', frame(0x1, Buffer.alloc(4000, 0x61))],
  ['unmasked frame', frame(0x1, Buffer.from('hi'), { masked: false })],
  ['reserved opcode 0x3', frame(0x3, Buffer.from('hi'))],
  ['invalid UTF-8 text', frame(0x1, Buffer.from([0xc3, 0x28]))],
  ['RSV1 without an extension', frame(0x1, Buffer.from('hi'), { rsv: 0x40 })],
];
for (const [name, bytes] of wsCases) {
  add('websocket frame', name, async () => {
    const r = await wsFrame(bytes);
    return [r === 'closed' ? 'clear' : 'unclear', r];
  });
}

// 3. Files: special files, size, leaks, values.
add('files', 'FIFO', async () => judgeError(await ctx.fails(table([path.join(work, 'fifo.csv')]), 8000), { file: 'fifo.csv', maxMs: 3000 }));
add('files', 'symlink to /dev/zero', async () => judgeError(await ctx.fails(table([path.join(work, 'zero.csv')]), 8000), { file: 'zero.csv', maxMs: 3000 }));
add('files', 'symlink to /proc/self/environ', async () => judgeError(await ctx.fails(table([path.join(work, 'environ.csv')])), { secret: [process.env.PATH ?? '/usr/bin:'] }));
add('files', 'folder', async () => judgeError(await ctx.fails(table([path.join(work, 'adir')])), { file: 'adir' }));
add('files', 'secret file, no arch column', async () => judgeError(await ctx.fails(table([path.join(work, 'secret.csv')])), { file: 'secret.csv' }));
add('files', 'bad value on a later line', async () => judgeError(await ctx.fails(table([path.join(work, 'leak-cell.csv')])), { file: 'leak-cell.csv', line: 3 }));
add('files', 'bad architecture on a later line', async () => judgeError(await ctx.fails(table([path.join(work, 'leak-arch.csv')])), { file: 'leak-arch.csv', line: 3 }));
add('files', 'bad quote with a secret', async () => judgeError(await ctx.fails(table([path.join(work, 'leak-quote.csv')])), { file: 'leak-quote.csv', line: 3 }));
add('files', 'unterminated quote (line 3)', async () => judgeError(await ctx.fails(table([path.join(work, 'open-quote.csv')])), { file: 'open-quote.csv', line: 3 }));
for (const [name, v] of [['1e999', '1e999'], ['negative', '-1'], ['above 100', '250']] as const) {
  add('values', `accuracy ${name}`, async () => judgeError(await ctx.fails(table([path.join(work, `value-${name.replace(' ', '-')}.csv`)])), { file: `value-${name.replace(' ', '-')}.csv`, line: 3 }));
  void v;
}
add('files', 'IDX with secret magic bytes', async () => {
  const r = await ctx.fails({ method: 'checkDataset', dataset: { kind: 'idx', images: path.join(work, 'secret.idx'), labels: path.join(work, 'secret.idx') } });
  return judgeError(r, { file: 'secret.idx', secret: ['0x53334352', '53334352'] });
});
add('files', 'gzip bomb (IDX header says 10 bytes, inflates to 200 MB)', async () => {
  const before = peakMib();
  const r = await ctx.fails({ method: 'checkDataset', dataset: { kind: 'idx', images: path.join(work, 'bomb.gz'), labels: path.join(work, 'bomb.gz') } }, 60_000);
  const grew = peakMib() - before;
  const [o, note] = judgeError(r, { file: 'bomb.gz' });
  return [o === 'clear' && grew > 150 ? 'blocked' : o, `${note}; peak memory +${Math.round(grew)} MiB`];
});
add('blocking', '40 MB table without arch: refused early, others served', async () => {
  const pending = ctx.fails(table([path.join(work, 'big-noarch.csv')]), 120_000);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  const ok = await alive(10_000);
  const other = Date.now() - t0;
  const r = await pending;
  const [o, note] = judgeError(r, { file: 'big-noarch.csv', maxMs: 3000 });
  return [ok && other <= 1000 ? o : 'blocked', `${note}; listRuns meanwhile ${other} ms`];
});
/** While a slow call runs: three listRuns from another client; did each answer, and the slowest in ms. */
async function othersMeanwhile(): Promise<{ ok: boolean; worst: number }> {
  await new Promise((r) => setTimeout(r, 300));
  let worst = 0;
  let ok = true;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    ok &&= await alive(10_000);
    worst = Math.max(worst, Date.now() - t0);
  }
  return { ok, worst };
}
add('blocking', '40 MB valid-header table: parse off the event loop', async () => {
  const pending = ctx.fails(table([path.join(work, 'big-wide.csv')]), 120_000);
  const { ok, worst } = await othersMeanwhile();
  const r = await pending;
  const res: [Outcome, string] = r.code === null || r.code === 'invalid-request' ? ['clear', `${r.code ?? 'ok'} after ${r.ms} ms`] : ['unclear', r.message];
  return [ok && worst <= 1000 ? res[0] : 'blocked', `${res[1]}; worst listRuns meanwhile ${worst} ms`];
});

add('blocking', 'startSearch on the 40 MB table: read off the event loop', async () => {
  const pending = ctx.fails({ method: 'startSearch', request: { space: 'nb201', method: 'rea', preset: 'nb201', benchmark: [path.join(work, 'big-wide.csv')], metric: 'c0', report: [], steps: 5, seed: 1 } }, 120_000);
  const { ok, worst } = await othersMeanwhile();
  const r = await pending;
  return [!ok || worst > 1000 ? 'blocked' : r.code === null ? 'clear' : 'unclear', `${r.code ?? 'started'} after ${r.ms} ms; worst listRuns meanwhile ${worst} ms`];
});

// 4. Paths outside the allowed folders (default: the runs folder and serve's cwd).
const OUTSIDE = /outside the folders/;
add('allowed roots', 'checkTable /etc/passwd', async () => judgeError(await ctx.fails(table(['/etc/passwd'])), { code: 'invalid-request', secret: ['root:x:0'], match: OUTSIDE }));
add('allowed roots', 'checkTable outside --data', async () => judgeError(await ctx.fails(table([path.join(outside, 'secret.csv')])), { code: 'invalid-request', match: OUTSIDE }));
add('allowed roots', 'symlink inside cwd to a file outside', async () => {
  const r = await ctx.fails(table([path.join(work, 'link-out.csv')]));
  return judgeError(r, { code: 'invalid-request', match: OUTSIDE });
});
add('allowed roots', 'checkDataset outside --data', async () => {
  const f = path.join(outside, 'secret.idx');
  return judgeError(await ctx.fails({ method: 'checkDataset', dataset: { kind: 'idx', images: f, labels: f } }), { code: 'invalid-request', secret: ['53334352'], match: OUTSIDE });
});
add('allowed roots', 'startSearch with a table outside --data', async () => {
  const r = await ctx.fails({ method: 'startSearch', request: { space: 'nb201', method: 'rea', preset: 'nb201', benchmark: [path.join(outside, 'good.csv')], metric: 'acc', report: [], steps: 5, seed: 1 } });
  return r.code === null ? ['silent', 'a run was started on a file outside the allowed folders'] : judgeError(r, { code: 'invalid-request', match: OUTSIDE });
});
add('allowed roots', 'startSupernetSearch with a dataset outside --data', async () => {
  const f = path.join(outside, 'secret.idx');
  const r = await ctx.fails({ method: 'startSupernetSearch', options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'idx', images: f, labels: f }, epochs: 1 } });
  return r.code === null ? ['silent', 'a supernet run was started on files outside the allowed folders'] : judgeError(r, { code: 'invalid-request', match: OUTSIDE });
});

// 5. Exports: script in figures, symlinks, downloads.
let runId = '';
const svgExport = (content: string) => ctx.fails({ method: 'exportRun', id: runId, what: 'figure-svg', content });
const SVG = (inner: string) => `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${inner}</svg>`;
for (const [name, svg] of [
  ['<image/onerror=…>', SVG('<image/onerror="alert(1)" href="x"/>')],
  ['jav&#x61;script: link', SVG('<a href="jav&#x61;script:alert(1)"><rect width="5" height="5"/></a>')],
  ['<foreignObject> with HTML', SVG('<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"/></body></foreignObject>')],
  ['<use> of an external file', SVG('<use xlink:href="http://evil.example/x.svg#a"/>')],
  ['CDATA script', SVG('<script><![CDATA[alert(1)]]></script>')],
  ['<image onerror> (well-formed)', SVG('<image onerror="alert(1)" href="x.png"/>')],
  ['event handler on an allowed element', SVG('<rect width="5" height="5" onclick="alert(1)"/>')],
  ['jav&#x61;script: in an allowed href', SVG('<g><marker id="m"/><rect xlink:href="jav&#x61;script:alert(1)"/></g>')],
  ['url(jav&#x61;script:) in a style', SVG('<rect style="fill: url(jav&#x61;script:alert(1))"/>')],
] as const) {
  add('exports', `figure ${name}`, async () => {
    const r = await svgExport(svg);
    return r.code === null ? ['silent', 'written'] : judgeError(r, { code: 'invalid-request' });
  });
}
add('exports', 'exports/ is a symlink out of the run folder', async () => {
  const exp = path.join(runs, runId, 'exports');
  fs.rmSync(exp, { recursive: true, force: true });
  fs.symlinkSync(outside, exp);
  try {
    const r = await ctx.fails({ method: 'exportRun', id: runId, what: 'history-csv' });
    if (fs.existsSync(path.join(outside, 'history.csv'))) return ['silent', 'wrote history.csv outside the run folder'];
    return judgeError(r, { code: 'invalid-request' });
  } finally {
    fs.rmSync(exp, { force: true });
  }
});
add('exports', 'download with .. or a symlink', async () => {
  await ctx.fails({ method: 'exportRun', id: runId, what: 'history-csv' });
  fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(runs, runId, 'exports', 'leak.csv'));
  const bad = await Promise.all(['..%2Fconfig.json', '.history.csv', 'leak.csv', '..%5Cconfig.json', 'a%2F..%2F..%2Fconfig.json'].map((n) => request({ path: `/api/runs/${runId}/exports/${n}` })));
  if (bad.some((b) => b.body.includes(SECRET) || b.body.includes('"estimator"'))) return ['leak', bad.map((b) => b.status).join(',')];
  return [bad.every((b) => b.status >= 400 && b.status < 500) ? 'clear' : 'unclear', bad.map((b) => b.status).join(',')];
});
add('exports', 'downloaded SVG carries a CSP without script', async () => {
  const w = await svgExport(SVG('<rect width="5" height="5"/>'));
  if (w.code) return ['unclear', w.message];
  const r = await request({ path: `/api/runs/${runId}/exports/best-arch.svg` });
  const csp = String(r.headers['content-security-policy'] ?? '');
  const ok = r.status === 200 && /default-src 'none'/.test(csp) && !/script-src/.test(csp) && /attachment/.test(String(r.headers['content-disposition']));
  return [ok ? 'clear' : 'unclear', `${r.status} ${csp}`];
});

// 6. A stale cookie from a previous serve process next to the new URL's token.
add('auth', 'restart: stale cookie + fresh ?token=', async () => {
  // The browser kept the old process's cookie; serve restarts and prints a new URL.
  const stale = token;
  await stopServe();
  await startServe();
  if (token === stale) return ['unclear', 'the restarted server kept its token'];
  const r = await request({ path: `/?token=${token}`, auth: false, headers: { Cookie: `l2nas_token=${stale}` } });
  const ws = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c) => {
      got += c;
      s.destroy();
    });
    s.on('close', () => resolve(got.split('\r\n')[0]));
    s.write(`GET /api/events?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: l2nas_token=${stale}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
  const cookie = String(r.headers['set-cookie'] ?? '');
  return [r.status === 200 && cookie.includes(token) && ws.startsWith('HTTP/1.1 101') ? 'clear' : 'unclear', `page ${r.status}, ws ${ws}`];
});

// 7. The same files through the real CLI: exit 2 with a located message, quickly, nothing leaked.
function cli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [BIN, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}
for (const [name, file, line] of [
  ['FIFO', 'fifo.csv', 0],
  ['/proc/self/environ', '/proc/self/environ', 0],
  ['40 MB table without arch', 'big-noarch.csv', 1],
  ['accuracy 1e999 in a full table', 'full-1e999.csv', 4],
  ['bad value with a secret', 'leak-cell.csv', 3],
  ['unterminated quote', 'open-quote.csv', 3],
] as const) {
  add('cli', `search --benchmark ${name}`, async () => {
    const f = path.isAbsolute(file) ? file : path.join(work, file);
    const r = await cli(['search', '--benchmark', f, '--metric', 'acc', '--steps', '5', '--out', path.join(work, `cli-${name.replace(/\W+/g, '-')}`), '-q'], 20_000);
    const note = `exit ${r.code} after ${r.ms} ms: ${r.out.trim().split('\n')[0]?.slice(0, 160)}`;
    if (r.out.includes(SECRET) || (process.env.PATH && r.out.includes(process.env.PATH))) return ['leak', note];
    if (r.code === null) return ['blocked', note];
    if (r.code === 0) return ['silent', note];
    if (r.code !== 2 || !r.out.includes(path.basename(f)) || (line && !r.out.includes(`:${line}:`))) return ['unclear', note];
    return [r.ms > 10_000 ? 'blocked' : 'clear', note];
  });
}

function writeFixtures(): void {
  const header = 'index,arch,acc\n';
  execFileSync('mkfifo', [path.join(work, 'fifo.csv')]);
  fs.symlinkSync('/dev/zero', path.join(work, 'zero.csv'));
  fs.symlinkSync('/proc/self/environ', path.join(work, 'environ.csv'));
  fs.mkdirSync(path.join(work, 'adir'));
  fs.writeFileSync(path.join(work, 'secret.csv'), `user=${SECRET},token=${SECRET}\n${SECRET}\n`);
  fs.writeFileSync(path.join(outside, 'secret.csv'), `user=${SECRET}\n`);
  writeSyntheticNb201(path.join(outside, 'good.csv'));
  fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(work, 'link-out.csv'));
  fs.writeFileSync(path.join(work, 'leak-cell.csv'), header + GOOD_ROW + ROW2 + `${SECRET}\n`);
  fs.writeFileSync(path.join(work, 'leak-arch.csv'), header + GOOD_ROW + `1,|${SECRET}~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n`);
  fs.writeFileSync(path.join(work, 'leak-quote.csv'), header + GOOD_ROW + `1,${SECRET}"x",1\n`);
  fs.writeFileSync(path.join(work, 'open-quote.csv'), header + GOOD_ROW + ROW2 + '"50\n' + '2,a,1\n3,b,2\n4,c,3\n');
  fs.writeFileSync(path.join(work, 'value-1e999.csv'), header + GOOD_ROW + ROW2 + '1e999\n');
  writeSyntheticNb201(path.join(work, 'full-1e999.csv'), ['acc'], (l) => (l[3] = l[3].replace(/[^,]+$/, '1e999')));
  fs.writeFileSync(path.join(work, 'value-negative.csv'), header + GOOD_ROW + ROW2 + '-1\n');
  fs.writeFileSync(path.join(work, 'value-above-100.csv'), header + GOOD_ROW + ROW2 + '250\n');
  const secretIdx = Buffer.concat([Buffer.from('S3CR'), Buffer.from(SECRET)]);
  fs.writeFileSync(path.join(work, 'secret.idx'), secretIdx);
  fs.writeFileSync(path.join(outside, 'secret.idx'), secretIdx);
  // An IDX images header for 1 image of 2×5 pixels, then 200 MB of zeros (compresses to ~1 MB).
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32BE(0x00000803, 0);
  hdr.writeUInt32BE(1, 4);
  hdr.writeUInt32BE(2, 8);
  hdr.writeUInt32BE(5, 12);
  const zero = Buffer.alloc(1 << 20);
  const parts = [hdr, ...Array.from({ length: 200 }, () => zero)];
  fs.writeFileSync(path.join(work, 'bomb.gz'), zlib.gzipSync(Buffer.concat(parts), { level: 1 }));
  // ~40 MB without an arch column, and ~40 MB that is a real table with many wide columns.
  const line = 'a,b,c,d,e,f,g,h\n' + '1,2,3,4,5,6,7,8\n'.repeat(2_500_000);
  fs.writeFileSync(path.join(work, 'big-noarch.csv'), line);
  const cols = Array.from({ length: 320 }, (_, i) => `c${i}`);
  const rows = [['index', 'arch', ...cols].join(',')];
  for (let i = 0; i < 15625; i++) rows.push([i, nb201ToString(nb201FromIndex(i)), ...cols.map((_, k) => ((i + k) % 100).toFixed(4))].join(','));
  fs.writeFileSync(path.join(work, 'big-wide.csv'), rows.join('\n') + '\n');
}

beforeAll(async () => {
  work = tempDir('hostile-work');
  outside = tempDir('hostile-outside');
  runs = path.join(work, 'runs');
  writeFixtures();
  // One finished run to export from (the real CLI, on a small generated table).
  const good = writeSyntheticNb201(path.join(work, 'good.csv'));
  execFileSync(process.execPath, [BIN, 'search', '--benchmark', good, '--metric', 'acc', '--method', 'rea', '--steps', '5', '--seed', '1', '--out', path.join(runs, 'run-a'), '-q'], { cwd: work });
  runId = 'run-a';
  await startServe();
}, 120_000);

afterAll(async () => {
  await stopServe();
  if (REPORT) fs.writeFileSync(REPORT, JSON.stringify(results, null, 1) + '\n');
  // ~85 MB of generated fixtures: not left behind in the temp folder.
  for (const d of [work, outside]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('hostile input against a real `l2nas serve`', () => {
  for (const c of cases) {
    it(`${c.area}: ${c.name}`, async () => {
      let outcome: Outcome;
      let note: string;
      try {
        [outcome, note] = await c.run();
      } catch (e) {
        [outcome, note] = ['unclear', String((e as Error).message)];
      }
      if (!(await alive())) {
        // A server that froze (a FIFO read never returns) is as dead as one that exited.
        outcome = outcome === 'blocked' || /timed out/.test(note) ? 'blocked' : 'crash';
        note += ' — the server no longer answers';
        await stopServe();
        await startServe();
      }
      results.push({ area: c.area, name: c.name, outcome, note });
      if (!MEASURE) expect({ outcome, note }).toMatchObject({ outcome: 'clear' });
    }, 180_000);
  }
});
