import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { VitePlugin } from '@electron-forge/plugin-vite';

/**
 * Electron Forge: Vite builds main, preload, the search worker (a utility-process entry) and
 * the renderer into .vite/; packages keep .vite/ and the production node_modules (TF.js and its
 * WASM binaries, and Dawn's dawn.node for WebGPU, are loaded from there at run time, not
 * bundled). test/unit/forge-packaging.test.ts checks the filter, the asar unpack pattern (with
 * @electron/asar itself) and the Dawn trimming hook.
 */
const KEEP = ['/package.json', '/.vite', '/node_modules', '/assets'];

/** The packager's filter: true drops a path (relative to the project, starting with '/'). */
export const ignoreInPackage = (file: string): boolean => file !== '' && !KEEP.some((k) => file === k || file.startsWith(`${k}/`));

/**
 * Files kept out of app.asar (in app.asar.unpacked): native addons and WASM binaries, which
 * must be real files to load, and the whole npm package `webgpu`: its dawn.node on Windows
 * loads dxcompiler.dll and d3dcompiler_47.dll from its own folder (LoadLibrary cannot read an
 * asar), and its ES-module entry is imported from the unpacked copy
 * (node/webgpu-adapters.ts unpackedPath), so no ES module is ever loaded from the archive.
 */
export const ASAR_UNPACK = '{**/*.node,**/*.wasm,**/node_modules/webgpu/**}';

/** The dawn.node folder (node_modules/webgpu/dist/…) a target platform and arch loads. */
export function dawnDirFor(platform: string, arch: string): string {
  return platform === 'darwin' || platform === 'mas' ? 'darwin-universal' : `${platform}-${arch}`;
}

/**
 * Removes the other platforms' Dawn binaries (each 12–40 MB) from a package being built:
 * only node_modules/webgpu/dist/<dawnDirFor(platform, arch)> stays. Where the package has none
 * for the target, every folder goes (WebGPU is then unavailable there; the app falls back to
 * WASM) and `missing` says so. Returns what was kept and removed, and the bytes saved.
 */
export function trimDawnBinaries(buildPath: string, platform: string, arch: string): { kept: string | null; removed: string[]; bytes: number; missing: boolean } {
  const dist = path.join(buildPath, 'node_modules', 'webgpu', 'dist');
  if (!fs.existsSync(dist)) return { kept: null, removed: [], bytes: 0, missing: true };
  const want = dawnDirFor(platform, arch);
  const size = (p: string): number => (fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((s, e) => s + size(path.join(p, e)), 0) : fs.statSync(p).size);
  const removed: string[] = [];
  let bytes = 0;
  for (const dir of fs.readdirSync(dist)) {
    if (dir === want) continue;
    const p = path.join(dist, dir);
    bytes += size(p);
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(dir);
  }
  const kept = fs.existsSync(path.join(dist, want, 'dawn.node')) ? want : null;
  return { kept, removed: removed.sort(), bytes, missing: kept === null };
}

const config: ForgeConfig = {
  outDir: 'dist/forge',
  packagerConfig: {
    name: 'L2NAS Studio',
    executableName: 'l2nas-studio',
    // assets/icon.icns (macOS) or assets/icon.ico (Windows): Forge adds the platform's extension.
    icon: 'assets/icon',
    asar: { unpack: ASAR_UNPACK },
    ignore: ignoreInPackage,
  },
  hooks: {
    // After the copy (and before pruning and asar): one platform's Dawn binary per package.
    packageAfterCopy: async (_config, buildPath, _electronVersion, platform, arch) => {
      const r = trimDawnBinaries(buildPath, platform, arch);
      const mb = (r.bytes / 1e6).toFixed(1);
      if (r.missing) console.warn(`webgpu: no dawn.node for ${platform}-${arch} in the package; removed ${r.removed.join(', ') || 'nothing'} (${mb} MB): WebGPU is unavailable in this build`);
      else console.log(`webgpu: kept dist/${r.kept}, removed ${r.removed.join(', ') || 'nothing'} (${mb} MB)`);
    },
  },
  makers: [
    new MakerZIP({}, ['linux', 'darwin', 'win32']),
    new MakerDeb({ options: { name: 'l2nas-studio', productName: 'L²NAS Studio', categories: ['Science', 'Development'], icon: 'assets/png/512x512.png' } }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'src-main/main/index.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-main/workers/search-worker.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-main/workers/training-worker.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'src-main/preload/preload.ts', config: 'vite.preload.config.mts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }],
    }),
  ],
};

export default config;
