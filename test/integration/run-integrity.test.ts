/**
 * Hostile cases against the real CLI (exit codes, messages, nothing half-written) and the run
 * manager: arguments out of range, --out in bad places, damaged events and checkpoints,
 * config.json edited against its checkpoint, and two writers on one run folder.
 * L2NAS_BIN=<other checkout>/bin/l2nas.cjs runs the CLI cases against another build (that is how
 * the "before" counts in the report were taken).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunEventSchema, RunResultSchema } from '../../src-main/contracts/run';
import { decodeCheckpoint } from '../../src-main/node/checkpoint-codec';
import { RUN_FILES } from '../../src-main/node/run-folder';
import { RUN_LOCK_FILE } from '../../src-main/node/run-lock';
import { ConflictError, RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.L2NAS_BIN ?? path.join(ROOT, 'bin', 'l2nas.cjs');

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, timedOut: r.error !== undefined };
}

let dir: string;
let table: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(path.dirname(BIN), '..', 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
  dir = tempDir('integrity');
  table = writeSyntheticNb201(path.join(dir, 'table.csv'), ['acc', 'acc2']);
});

const search = (out: string, ...extra: string[]) => ['search', '--benchmark', table, '--metric', 'acc', '--preset', 'nb201-tuned', '--seed', '1', '--out', out, '-q', ...extra];
const lines = (d: string) => fs.readFileSync(path.join(d, RUN_FILES.events), 'utf8');
const steps = (d: string) => lines(d).trim().split('\n').map((l) => RunEventSchema.parse(JSON.parse(l))).map(({ seconds: _s, ...e }) => e);
const checkpointStep = (d: string) => (decodeCheckpoint(fs.readFileSync(path.join(d, RUN_FILES.checkpoint))) as { loop: { step: number } }).loop.step;

/** A copy of a finished run, made to look like one whose process died (no result, status "running"). */
function crashedCopy(ref: string, name: string): string {
  const d = path.join(dir, name);
  fs.cpSync(ref, d, { recursive: true });
  fs.rmSync(path.join(d, RUN_FILES.result));
  fs.writeFileSync(path.join(d, RUN_FILES.status), JSON.stringify({ status: 'running', pid: null, error: null, updatedAt: new Date().toISOString() }));
  return d;
}

/** Writes IDX images (28×28) and labels files of n images. */
function writeIdx(n: number): [string, string] {
  const img = Buffer.alloc(16 + n * 784);
  img.writeUInt32BE(0x803, 0);
  [n, 28, 28].forEach((v, i) => img.writeUInt32BE(v, 4 + 4 * i));
  for (let i = 16; i < img.length; i++) img[i] = (i * 7) & 0xff;
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x801, 0);
  lab.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) lab[8 + i] = i % 10;
  const fi = path.join(dir, `tiny-${n}-images.idx`), fl = path.join(dir, `tiny-${n}-labels.idx`);
  fs.writeFileSync(fi, img);
  fs.writeFileSync(fl, lab);
  return [fi, fl];
}

