import { utilityProcess } from 'electron';
import type { WorkerLauncher } from '../node/worker-host';

/**
 * Workers in the app: Electron utility processes (the design card). Same worker code as the
 * CLI's child processes; only this launcher differs (src-main/node/worker-host.ts).
 */
export const forkUtilityWorker: WorkerLauncher = (entryFile) => {
  const child = utilityProcess.fork(entryFile, [], { serviceName: 'L²NAS search worker', stdio: 'inherit' });
  let exitCb: ((code: number | null, signal: string | null) => void) | null = null;
  child.on('exit', (code) => exitCb?.(code, null));
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => (exitCb = cb),
    kill: () => void child.kill(),
  };
};
