import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getConfig } from '@electron-forge/plugin-vite/dist/config/vite.main.config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeWebGpuAdapters } from '../../src-main/node/webgpu-adapters';

/*
 * The WebGPU probe as the packaged app runs it (#13): in the training and search workers as
 * Forge's Vite plugin bundles them (.vite/build/*-worker.js, made here with the plugin's own
 * main-target config and vite.main.config.mts), talking through process.parentPort as an
 * Electron utility process does. There is no Electron binary here, so the worker runs under
 * plain Node with a parentPort of the same shape (Electron's: on('message', e => e.data),
 * postMessage) installed before it loads; what stays untested is Electron itself (its
 * execPath with ELECTRON_RUN_AS_NODE for the probe child, and asar, which
 * test/unit/forge-packaging.test.ts covers with @electron/asar).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const WORK = path.join(ROOT, 'test', 'artifacts', `utility-worker-${process.pid}`);
const OUT_DIR = path.join(WORK, '.vite', 'build');
const PARENT_PORT = path.join(WORK, 'parent-port.cjs');

/** Electron's utility-process parentPort, over Node's IPC channel. */
const PARENT_PORT_SHIM = `
const listeners = [];
process.on('message', (m) => { for (const cb of listeners) cb({ data: m }); });
// Wrapped, so that the test sees that every reply went through parentPort, not process.send.
process.parentPort = {
  on(ev, cb) { if (ev === 'message') listeners.push(cb); },
  postMessage(m) { process.send({ viaParentPort: m }); },
};
`;

async function bundleWorker(entry: string): Promise<void> {
  // vite is an ES module: a dynamic import from this CommonJS test.
  const { build, loadConfigFromFile, mergeConfig } = await import('vite');
  const forgeEnv = {
    root: ROOT,
    mode: 'production',
    command: 'build',
    forgeConfig: { build: [], renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }] },
    forgeConfigSelf: { entry, config: 'vite.main.config.mts', target: 'main' },
  };
  const user = await loadConfigFromFile({ command: 'build', mode: 'production' }, path.join(ROOT, 'vite.main.config.mts'));
  const config = mergeConfig(getConfig(forgeEnv as never, (user?.config ?? {}) as never), { configFile: false, logLevel: 'warn', build: { outDir: OUT_DIR, minify: false } }) as Parameters<typeof build>[0] & object;
  config.plugins = []; // the plugin's hot-restart hook needs Forge's dev server
  await build(config);
}

beforeAll(async () => {
  fs.mkdirSync(WORK, { recursive: true });
  fs.writeFileSync(PARENT_PORT, PARENT_PORT_SHIM);
  await bundleWorker('src-main/workers/training-worker.ts');
  await bundleWorker('src-main/workers/search-worker.ts');
}, 300_000);
afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

interface Reply {
  type: string;
  chosen?: string;
  backends?: { backend: string; ok: boolean; reason: string }[];
  webgpu?: ReturnType<typeof probeWebGpuAdapters>;
  message?: string;
}

/** Starts a bundled worker as a utility process would be, asks for the doctor report. */
async function doctorVia(bundle: string): Promise<{ replies: Reply[]; stderr: string }> {
  const child = fork(bundle, [], { execArgv: ['--require', PARENT_PORT], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  const replies: Reply[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  child.on('message', (m) => {
    const w = m as { viaParentPort?: Reply };
    replies.push(w.viaParentPort ?? { type: `not through parentPort: ${JSON.stringify(m).slice(0, 80)}` });
  });
  try {
    const t0 = Date.now();
    while (!replies.some((r) => r.type === 'ready') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    child.send({ type: 'doctor' });
    while (!replies.some((r) => r.type === 'doctor' || r.type === 'error') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  } finally {
    child.kill('SIGKILL');
  }
  return { replies, stderr };
}

describe('the WebGPU probe in the app\'s bundled workers (utility-process channel, plain Node)', () => {
  const direct = probeWebGpuAdapters();

  for (const worker of ['training-worker.js', 'search-worker.js']) {
    it(`${worker}: answers "doctor" over parentPort with the adapters this machine has, and Dawn's warnings stay off its stderr`, async () => {
      const bundle = path.join(OUT_DIR, worker);
      expect(fs.existsSync(bundle), `Vite did not write ${bundle}`).toBe(true);
      // The bundle keeps webgpu (and TF.js) external: loaded from node_modules at run time.
      const code = fs.readFileSync(bundle, 'utf8');
      expect(code).toMatch(/require\.resolve\(["']webgpu["']\)/);
      const { replies, stderr } = await doctorVia(bundle);
      expect(replies.map((r) => r.type)).toContain('ready');
      const d = replies.find((r) => r.type === 'doctor');
      expect(d, JSON.stringify(replies)).toBeDefined();
      // Tried in order until one loads (webgpu only on a hardware adapter): that one is chosen.
      const order = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
      expect(d!.backends!.map((b) => b.backend)).toEqual(order.slice(0, order.indexOf(d!.chosen!) + 1));
      expect(d!.backends!.at(-1)!.ok).toBe(true);
      expect(d!.webgpu).toEqual(direct);
      // The probe ran in its own child: "Couldn't load Vulkan…" and the like never reach here.
      expect(stderr).not.toMatch(/vulkan|dawn|Warning:/i);
    });
  }
});
