import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';

/*
 * The WebGPU adapters Dawn (npm `webgpu`, a prebuilt `dawn.node` N-API addon) finds on this
 * machine, one Dawn backend at a time, so that each adapter is reported with the backend it
 * runs on (Dawn's GPUAdapterInfo does not say). node/backend.ts turns one of them into the
 * TF.js `webgpu` backend; `l2nas doctor` lists them all.
 *
 * Only what we use of the WebGPU API is typed here: `@webgpu/types` comes in two versions in
 * node_modules (tfjs-backend-webgpu's and webgpu's) whose globals disagree.
 */

/** The adapter facts `doctor` shows (contracts/studio-api.ts WebGpuAdapterReport). */
export interface WebGpuAdapterReport {
  /** Dawn's backend type: vulkan, metal, d3d12, d3d11, opengles, opengl. */
  dawnBackend: string;
  /** 'core', or 'compatibility' where only the reduced WebGPU profile came up (OpenGL ES). */
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader, WARP…): never chosen automatically. */
  software: boolean;
}

export interface WebGpuProbe {
  adapters: WebGpuAdapterReport[];
  /** Why no adapter could be asked for at all (package missing, addon failed to load), if so. */
  error?: string;
  /** Per Dawn backend that gave no adapter: what we know of why. */
  notFound: { dawnBackend: string; reason: string }[];
}

