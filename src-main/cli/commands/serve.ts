import * as path from 'node:path';
import { RunManager } from '../../node/run-manager';
import { startStudioServer } from '../../node/http-server';
import { forkNodeWorker } from '../../node/worker-host';

/** `l2nas serve`: the Studio API and renderer on 127.0.0.1 with a per-start token. */
export async function serveCommand(o: { runs: string; port?: number; data?: string[] }): Promise<void> {
  const manager = new RunManager({ runsDir: path.resolve(o.runs), launch: forkNodeWorker });
  const staticDir = path.join(__dirname, '..', '..', '..', 'renderer');
  // What the API may read: like Jupyter's root folder, a token holder cannot open files elsewhere.
  const dataRoots = o.data?.length ? o.data.map((d) => path.resolve(d)) : [path.resolve(o.runs), process.cwd()];
  const server = await startStudioServer({ manager, port: o.port, staticDir, dataRoots });
  console.log(`L²NAS Studio serving runs in ${path.resolve(o.runs)}`);
  console.log(`reading tables and datasets only under: ${dataRoots.join(', ')}${o.data?.length ? '' : ' (add folders with --data <dir>)'}`);
  if (dataRoots.some((d) => path.dirname(d) === d)) console.log('warning: a filesystem root is allowed, so the API may read any file this user can; pass --data <dir> to narrow it');
  console.log(`open: ${server.url}`);
  console.log('(loopback only; forward the port with ssh -L to use it from another machine)');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Pause every live run (checkpoint; killed after 2 s at most): all of them stay resumable.
  await manager.shutdown();
  await server.close();
}
