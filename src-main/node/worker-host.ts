import { fork } from 'node:child_process';
import * as path from 'node:path';

/**
 * One small interface over "a worker process": the Electron app starts workers with
 * utilityProcess.fork (src-main/main/utility-worker.ts); the CLI, `l2nas serve` and tests start
 * the SAME worker code with Node's child_process.fork (below).
 */
export interface WorkerChannel {
  readonly pid: number | undefined;
  send(msg: unknown): void;
  onMessage(cb: (raw: unknown) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type WorkerLauncher = (entryFile: string) => WorkerChannel;

/** The compiled search worker entry (tsc output beside this module). */
export const SEARCH_WORKER_ENTRY = path.join(__dirname, '..', 'workers', 'search-worker.js');
/** The compiled training worker entry (supernet training). */
export const TRAINING_WORKER_ENTRY = path.join(__dirname, '..', 'workers', 'training-worker.js');

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