export interface GpuLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
}
export interface GpuAdapterInfoLike {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
export interface GpuAdapterLike {
  readonly info: GpuAdapterInfoLike;
  readonly limits: GpuLimits;
  requestDevice(descriptor?: { requiredLimits?: Partial<GpuLimits> }): Promise<unknown>;
}
export interface GpuLike {
  requestAdapter(options?: { featureLevel?: string; powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** An adapter found, with the live object backend.ts makes the device from. */
export interface FoundAdapter {
  report: WebGpuAdapterReport;
  adapter: GpuAdapterLike;
  /** The Dawn instance it came from (one per Dawn backend). */
  gpu: GpuLike;
}

/** Dawn's backends per platform, native ones first (they are the fast path on real GPUs). */
function dawnBackends(): string[] {
  if (process.platform === 'darwin') return ['metal'];
  if (process.platform === 'win32') return ['d3d12', 'vulkan', 'd3d11', 'opengles'];
  return ['vulkan', 'opengles', 'opengl'];
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swrast|swiftshader|software|basic render|warp/i;

/** A CPU rasteriser? Dawn sets isFallbackAdapter only for its own SwiftShader, so names count too. */
export function isSoftwareAdapter(info: GpuAdapterInfoLike): boolean {
  return info.isFallbackAdapter === true || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/** Whether the dynamic loader can find a library: in /etc/ld.so.cache or on LD_LIBRARY_PATH. */
function libraryListed(name: string): boolean {
  if ((process.env.LD_LIBRARY_PATH ?? '').split(':').some((d) => d && fs.existsSync(`${d}/${name}`))) return true;
  try {
    return fs.readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false;
  }
}

function whyNone(backend: string): string {
  if (backend === 'vulkan' && process.platform === 'linux' && !libraryListed('libvulkan.so.1')) {
    return 'no adapter: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: libvulkan1; with no GPU, Dawn refuses Mesa\'s software Vulkan anyway)';
  }
  if ((backend === 'opengles' || backend === 'opengl') && process.platform === 'linux' && !libraryListed('libEGL_mesa.so.0') && !libraryListed('libEGL_nvidia.so.0')) {
    return 'no adapter: no EGL driver found (Debian: libegl-mesa0 and libgl1-mesa-dri for Mesa, incl. the llvmpipe software rasteriser)';
  }
  return 'no adapter';
}

/**
 * Mesa's EGL (Dawn's OpenGL ES and OpenGL backends) defaults to the X11 platform, which fails
 * on a machine without a display (EGL_NOT_INITIALIZED); its surfaceless platform (render nodes,
 * or the llvmpipe rasteriser) needs none. Asked for unless a display is there or the user chose
 * a platform; it must be set before EGL first loads.
 */
function eglEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (process.platform !== 'linux' || env.EGL_PLATFORM || env.DISPLAY || env.WAYLAND_DISPLAY) return env;
  return { ...env, EGL_PLATFORM: 'surfaceless' };
}

/**
 * In a packaged app a file inside app.asar that was unpacked (forge.config.ts ASAR_UNPACK keeps
 * the whole `webgpu` package out of the archive) maps to its real copy in app.asar.unpacked, so
 * that the ES-module entry and dawn.node (and, on Windows, the DLLs beside it) load from real
 * files whatever Electron's asar support does for ES modules; any other path is returned as is.
 */
export function unpackedPath(file: string, exists: (p: string) => boolean = fs.existsSync): string {
  const m = /([\\/])app\.asar([\\/])/.exec(file);
  if (!m) return file;
  const real = `${file.slice(0, m.index)}${m[1]}app.asar.unpacked${m[2]}${file.slice(m.index + m[0].length)}`;
  return exists(real) ? real : file;
}

/** The webgpu package's entry file (unpacked in a packaged app), or why it is not there. */
function webgpuEntry(): string {
  return unpackedPath(require.resolve('webgpu'));
}

let dawn: Promise<DawnModule> | null = null;

/**
 * Loads dawn.node in this process, once. The package is an ES module, so it comes through a
 * real dynamic import (tsc keeps `import()` as is under module node16) of its entry's file URL.
 */
function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    if (eglEnv(process.env) !== process.env) process.env.EGL_PLATFORM = 'surfaceless';
    let specifier: string;
    try {
      specifier = pathToFileURL(webgpuEntry()).href;
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    dawn = (import(specifier) as Promise<DawnModule>).then((m) => {
      // TF.js's WebGPU backend reads the WebGPU enums (GPUBufferUsage, GPUMapMode…) as globals, as in a browser.
      for (const [k, v] of Object.entries(m.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
      return m;
    });
  }
  return dawn;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}

/**
 * The probe, run in a child Node process: one Dawn instance per backend, 'core' first, then
 * 'compatibility' (the reduced profile of Dawn's OpenGL ES backend; TF.js's kernels run on
 * it). In a child because Dawn writes its warnings straight to file descriptor 2 (every CLI run
 * would print "Couldn't load Vulkan…" otherwise), and here they say why a backend gave no
 * adapter: each backend's share is cut out by a marker line. Prints one JSON line.
 */
const PROBE_SCRIPT = `
const fs = require('node:fs');
const url = require('node:url');
(async () => {
  const [file, ...backends] = process.argv.slice(1);
  const m = await import(url.pathToFileURL(file).href);
  const out = [];
  for (const backend of backends) {
    fs.writeSync(2, '\\n@@dawn-backend ' + backend + '\\n');
    let hit = null, error = null;
    try {
      const gpu = m.create(['backend=' + backend]);
      for (const featureLevel of ['core', 'compatibility']) {
        const a = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
        if (!a) continue;
        const i = a.info;
        hit = { featureLevel, vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter };
        break;
      }
    } catch (e) {
      error = String(e && e.message || e);
    }
    out.push({ backend, hit, error });
  }
  fs.writeSync(1, JSON.stringify(out) + '\\n');
  process.exit(0);
})().catch((e) => { fs.writeSync(1, JSON.stringify({ fatal: String(e && e.message || e) }) + '\\n'); process.exit(0); });
`;

interface ProbeRow {
  backend: string;
  hit: (GpuAdapterInfoLike & { featureLevel: 'core' | 'compatibility' }) | null;
  error: string | null;
}

/** Dawn's warning lines printed for one backend, without its source-location lines. */
function dawnSays(stderr: string, backend: string): string {
  const part = stderr.split(`@@dawn-backend ${backend}\n`)[1]?.split('\n@@dawn-backend ')[0] ?? '';
  const lines = part.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('- While') && !/artificially reduced/.test(l));
  return lines.join(' ').slice(0, 400);
}

let probed: WebGpuProbe | null = null;

/** Every adapter Dawn finds here, one Dawn backend at a time (once per process; ~0.2 s). */
export function probeWebGpuAdapters(): WebGpuProbe {
  if (probed) return probed;
  let file: string;
  try {
    file = webgpuEntry();
  } catch (e) {
    return (probed = { adapters: [], notFound: [], error: `the npm package "webgpu" (Dawn) is not installed: ${message(e)}` });
  }
  const backends = dawnBackends();
  // In Electron's utility processes execPath is the Electron binary: run it as plain Node.
  const r = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, file, ...backends], { env: { ...eglEnv(process.env), ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  let rows: ProbeRow[] | { fatal: string };
  try {
    rows = JSON.parse(line) as ProbeRow[] | { fatal: string };
  } catch {
    const why = r.error ? message(r.error) : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    return (probed = { adapters: [], notFound: [], error: `the WebGPU adapter probe failed (${why}): ${dawnSays(`@@dawn-backend -\n${r.stderr ?? ''}`, '-') || 'no output'}` });
  }
  if (!Array.isArray(rows)) return (probed = { adapters: [], notFound: [], error: `the npm package "webgpu" (Dawn) did not load: ${rows.fatal.split('\n')[0].slice(0, 300)}` });
  const adapters: WebGpuAdapterReport[] = [];
  const notFound: WebGpuProbe['notFound'] = [];
  for (const row of rows) {
    if (row.hit) {
      const i = row.hit;
      adapters.push({ dawnBackend: row.backend, featureLevel: i.featureLevel, vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, software: isSoftwareAdapter(i) });
    } else {
      const said = dawnSays(r.stderr ?? '', row.backend);
      notFound.push({ dawnBackend: row.backend, reason: row.error ?? (said ? `${whyNone(row.backend)}; Dawn: ${said}` : whyNone(row.backend)) });
    }
  }
  return (probed = { adapters, notFound });
}

/** The live adapter of a probed one, in this process (dawn.node loaded here from now on). */
export async function openAdapter(report: WebGpuAdapterReport): Promise<FoundAdapter> {
  let m: DawnModule;
  try {
    m = await loadDawn();
  } catch (e) {
    throw new Error(`the npm package "webgpu" (Dawn) did not load: ${message(e)}`, { cause: e });
  }
  const gpu = m.create([`backend=${report.dawnBackend}`]);
  const adapter = await gpu.requestAdapter({ featureLevel: report.featureLevel, powerPreference: 'high-performance' });
  if (!adapter) throw new Error(`the ${report.dawnBackend} adapter found by the probe did not come up in this process`);
  return { report, adapter, gpu };
}

/** One line naming an adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) via opengles, software". */
export function describeAdapter(a: WebGpuAdapterReport): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || a.description || 'unnamed adapter';
  return `${name} via ${a.dawnBackend}${a.featureLevel === 'compatibility' ? ' (compatibility)' : ''}${a.software ? ', software' : ''}`;
}