describe('arguments are checked like inputs: exit 2, a plain message, nothing written', () => {
  const refused = (args: string[], message: RegExp, out?: string) => {
    const r = l2nas(...args);
    expect(r.timedOut, `${args.join(' ')} hung`).toBe(false);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/ENOTDIR|EEXIST|EPERM|EACCES|ENOENT|at .*\.js:\d+/);
    if (out) expect(fs.existsSync(out)).toBe(false);
  };

  it('--seed, --steps, --metric, --port out of their range', () => {
    const out = path.join(dir, 'never');
    refused(search(out, '--seed', '4294967296'), /--seed must be a whole number from 0 to 4294967295/, out);
    refused(search(out, '--seed', '-1'), /--seed must be a whole number/, out);
    refused(search(out, '--steps', '0x5'), /--steps must be a whole number from 1 to 1000000 in decimal digits \(got "0x5"\)/, out);
    refused(search(out, '--steps', '1e9'), /--steps must be a whole number/, out);
    refused(search(out, '--steps', '1000001'), /--steps must be a whole number from 1 to 1000000/, out);
    refused(['search', '--benchmark', table, '--metric', 'index', '--steps', '5', '--out', out], /"index" is the table's row-number column, not an accuracy/, out);
    refused(['search', '--benchmark', table, '--metric', 'acc', '--preset', '__proto__', '--out', out], /--preset/, out);
    refused(['serve', '--port', '99999'], /--port must be a whole number from 0 to 65535/);
    refused(['demo', '--seed', '4294967296', '--out', out], /--seed must be a whole number from 0 to 4294967295/, out);
    refused(['demo', '--steps', '100001', '--out', out], /--steps must be a whole number from 1 to 100000/, out);
    refused(['demo', '--lr', '-1', '--out', out], /--lr must be a number > 0/, out);
  });

  it('--out on a non-empty folder, a file, under a file, in /proc or /sys', () => {
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'notes.txt'), 'mine');
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    refused(search(full, '--steps', '5'), /already holds files/);
    expect(fs.readdirSync(full)).toEqual(['notes.txt']);
    refused(search(file, '--steps', '5'), /exists and is not a folder/);
    refused(search(path.join(file, 'run'), '--steps', '5'), /is a file, so no folder can be made inside it/);
    refused(search('/proc/self/l2nas-run', '--steps', '5'), /system folder/);
    refused(search('/sys/l2nas-run', '--steps', '5'), /system folder/);
    refused(['demo', '--out', path.join(file, 'demo')], /is a file, so no folder can be made inside it/);
  });

  it('a dataset whose validation half is smaller than one evaluation batch: refused before training, no folder', () => {
    const [images, labels] = writeIdx(100);
    const out = path.join(dir, 'tiny-demo');
    refused(['demo', '--dataset', 'idx', '--data', images, '--data', labels, '--epochs', '1', '--steps', '5', '--out', out], /has 100 images: its validation half \(50\) is smaller than one evaluation batch \(64\)/, out);
  });
});

describe('resume never continues a damaged run', () => {
  let ref: string;
  let N: number;
  beforeAll(() => {
    ref = path.join(dir, 'ref');
    const r = l2nas(...search(ref, '--steps', '60', '--checkpoint-every', '25'));
    expect(r.code, r.err).toBe(0);
    N = checkpointStep(ref);
    expect(N).toBe(50);
  });

  it('events cut inside line N, or exactly N−1 whole lines: exit 2 naming events.jsonl, the file untouched', () => {
    const all = lines(ref).split('\n');
    for (const [name, text] of [
      ['cut-in-N', all.slice(0, N - 1).join('\n') + '\n' + all[N - 1].slice(0, 40)],
      ['n-minus-1', all.slice(0, N - 1).join('\n') + '\n'],
      ['earlier', all.slice(0, N - 3).join('\n') + '\n' + all[N - 3].slice(0, 10)],
    ] as const) {
      const d = crashedCopy(ref, name);
      fs.writeFileSync(path.join(d, RUN_FILES.events), text);
      const r = l2nas('resume', d, '-q');
      expect(r.code, `${name}: ${r.err}`).toBe(2);
      const complete = name === 'earlier' ? N - 3 : N - 1;
      expect(r.err).toContain(`${path.join(d, RUN_FILES.events)}: has ${complete} complete steps, but the checkpoint is at step ${N}`);
      expect(lines(d)).toBe(text);
      expect(fs.existsSync(path.join(d, RUN_FILES.result))).toBe(false);
    }
  });

  it('events cut after line N: resumes to exactly the uninterrupted run', () => {
    const d = crashedCopy(ref, 'cut-after-N');
    const all = lines(ref).split('\n');
    fs.writeFileSync(path.join(d, RUN_FILES.events), all.slice(0, N + 4).join('\n') + '\n' + all[N + 4].slice(0, 30));
    const r = l2nas('resume', d, '-q');
    expect(r.code, r.err).toBe(0);
    expect(steps(d)).toEqual(steps(ref));
    expect(RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(d, RUN_FILES.result), 'utf8'))).best).toEqual(RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(ref, RUN_FILES.result), 'utf8'))).best);
  });

  it('config.json edited against the checkpoint (steps below it, seed, method): exit 2 saying what differs', () => {
    const edit = (name: string, change: Record<string, unknown>) => {
      const d = crashedCopy(ref, name);
      const f = path.join(d, RUN_FILES.config);
      fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), ...change }));
      return l2nas('resume', d, '-q');
    };
    const s = edit('steps-40', { steps: 40 });
    expect(s.code, s.err).toBe(2);
    expect(s.err).toMatch(/config\.json asks for 40 steps, but .*checkpoint\.bin is already at step 50/);
    const seed = edit('seed-7', { seed: 7 });
    expect(seed.code, seed.err).toBe(2);
    expect(seed.err).toMatch(/checkpoint\.bin was made by a run with other settings \(seed is 7 in config\.json but 1 in the checkpoint\)/);
    const method = edit('method-rea', { method: 'rea' });
    expect(method.code, method.err).toBe(2);
    expect(method.err).toMatch(/method is "rea" in config\.json but "l2nas"/);
  });

  it('a bit-flipped, NaN-filled or bad-JSON checkpoint: exit 2 naming checkpoint.bin, events untouched', () => {
    const damage = (name: string, f: (b: Buffer) => void) => {
      const d = crashedCopy(ref, name);
      const file = path.join(d, RUN_FILES.checkpoint);
      const b = fs.readFileSync(file);
      f(b);
      fs.writeFileSync(file, b);
      const before = lines(d);
      const r = l2nas('resume', d, '-q');
      expect(r.code, `${name}: ${r.err}`).toBe(2);
      expect(r.err).toContain(`${file}: `);
      expect(lines(d)).toBe(before);
      return r.err;
    };
    expect(damage('bitflip', (b) => (b[b.length - 100] ^= 0x04))).toMatch(/checksum mismatch|is damaged/);
    expect(damage('nan', (b) => b.fill(0xff, b.length - 4096))).toMatch(/checksum mismatch|NaN|is damaged/);
    expect(damage('badjson', (b) => b.write('}', 60))).toMatch(/checksum mismatch|JSON|is damaged/);
  });
});

