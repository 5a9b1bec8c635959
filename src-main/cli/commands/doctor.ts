import * as os from 'node:os';
import { BACKEND_ORDER, selectBackend, type BackendAttempt } from '../../node/backend';

/** `l2nas doctor`: which TF.js backend runs, and why each faster one did not. */
export async function doctorCommand(json: boolean): Promise<void> {
  const choice = await selectBackend('auto');
  const tried = new Map(choice.attempts.map((a) => [a.backend, a] as const));
  const rows: (BackendAttempt & { tried: boolean })[] = BACKEND_ORDER.map((b) =>
    tried.has(b) ? { ...tried.get(b)!, tried: true } : { backend: b, ok: false, reason: 'not tried: a faster backend loaded', tried: false },
  );
  const info = { chosen: choice.backend, tfBackend: choice.tfName, node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, backends: rows };
  if (json) {
    console.log(JSON.stringify(info, null, 2));
    return;
  }
  console.log(`L²NAS Studio doctor — node ${process.version}, ${info.platform}, ${info.cpus} CPU cores`);
  for (const r of rows) console.log(`  ${r.ok ? '✔' : r.tried ? '✘' : '·'} ${r.backend.padEnd(15)} ${r.reason}`);
  console.log(`using: ${choice.backend}`);
  if (choice.backend !== 'tensorflow-gpu') {
    console.log('hint: for GPU supernet training install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 and cuDNN 8.1)');
  }
}
