import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { z } from 'zod';
import { parseMessage, WORKERS, type WorkerKind } from '../contracts/worker-protocol';

/**
 * One small interface over "a worker process": the Electron app starts workers with
 * utilityProcess.fork (src-main/main/utility-worker.ts); the CLI, `l2nas serve` and tests start
 * the SAME worker code with Node's child_process.fork (below). Messages are untyped here;
 * `openChannel` gives the typed, validated view (`WorkerChannel<In, Out>`).
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  send(msg: unknown): void;
  onMessage(cb: (raw: unknown) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Starts the worker at `entryFile`; `serviceName` names the process (the app's task manager, logs). */
export type WorkerLauncher = (entryFile: string, serviceName?: string) => WorkerProcess;

/** The compiled worker entries (tsc output beside this module), by kind. */
export const workerEntry = (kind: WorkerKind): string => path.join(__dirname, '..', 'workers', WORKERS[kind].entry);
export const SEARCH_WORKER_ENTRY = workerEntry('search');
export const TRAINING_WORKER_ENTRY = workerEntry('training');

export const forkNodeWorker: WorkerLauncher = (entryFile) => {
  const child = fork(entryFile, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => {
      if (child.connected) child.send(msg as object);
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
    kill: () => child.kill('SIGKILL'),
  };
};

/** A worker seen through its protocol: typed sends, validated receives (VS Code's IChannel idea). */
export interface WorkerChannel<In, Out> {
  readonly pid: number | undefined;
  send(msg: In): void;
  /** Only messages that pass the protocol's schema arrive here; others go to `onInvalid`. */
  onMessage(cb: (msg: Out) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export function openChannel<In, Out>(worker: WorkerProcess, schema: z.ZodType<Out>, name: string, onInvalid: (error: string) => void): WorkerChannel<In, Out> {
  return {
    get pid() {
      return worker.pid;
    },
    send: (msg) => worker.send(msg),
    onMessage: (cb) =>
      worker.onMessage((raw) => {
        const p = parseMessage(schema, raw, name);
        if (p.ok) cb(p.msg);
        else onInvalid(p.error);
      }),
    onExit: (cb) => worker.onExit(cb),
    kill: () => worker.kill(),
  };
}