describe('a supernet demo folder is resumed only with its own settings and an intact checkpoint', () => {
  it('a supernet run: its folder is never re-used, other settings or a bit-flipped supernet checkpoint: exit 2 naming the folder or file', () => {
    const out = path.join(dir, 'demo-tiny');
    const demo = () => l2nas('demo', '--out', out, '--epochs', '1', '--steps', '2', '--train-images', '64', '--random', '1');
    const first = demo();
    expect(first.code, first.err).toBe(0);
    const again = demo();
    expect(again.code, again.err).toBe(2);
    expect(again.err).toContain(`${out} already holds files`);
    // config.json edited under the supernet checkpoint (another seed): refused, not retrained into a different run.
    const cfgFile = path.join(out, RUN_FILES.config);
    const cfg = fs.readFileSync(cfgFile, 'utf8');
    fs.writeFileSync(cfgFile, cfg.replace(/"seed": 0/, '"seed": 5'));
    const other = l2nas('resume', out);
    expect(other.code, other.err).toBe(2);
    expect(other.err).toContain(`${out}: its supernet checkpoint was made with other settings than config.json`);
    fs.writeFileSync(cfgFile, cfg);
    const f = path.join(out, 'supernet-checkpoint.bin');
    const b = fs.readFileSync(f);
    b[b.length - 7] ^= 0x20;
    fs.writeFileSync(f, b);
    const flipped = l2nas('resume', out);
    expect(flipped.code, flipped.err).toBe(2);
    expect(flipped.err).toContain(`${f}: checksum mismatch`);
  });
});

describe('one writer per run folder', () => {
  let manager: RunManager;
  afterAll(() => manager?.dispose());

  it('a second writer, delete and cancel are refused while a CLI writes the run; after a SIGKILL resume takes the stale lock over', async () => {
    const runs = tempDir('runs-locked');
    manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, log: () => {} });
    const live = path.join(runs, 'live');
    const child = spawn(process.execPath, [BIN, ...search(live, '--steps', '1500', '--checkpoint-every', '10')], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        const f = path.join(live, RUN_FILES.events);
        if (fs.existsSync(f) && fs.readFileSync(f, 'utf8').split('\n').length > 25) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - t0 > 60_000) {
          clearInterval(poll);
          reject(new Error('the search did not start'));
        }
      }, 20);
    });
    try {
      const second = l2nas('resume', live, '-q');
      expect(second.code, second.err).toBe(2);
      expect(second.err).toMatch(new RegExp(`is being written by another process \\(pid ${child.pid}, l2nas search`));
      expect(() => manager.delete('live')).toThrow(ConflictError);
      await expect(manager.cancel('live')).rejects.toThrow(/another process is writing it \(pid \d+, l2nas search/);
      expect((await dispatchStudioCall(manager, { method: 'deleteRun', id: 'live' })).ok).toBe(false);
      expect(fs.existsSync(path.join(live, RUN_FILES.config))).toBe(true);
      expect(manager.list().find((r) => r.id === 'live')?.status).toBe('running');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(fs.existsSync(path.join(live, RUN_LOCK_FILE))).toBe(true); // stale: SIGKILL runs no handler
    expect(manager.list().find((r) => r.id === 'live')?.status).toBe('failed');
    // Stale lock: resume (checkpoint every 10 steps) takes it over and finishes the run.
    const cfg = path.join(live, RUN_FILES.config);
    fs.writeFileSync(cfg, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfg, 'utf8')), steps: Math.max(checkpointStep(live), 60) }));
    const r = l2nas('resume', live, '-q');
    expect(r.code, r.err).toBe(0);
    expect(fs.existsSync(path.join(live, RUN_LOCK_FILE))).toBe(false);
    manager.delete('live');
    expect(fs.existsSync(live)).toBe(false);
  });
});

