import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunDetail } from '../../src-main/contracts/studio-api';
import { nb201Space } from '../../src-main/common/spaces/nb201';
import { AllowedPaths } from '../../src-main/node/allowed-paths';
import { BenchmarkFileError, loadBenchmarkTables, MAX_TABLE_BYTES } from '../../src-main/node/benchmark-csv';
import { DatasetFileError, loadDataset } from '../../src-main/node/datasets';
import { readImagenetBatch } from '../../src-main/node/datasets/imagenet-downsampled';
import { UsageError } from '../../src-main/node/run-config';
import { exportRun, openRunExport } from '../../src-main/node/run-export';
import type { RunManager } from '../../src-main/node/run-manager';
import { inlineFileChecker, workerFileChecker } from '../../src-main/node/file-checks';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { sanitiseSvg, SvgRefused } from '../../src-main/node/svg-sanitise';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

/* Issue #16: files that hang, flood or leak; values that would silently corrupt a run. */

const SECRET = 'S3CRET-unit-7781';
let dir: string;
beforeAll(() => {
  dir = tempDir('hostile-files');
});
const write = (name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
const header = 'index,arch,acc\n';
const row = '0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,50.0\n';
const row2 = '1,|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,';

function csvError(file: string): BenchmarkFileError {
  try {
    loadBenchmarkTables([file], nb201Space);
  } catch (e) {
    expect(e).toBeInstanceOf(BenchmarkFileError);
    return e as BenchmarkFileError;
  }
  throw new Error(`${file} was accepted`);
}

describe('benchmark tables: values, quotes, size and special files', () => {
  it.each([
    ['1e999', /:3: column 3 \("acc"\) is not a finite number/],
    ['-0.5', /:3: column 3 \("acc"\) is negative/],
    ['100.01', /:3: column 3 \("acc"\) is above 100/],
  ])('rejects the accuracy %s with file:line', (v, message) => {
    expect(csvError(write(`v${v}.csv`, header + row + row2 + v + '\n')).message).toMatch(message);
  });

  it('accepts 0 and 100, and any index ≥ 0', () => {
    const t = loadBenchmarkTables([write('edge.csv', header + '7,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,0\n' + row2 + '100\n')], nb201Space);
    expect(t.rows.size).toBe(2);
  });

  it('reports an unterminated quote at the line where it starts', () => {
    const f = write('quote.csv', header + row + row2 + '"50\n2,a,1\n3,b,2\n\n4,c,3\n');
    expect(csvError(f).line).toBe(3);
    expect(csvError(f).message).toMatch(/quote.csv:3: .*never closed/);
  });

  it('never quotes the file: fields, header names or raw parser messages', () => {
    for (const [name, text] of [
      ['h.csv', `user=${SECRET},x\n1,2\n`],
      ['c.csv', header + row + row2 + SECRET + '\n'],
      ['a.csv', header + row + `1,|${SECRET}~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n`],
      ['q.csv', header + row + `1,a${SECRET}"b",1\n`],
      ['r.csv', header + row + `1,${SECRET},1,${SECRET}\n`],
      ['d.csv', `arch,${SECRET},${SECRET}\n`],
    ]) {
      const e = csvError(write(name, text));
      expect(e.message).not.toContain(SECRET);
      expect(e.message).toContain(name);
    }
  });

  it('checks the header before reading a big file, and refuses one over the size limit', () => {
    // Sparse files: 200 MB on paper, no disk or time to write them.
    const noArch = write('huge-noarch.csv', 'a,b,c\n1,2,3\n');
    fs.truncateSync(noArch, 200 * 1024 * 1024);
    expect(csvError(noArch).message).toMatch(/huge-noarch\.csv:1: no "arch" column/);
    const big = write('huge.csv', header + row);
    fs.truncateSync(big, MAX_TABLE_BYTES + 1);
    expect(csvError(big).message).toMatch(/huge\.csv: is larger than the 64 MiB limit/);
  });

  it('refuses FIFOs, folders, devices and /proc files up front, without their contents', () => {
    const fifo = path.join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    expect(csvError(fifo).message).toMatch(/pipe\.csv: is a named pipe \(FIFO\)/);
    expect(csvError(dir).message).toMatch(/is a folder/);
    expect(csvError('/dev/zero').message).toMatch(/\/dev\/zero: is a system file/);
    const env = csvError('/proc/self/environ');
    expect(env.message).toMatch(/is a system file/);
    expect(env.message).not.toContain(process.env.PATH ?? 'PATH=');
  });
});

describe('dataset files: special files, gzip bombs, no contents in messages', () => {
  const idx = (images: string, labels = images) => ({ kind: 'idx' as const, images, labels });

  it('names the expected magic, never the bytes found', () => {
    const f = write('secret.idx', Buffer.concat([Buffer.from([0x53, 0x33, 0x43, 0x52]), Buffer.from(SECRET)]));
    expect(() => loadDataset(idx(f))).toThrow(/secret\.idx \(byte 0\): not an IDX file of images.*magic number 0x00000803/);
    try {
      loadDataset(idx(f));
    } catch (e) {
      expect((e as Error).message).not.toMatch(/53334352|S3C/i);
    }
    const p = write('secret.pkl', Buffer.from(SECRET));
    expect(() => readImagenetBatch(p, 16)).toThrow(DatasetFileError);
    expect(() => readImagenetBatch(p, 16)).not.toThrow(/0x53|S3C/);
    // A GLOBAL name that is not a Python identifier is not repeated.
    const g = write('global.pkl', Buffer.concat([Buffer.from([0x80, 0x02, 0x63]), Buffer.from(`os ${SECRET}\nx\n`)]));
    expect(() => readImagenetBatch(g, 16)).toThrow(/refers to \(a name that is not a plain Python identifier\)/);
  });

  it('caps gzip decompression at what the IDX header announces', () => {
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32BE(0x803, 0);
    hdr.writeUInt32BE(1, 4);
    hdr.writeUInt32BE(2, 8);
    hdr.writeUInt32BE(2, 12);
    const bomb = write('bomb.gz', zlib.gzipSync(Buffer.concat([hdr, Buffer.alloc(64 * 1024 * 1024)]), { level: 1 }));
    // Refused where the announced data ends (16 + 4 bytes), not after inflating all 64 MiB.
    expect(() => loadDataset(idx(bomb))).toThrow(/bomb\.gz \(byte 20\): decompresses to more data than its header's dimensions need/);
  });

  it('refuses a big file that is plainly not the format before reading it', () => {
    // Sparse 600 MB files of zeros: had they been read, the peak RSS would grow by that much.
    const big = (name: string) => {
      const f = write(name, '');
      fs.truncateSync(f, 600 * 1024 * 1024 + 7);
      return f;
    };
    const before = process.resourceUsage().maxRSS;
    expect(() => loadDataset({ kind: 'cifar10', files: [big('big.bin')] })).toThrow(/big\.bin \(byte \d+\): truncated record/);
    expect(() => loadDataset(idx(big('big-idx')))).toThrow(/big-idx \(byte 0\): not an IDX file/);
    expect(() => readImagenetBatch(big('big-pkl'), 16)).toThrow(/big-pkl \(byte 0\): not a binary Python pickle/);
    expect((process.resourceUsage().maxRSS - before) / 1024).toBeLessThan(100); // MiB
  });

  it('refuses a FIFO and /proc files', () => {
    const fifo = path.join(dir, 'pipe.bin');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadDataset({ kind: 'cifar10', files: [fifo] })).toThrow(/pipe\.bin: is a named pipe/);
    expect(() => loadDataset({ kind: 'cifar10', files: ['/proc/self/environ'] })).toThrow(/is a system file/);
  });
});

describe('allowed folders (serve --data)', () => {
  it('allows paths under a root after realpath, refuses symlinks out and everything else', () => {
    const root = tempDir('allowed-root');
    const out = tempDir('allowed-out');
    fs.writeFileSync(path.join(out, 's.csv'), 'x');
    fs.symlinkSync(out, path.join(root, 'link'));
    fs.symlinkSync(path.join(out, 's.csv'), path.join(root, 'file-link.csv'));
    const a = new AllowedPaths([root]);
    expect(a.allows(path.join(root, 'sub', 'missing.csv'))).toBe(true);
    expect(a.allows(path.join(root, 'link', 's.csv'))).toBe(false);
    expect(a.allows(path.join(root, 'link', 'missing', 'x.csv'))).toBe(false);
    expect(a.allows(path.join(root, 'file-link.csv'))).toBe(false);
    expect(a.allows(path.join(root, '..', path.basename(out), 's.csv'))).toBe(false);
    expect(a.allows(root + '-sibling/x.csv')).toBe(false);
    expect(() => a.check(['/etc/passwd'], 'the benchmark table')).toThrow(UsageError);
    a.allowFile(path.join(out, 's.csv'));
    expect(a.allows(path.join(root, 'file-link.csv'))).toBe(true);
    expect(a.allows(path.join(out, 'other.csv'))).toBe(false);
  });

  it('bounds every path-bearing call in the dispatch; a picked file becomes allowed', async () => {
    const root = tempDir('dispatch-root');
    const out = tempDir('dispatch-out');
    const table = writeSyntheticNb201(path.join(out, 't.csv'));
    const manager = { start: vi.fn(() => ({ id: 'r' })), startSupernetSearch: vi.fn(() => ({ id: 'd' })), startTraining: vi.fn(() => ({ id: 't' })) } as unknown as RunManager;
    const allowed = new AllowedPaths([root]);
    const host = { allowed, pickFile: async () => [table] };
    for (const call of [
      { method: 'checkTable', space: 'nb201', files: [table] },
      { method: 'checkDataset', dataset: { kind: 'cifar10', files: [path.join(out, 'b.bin')] } },
      { method: 'startSearch', request: { space: 'nb201', method: 'rea', preset: 'nb201', benchmark: [table], metric: 'acc', report: [], seed: 0 } },
      { method: 'startSupernetSearch', options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'idx', images: path.join(out, 'i'), labels: path.join(out, 'l') } } },
      { method: 'startTraining', request: { space: 'nb201', arch: '|skip_connect~0|', dataset: { kind: 'cifar10', files: [path.join(out, 'b.bin')] } } },
      // The test dataset is bounded too, even when the training files are allowed.
      { method: 'startTraining', request: { space: 'nb201', arch: '|skip_connect~0|', dataset: { kind: 'cifar10', files: [path.join(root, 'b.bin')] }, testDataset: { kind: 'cifar10', files: [path.join(out, 't.bin')] } } },
    ]) {
      const r = await dispatchStudioCall(manager, call, host);
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/outside the folders this server may read/) } });
    }
    expect(manager.start).not.toHaveBeenCalled();
    expect(manager.startSupernetSearch).not.toHaveBeenCalled();
    expect(manager.startTraining).not.toHaveBeenCalled();
    expect(await dispatchStudioCall(manager, { method: 'pickFile', title: 't', extensions: ['csv'] }, host)).toEqual({ ok: true, value: { paths: [table] } });
    expect(await dispatchStudioCall(manager, { method: 'checkTable', space: 'nb201', files: [table] }, host)).toMatchObject({ ok: true, value: { rows: 15625 } });
  });
});

