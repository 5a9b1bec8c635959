import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatasetCheck, DatasetSpec } from '../contracts/dataset';
import type { TableCheck } from '../contracts/studio-api';
import type { SpaceId } from '../common/spaces/space';
import type { BenchmarkTable } from '../core/estimators/estimator';
import { getSpace } from '../common/spaces';
import { BenchmarkFileError, loadBenchmarkTables } from './benchmark-csv';
import { checkDataset, DatasetFileError } from './datasets';
import { checkBenchmarkTables, UsageError } from './run-config';

/** One file check, as plain data (it crosses into a worker thread). */
export type FileCheckJob =
  | { kind: 'table'; space: SpaceId; files: string[] }
  /** The joined table itself (startSearch): a Map of Float64Arrays, cheap to pass between threads. */
  | { kind: 'load-table'; space: SpaceId; files: string[] }
  | { kind: 'dataset'; dataset: DatasetSpec };
export type FileCheckResult<J extends FileCheckJob> = J extends { kind: 'table' } ? TableCheck : J extends { kind: 'load-table' } ? BenchmarkTable : DatasetCheck;

/** What a worker thread posts back. `invalid`: the files are wrong (→ invalid-request). */
export type FileCheckReply = { ok: true; value: TableCheck | DatasetCheck | BenchmarkTable } | { ok: false; invalid: boolean; message: string };

export function runFileCheck(job: FileCheckJob): TableCheck | DatasetCheck | BenchmarkTable {
  switch (job.kind) {
    case 'table':
      return checkBenchmarkTables(job.space, job.files);
    case 'load-table':
      return loadBenchmarkTables(job.files, getSpace(job.space));
    case 'dataset':
      return checkDataset(job.dataset);
  }
}

/** Runs a check here and turns its outcome into a reply (in the worker thread, or inline). */
export function fileCheckReply(job: FileCheckJob): FileCheckReply {
  try {
    return { ok: true, value: runFileCheck(job) };
  } catch (e) {
    const invalid = e instanceof BenchmarkFileError || e instanceof DatasetFileError || e instanceof UsageError;
    return { ok: false, invalid, message: (e as Error).message };
  }
}

export interface FileChecker {
  check<J extends FileCheckJob>(job: J): Promise<FileCheckResult<J>>;
  /** Stops running checks (server shutdown). */
  close(): void;
}

function unwrap<J extends FileCheckJob>(r: FileCheckReply): FileCheckResult<J> {
  if (r.ok) return r.value as FileCheckResult<J>;
  if (r.invalid) throw new UsageError(r.message);
  throw new Error(r.message);
}

/** In the calling thread: for the desktop app's main process and unit tests. */
export const inlineFileChecker: FileChecker = {
  check: async <J extends FileCheckJob>(job: J) => unwrap<J>(fileCheckReply(job)),
  close: () => {},
};

/** The compiled worker entry beside this module; absent when running from TypeScript sources. */
export const FILE_CHECK_WORKER_ENTRY = path.join(__dirname, 'file-check-worker.js');

/**
 * Runs each check in its own worker thread, so reading a 60 MB table or a 400 MB dataset never
 * stalls `serve`'s event loop (every other client's calls and the event stream go on). Each
 * thread has a heap limit and a deadline; a check over either fails alone. At most `parallel`
 * run at once (the rest wait), and at most `queue` wait (the rest are refused), so a flood of
 * checks cannot exhaust memory either.
 */
export function workerFileChecker(opts: { entry?: string; parallel?: number; queue?: number; timeoutMs?: number; heapMb?: number } = {}): FileChecker {
  const entry = opts.entry ?? FILE_CHECK_WORKER_ENTRY;
  if (!fs.existsSync(entry)) return inlineFileChecker;
  const parallel = opts.parallel ?? 2;
  const maxQueue = opts.queue ?? 16;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const heapMb = opts.heapMb ?? 1024;
  const running = new Set<Worker>();
  const waiting: (() => void)[] = [];
  let active = 0; // slots taken; a finishing check hands its slot straight to the next in line
  let closed = false;
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  const runOne = (job: FileCheckJob) =>
    new Promise<FileCheckReply>((resolve) => {
      const w = new Worker(entry, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
      running.add(w);
      let settled = false;
      const done = (r: FileCheckReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        running.delete(w);
        void w.terminate();
        resolve(r);
      };
      const timer = setTimeout(() => done({ ok: false, invalid: false, message: `the file check took longer than ${timeoutMs / 1000} s and was stopped` }), timeoutMs);
      w.once('message', (r: FileCheckReply) => done(r));
      w.once('error', (e: Error & { code?: string }) =>
        done({ ok: false, invalid: false, message: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the file check needed more than ${heapMb} MiB of memory and was stopped` : `the file check failed (${e.code ?? e.name})` }),
      );
      w.once('exit', () => done({ ok: false, invalid: false, message: closed ? 'the server is shutting down' : 'the file check ended without an answer' }));
    });

  return {
    async check<J extends FileCheckJob>(job: J) {
      if (closed) throw new Error('the server is shutting down');
      if (active < parallel) active++;
      else {
        if (waiting.length >= maxQueue) throw new Error(`${parallel + maxQueue} file checks are already running or waiting; try again when they finish`);
        await new Promise<void>((go) => waiting.push(go));
      }
      try {
        if (closed) throw new Error('the server is shutting down');
        return unwrap<J>(await runOne(job));
      } finally {
        release();
      }
    },
    close() {
      closed = true;
      for (const w of running) void w.terminate();
      for (const go of waiting.splice(0)) go();
    },
  };
}
