import * as fs from 'node:fs';

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

function libraryListed(name: string): boolean {
  try {
    return fs.readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false;
  }
}

function whyNone(backend: string): string {
  if (backend === 'vulkan' && process.platform === 'linux' && !libraryListed('libvulkan.so.1')) {
    return 'no adapter: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: libvulkan1), and Dawn refuses Mesa\'s software Vulkan anyway';
  }
  if ((backend === 'opengles' || backend === 'opengl') && process.platform === 'linux' && !libraryListed('libEGL_mesa.so.0') && !libraryListed('libEGL_nvidia.so.0')) {
    return 'no adapter: no EGL driver found (Debian: libegl-mesa0 and libgl1-mesa-dri for Mesa, incl. the llvmpipe software rasteriser)';
  }
  return 'no adapter (Dawn prints its reason on stderr)';
}

let dawn: Promise<DawnModule> | null = null;

/**
 * Loads dawn.node once. The package is an ES module, so it comes through a real dynamic
 * import (tsc keeps `import()` as is under module node16). Dawn's OpenGL ES backend goes through
 * EGL, and Mesa's EGL defaults to the X11 platform, which fails on a machine without a display
 * (EGL_NOT_INITIALIZED); its surfaceless platform (render nodes, or llvmpipe) needs none, so it
 * is asked for unless a display is there or the user chose a platform. It must be set before
 * EGL first loads, i.e. before the first adapter request.
 */
export function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    if (process.platform === 'linux' && !process.env.EGL_PLATFORM && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
      process.env.EGL_PLATFORM = 'surfaceless';
    }
    const specifier = 'webgpu';
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

let probed: Promise<{ found: FoundAdapter[]; probe: WebGpuProbe }> | null = null;

/**
 * Every adapter, one request per Dawn backend: 'core' first, then 'compatibility' (the
 * reduced profile Dawn's OpenGL ES backend offers; TF.js's kernels run on it). Runs once per
 * process; each request takes milliseconds.
 */
export function findWebGpuAdapters(): Promise<{ found: FoundAdapter[]; probe: WebGpuProbe }> {
  if (!probed) {
    probed = (async () => {
      let m: DawnModule;
      try {
        m = await loadDawn();
      } catch (e) {
        return { found: [], probe: { adapters: [], notFound: [], error: `the npm package "webgpu" (Dawn) did not load: ${message(e)}` } };
      }
      const found: FoundAdapter[] = [];
      const notFound: WebGpuProbe['notFound'] = [];
      for (const backend of dawnBackends()) {
        let hit: FoundAdapter | null = null;
        try {
          const gpu = m.create([`backend=${backend}`]);
          for (const featureLevel of ['core', 'compatibility'] as const) {
            const adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
            if (!adapter) continue;
            const i = adapter.info;
            hit = {
              adapter,
              gpu,
              report: { dawnBackend: backend, featureLevel, vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, software: isSoftwareAdapter(i) },
            };
            break;
          }
          if (hit) found.push(hit);
          else notFound.push({ dawnBackend: backend, reason: whyNone(backend) });
        } catch (e) {
          notFound.push({ dawnBackend: backend, reason: message(e) });
        }
      }
      return { found, probe: { adapters: found.map((f) => f.report), notFound } };
    })();
  }
  return probed;
}

/** One line naming an adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) via opengles, software". */
export function describeAdapter(a: WebGpuAdapterReport): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || a.description || 'unnamed adapter';
  return `${name} via ${a.dawnBackend}${a.featureLevel === 'compatibility' ? ' (compatibility)' : ''}${a.software ? ', software' : ''}`;
}