describe('exports: SVG allow-list, no symlinks out of the run folder', () => {
  const svg = (inner: string, attrs = '') => `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"${attrs}>${inner}</svg>`;

  it('keeps the elements our figures use and re-serialises the checked tree', () => {
    const clean = sanitiseSvg(svg('<!-- v-if --><defs><marker id="arr" markerWidth="6" refX="3" orient="auto"><path d="M0,0 L6,3 z" fill="#333"/></marker></defs><g transform="translate(1,2)" data-node="0" aria-label="cell"><line x1="0" y1="0" x2="5" y2="5" marker-end="url(#arr)"/><text x="1" y="2" font-size="10">nor_conv_3x3 &lt;x&gt;</text></g>', ' width="10" height="10" viewBox="0 0 10 10" role="img"'));
    expect(clean).toContain('marker-end="url(#arr)"');
    expect(clean).toContain('nor_conv_3x3 &lt;x&gt;');
    expect(clean).not.toContain('v-if');
  });

  it.each([
    ['<image/onerror=…>', svg('<image/onerror="alert(1)"/>')],
    ['<image onerror>', svg('<image onerror="alert(1)" href="x"/>')],
    ['jav&#x61;script: href', svg('<rect xlink:href="jav&#x61;script:alert(1)"/>')],
    ['plain href to a file', svg('<rect href="file:///etc/passwd"/>')],
    ['onload on the root', svg('', ' onload="alert(1)"')],
    ['onclick on a rect', svg('<rect onclick="x()"/>')],
    ['script', svg('<script>alert(1)</script>')],
    ['foreignObject', svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>')],
    ['style element', svg('<style>@import url(http://evil.example/x.css)</style>')],
    ['url(javascript:) in style', svg('<rect style="fill:url(jav&#x61;script:alert(1))"/>')],
    ['CSS escape in style', svg('<rect style="fill:\\75 rl(x)"/>')],
    ['external url() in fill', svg('<rect fill="url(http://evil.example/#a)"/>')],
    ['DOCTYPE with entities', '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'],
    ['HTML', '<html><body/></html>'],
  ])('refuses %s', (_name, text) => {
    expect(() => sanitiseSvg(text)).toThrow(SvgRefused);
  });

  function runDir() {
    const d = tempDir('export-run');
    const detail = { summary: { id: 'r', dir: d }, config: { space: 'nb201' }, result: null, training: [] } as unknown as RunDetail;
    return { d, detail };
  }

  it('never writes through an exports/ symlink, and downloads only plain files by name', () => {
    const { d, detail } = runDir();
    const out = tempDir('export-out');
    fs.symlinkSync(out, path.join(d, 'exports'));
    expect(() => exportRun(detail, [], 'history-csv')).toThrow(/exports is a symbolic link/);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(() => openRunExport(d, 'history.csv')).toThrow(/symbolic link/);
    fs.rmSync(path.join(d, 'exports'));
    exportRun(detail, [], 'history-csv');
    fs.writeFileSync(path.join(out, 'secret.txt'), SECRET);
    fs.symlinkSync(path.join(out, 'secret.txt'), path.join(d, 'exports', 'leak.txt'));
    expect(() => openRunExport(d, 'leak.txt')).toThrow(/symbolic link/);
    for (const bad of ['../config.json', '..', '.hidden', 'a/b.csv', 'a\\b.csv', '']) expect(() => openRunExport(d, bad)).toThrow(UsageError);
    const ok = openRunExport(d, 'history.csv');
    expect(ok.type).toMatch(/^text\/csv/);
    fs.closeSync(ok.fd);
  });
});

describe('file checks in worker threads (serve)', () => {
  // The compiled worker (npm run build); serve uses exactly this file.
  const entry = path.resolve(__dirname, '..', '..', 'out', 'node', 'node', 'file-check-worker.js');

  it('answers as the inline check does, and turns file errors into invalid-request errors', async () => {
    const checker = workerFileChecker({ entry });
    expect(checker).not.toBe(inlineFileChecker);
    const good = writeSyntheticNb201(path.join(dir, 'w-good.csv'));
    expect(await checker.check({ kind: 'table', space: 'nb201', files: [good] })).toEqual(await inlineFileChecker.check({ kind: 'table', space: 'nb201', files: [good] }));
    const table = await checker.check({ kind: 'load-table', space: 'nb201', files: [good] });
    expect(table.rows.size).toBe(15625);
    expect(table.rows.values().next().value).toBeInstanceOf(Float64Array);
    await expect(checker.check({ kind: 'table', space: 'nb201', files: [write('w-bad.csv', header + row + row2 + '1e999\n')] })).rejects.toThrow(UsageError);
    await expect(checker.check({ kind: 'dataset', dataset: { kind: 'cifar10', files: [dir] } })).rejects.toThrow(/is a folder/);
    checker.close();
  });

  it('stops a check past its deadline and refuses checks beyond the queue', async () => {
    const good = writeSyntheticNb201(path.join(dir, 'w-slow.csv'));
    const slow = workerFileChecker({ entry, timeoutMs: 1 });
    await expect(slow.check({ kind: 'table', space: 'nb201', files: [good] })).rejects.toThrow(/took longer than 0.001 s/);
    slow.close();
    const one = workerFileChecker({ entry, parallel: 1, queue: 0 });
    const first = one.check({ kind: 'table', space: 'nb201', files: [good] });
    await expect(one.check({ kind: 'table', space: 'nb201', files: [good] })).rejects.toThrow(/already running or waiting/);
    await expect(first).resolves.toMatchObject({ rows: 15625 });
    // The slot is free again once the first finished.
    await expect(one.check({ kind: 'table', space: 'nb201', files: [good] })).resolves.toMatchObject({ rows: 15625 });
    one.close();
  });
});
