import { utilityProcess } from 'electron';
import type { WorkerLauncher } from '../node/worker-host';

/**
 * Workers in the app: Electron utility processes (the design card). Same worker code as the
 * CLI's child processes; only this launcher differs (src-main/node/worker-host.ts).
 *
 * stdout/stderr are piped and copied, line by line and labelled with the pid, to main's stderr:
 * a packaged app has no terminal to inherit, and an unread pipe would stall the worker.
 */
export const forkUtilityWorker: WorkerLauncher = (entryFile, serviceName = 'L²NAS worker') => {
  const child = utilityProcess.fork(entryFile, [], { serviceName, stdio: 'pipe' });
  let exited = false;
  let exitCode: number | null = null;
  let exitCb: ((code: number | null, signal: string | null) => void) | null = null;
  const label = () => `[${serviceName} ${child.pid ?? '?'}]`;
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer | string) => {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`${label()} ${line}\n`);
    });
    stream?.on('end', () => {
      if (partial) process.stderr.write(`${label()} ${partial}\n`);
      partial = '';
    });
  }
  // Electron's 'exit' gives the exit code only (a kill shows as a code, not a signal).
  child.on('exit', (code) => {
    exited = true;
    exitCode = code;
    exitCb?.(code, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => {
      if (!exited) child.postMessage(msg);
    },
    onMessage: (cb) => void child.on('message', cb),
    onExit: (cb) => {
      exitCb = cb;
      if (exited) cb(exitCode, null);
    },
    kill: () => {
      if (!exited) child.kill();
    },
  };
};