describe('the run manager reads damaged runs and refuses bad supernet requests', () => {
  it('a bad events line becomes a warning with file:line; getRun, getEvents and listRuns still answer', async () => {
    const runs = tempDir('runs-damaged');
    const ref = path.join(dir, 'ref');
    const d = path.join(runs, 'damaged');
    fs.cpSync(ref, d, { recursive: true });
    const all = lines(d).split('\n');
    all[2] = '{"step": 2, "arch": "|nor_conv_3x3~0|+|';
    fs.writeFileSync(path.join(d, RUN_FILES.events), all.join('\n'));
    const m = new RunManager({ runsDir: runs, launch: forkNodeWorker, log: () => {} });
    const detail = m.get('damaged');
    expect(detail.summary.warnings).toEqual([expect.stringMatching(new RegExp(`${path.join(d, RUN_FILES.events).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not a valid event line`))]);
    expect(m.events('damaged')).toHaveLength(59);
    expect(m.list().map((r) => r.id)).toEqual(['damaged']);
    const exp = await dispatchStudioCall(m, { method: 'exportRun', id: 'damaged', what: 'history-csv' });
    expect(exp.ok).toBe(true);
  });

  it('a supernet search with a missing dataset file fails the call (invalid-request) and makes no run', async () => {
    const runs = tempDir('runs-demo');
    const m = new RunManager({ runsDir: runs, launch: forkNodeWorker, log: () => {} });
    expect(() => m.startSupernetSearch({ options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'cifar10', files: ['/nonexistent/data_batch_1.bin'] } } })).toThrow(/\/nonexistent\/data_batch_1\.bin/);
    const reply = await dispatchStudioCall(m, { method: 'startSupernetSearch', options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'idx', images: '/nonexistent/i', labels: '/nonexistent/l' } } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^\/nonexistent\/i: /) } });
    expect(fs.readdirSync(runs)).toEqual([]);
  });

  it('a MAC budget from the API: refused by name where no subnet fits or the supernet has no cost model; recorded in config.json otherwise', async () => {
    const runs = tempDir('runs-budget');
    const m = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: path.resolve(__dirname, '..', '..', 'out', 'node', 'workers', 'training-worker.js'), log: () => {} });
    const ofa = { space: 'ofa' as const, method: 'random' as const, dataset: { kind: 'mnist-embedded' as const }, C: 25, N: 5, epochs: 1 };
    const tight = await dispatchStudioCall(m, { method: 'startSupernetSearch', options: { ...ofa, maxMacs: 0.3 } });
    expect(tight).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^maxMacs 0\.3: no subnet fits; the smallest ofa subnet \(C = 25, N = 5\) needs 0\.400 million MACs/) } });
    const nb = await dispatchStudioCall(m, { method: 'startSupernetSearch', options: { space: 'nb201', method: 'l2nas', dataset: { kind: 'mnist-embedded' }, maxMacs: 5 } });
    expect(nb).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^maxMacs: the nb201 supernet has no MAC model here/) } });
    expect((await dispatchStudioCall(m, { method: 'startSupernetSearch', options: { ...ofa, maxMacs: -1 } })).ok).toBe(false);
    expect(fs.readdirSync(runs)).toEqual([]);
    const ok = await dispatchStudioCall(m, { method: 'startSupernetSearch', options: { ...ofa, maxMacs: 0.9 } });
    expect(ok.ok).toBe(true);
    const id = (ok as { ok: true; value: { id: string } }).value.id;
    const config = JSON.parse(fs.readFileSync(path.join(runs, id, 'config.json'), 'utf8'));
    expect(config.estimator).toMatchObject({ kind: 'supernet', C: 25, N: 5, maxMacs: 0.9 });
    await m.cancel(id);
    m.dispose();
  });
});
