import * as os from 'node:os';
import { BACKEND_ORDER, probeWebGpu, selectBackend, type BackendAttempt } from '../../node/backend';
import { describeAdapter } from '../../node/webgpu-adapters';

/** `l2nas doctor`: which TF.js backend runs, why each faster one did not, and the WebGPU adapters found. */
export async function doctorCommand(json: boolean): Promise<void> {
  const choice = await selectBackend('auto');
  const webgpu = await probeWebGpu();
  const tried = new Map(choice.attempts.map((a) => [a.backend, a] as const));
  const rows: (BackendAttempt & { tried: boolean })[] = BACKEND_ORDER.map((b) =>
    tried.has(b) ? { ...tried.get(b)!, tried: true } : { backend: b, ok: false, reason: 'not tried: a faster backend loaded', tried: false },
  );
  const info = {
    chosen: choice.backend,
    tfBackend: choice.tfName,
    ...(choice.adapter ? { adapter: choice.adapter } : {}),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    backends: rows,
    webgpu,
  };
  if (json) {
    console.log(JSON.stringify(info, null, 2));
    return;
  }
  console.log(`L²NAS Studio doctor — node ${process.version}, ${info.platform}, ${info.cpus} CPU cores`);
  for (const r of rows) console.log(`  ${r.ok ? '✔' : r.tried ? '✘' : '·'} ${r.backend.padEnd(15)} ${r.reason}`);
  console.log('WebGPU adapters (Dawn):');
  if (webgpu.error) console.log(`  ${webgpu.error}`);
  for (const a of webgpu.adapters) console.log(`  ${a.software ? '○' : '●'} ${describeAdapter(a)} — vendor "${a.vendor}", architecture "${a.architecture}", ${a.description}`);
  for (const n of webgpu.notFound) console.log(`  · ${n.dawnBackend.padEnd(9)} ${n.reason}`);
  console.log(`using: ${choice.backend}${choice.adapter ? ` on ${describeAdapter(choice.adapter)}` : ''}`);
  if (choice.backend !== 'tensorflow-gpu' && choice.backend !== 'webgpu') {
    console.log('hint: GPU training needs a GPU with a Vulkan (Linux, Windows), Metal or D3D12 driver for WebGPU, or @tensorflow/tfjs-node-gpu with CUDA 11.2 and cuDNN 8.1');
  }
}
