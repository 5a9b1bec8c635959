import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPackageWithOptions, listPackage } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASAR_UNPACK, dawnDirFor, ignoreInPackage, trimDawnBinaries } from '../../forge.config';
import { unpackedPath } from '../../src-main/node/webgpu-adapters';

/*
 * The packaged app's WebGPU files (#13): Forge's filter keeps the `webgpu` package, the
 * packageAfterCopy hook keeps one platform's dawn.node, and @electron/asar (the packager's own
 * archiver) leaves what must be real files outside app.asar. A package tree is laid out as the
 * packager's copy step leaves it, with hard links to the installed package's real binaries.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const WEBGPU = path.join(ROOT, 'node_modules', 'webgpu');
const WORK = path.join(ROOT, 'test', 'artifacts', `forge-packaging-${process.pid}`);

/** Hard-links (or copies, across file systems) a file into the fake package tree. */
function place(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

function dirBytes(p: string): number {
  return fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((s, e) => s + dirBytes(path.join(p, e)), 0) : fs.statSync(p).size;
}

/** A build folder as the packager's copy leaves it: package.json, .vite, node_modules (webgpu + a .wasm). */
function buildTree(name: string): string {
  const b = path.join(WORK, name);
  fs.mkdirSync(path.join(b, '.vite', 'build'), { recursive: true });
  fs.writeFileSync(path.join(b, 'package.json'), JSON.stringify({ name: 'l2nas-studio', main: '.vite/build/index.js' }));
  fs.writeFileSync(path.join(b, '.vite', 'build', 'index.js'), '// main\n');
  const nm = path.join(b, 'node_modules');
  for (const f of ['package.json', 'index.js']) place(path.join(WEBGPU, f), path.join(nm, 'webgpu', f));
  for (const dir of fs.readdirSync(path.join(WEBGPU, 'dist'))) {
    for (const f of fs.readdirSync(path.join(WEBGPU, 'dist', dir))) place(path.join(WEBGPU, 'dist', dir, f), path.join(nm, 'webgpu', 'dist', dir, f));
  }
  const wasm = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm-simd.wasm');
  place(wasm, path.join(nm, '@tensorflow', 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm-simd.wasm'));
  return b;
}

/** Files (relative, '/'-separated) under a folder. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const DIST = fs.existsSync(path.join(WEBGPU, 'dist')) ? fs.readdirSync(path.join(WEBGPU, 'dist')).sort() : [];

beforeAll(() => fs.mkdirSync(WORK, { recursive: true }));
afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

describe('Forge packaging of WebGPU (forge.config.ts)', () => {
  it('the filter keeps package.json, .vite, node_modules (dawn.node of every platform) and assets, nothing else', () => {
    for (const keep of ['', '/package.json', '/.vite', '/.vite/build/index.js', '/node_modules', '/node_modules/webgpu/dist/linux-x64/dawn.node', '/node_modules/webgpu/dist/win32-x64/dxcompiler.dll', '/assets/png/512x512.png']) {
      expect(ignoreInPackage(keep), keep).toBe(false);
    }
    for (const drop of ['/src-main/node/backend.ts', '/out/node/node/backend.js', '/bench/gpu/run.sh', '/.gpu-bundle/payload.tar.xz', '/node_modules_old/x', '/package-lock.json']) {
      expect(ignoreInPackage(drop), drop).toBe(true);
    }
  });

  it('every target Electron builds for has its dawn.node in the installed webgpu package', () => {
    const targets: [string, string][] = [['linux', 'x64'], ['linux', 'arm64'], ['win32', 'x64'], ['win32', 'arm64'], ['darwin', 'x64'], ['darwin', 'arm64'], ['darwin', 'universal'], ['mas', 'arm64']];
    for (const [platform, arch] of targets) {
      const dir = dawnDirFor(platform, arch);
      expect(fs.existsSync(path.join(WEBGPU, 'dist', dir, 'dawn.node')), `${platform}-${arch} → dist/${dir}/dawn.node`).toBe(true);
    }
    // The package ships exactly these: a new folder would need a target above.
    expect(DIST).toEqual(['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64']);
  });

  it('the packageAfterCopy hook keeps only the target\'s Dawn binary, and says how much it saved', () => {
    const total = dirBytes(path.join(WEBGPU, 'dist'));
    const saved: Record<string, number> = {};
    for (const [platform, arch] of [['linux', 'x64'], ['win32', 'x64'], ['darwin', 'arm64']] as const) {
      const b = buildTree(`trim-${platform}-${arch}`);
      const want = dawnDirFor(platform, arch);
      const r = trimDawnBinaries(b, platform, arch);
      expect(r.kept).toBe(want);
      expect(r.missing).toBe(false);
      expect(r.removed).toEqual(DIST.filter((d) => d !== want));
      expect(fs.readdirSync(path.join(b, 'node_modules', 'webgpu', 'dist'))).toEqual([want]);
      // Everything beside it stays: the DLLs next to the Windows addon, the package entry.
      expect(fs.readdirSync(path.join(b, 'node_modules', 'webgpu', 'dist', want)).sort()).toEqual(fs.readdirSync(path.join(WEBGPU, 'dist', want)).sort());
      expect(fs.existsSync(path.join(b, 'node_modules', 'webgpu', 'index.js'))).toBe(true);
      expect(r.bytes).toBe(total - dirBytes(path.join(WEBGPU, 'dist', want)));
      saved[`${platform}-${arch}`] = r.bytes;
    }
    console.log(`dawn binaries: ${(total / 1e6).toFixed(1)} MB in all; trimming saves ${Object.entries(saved).map(([t, b]) => `${t} ${(b / 1e6).toFixed(1)} MB`).join(', ')}`);
    // A target with no Dawn build loses every folder, and says so (the app falls back to WASM).
    const ia32 = buildTree('trim-win32-ia32');
    const r = trimDawnBinaries(ia32, 'win32', 'ia32');
    expect(r).toMatchObject({ kept: null, missing: true, removed: DIST });
    expect(fs.readdirSync(path.join(ia32, 'node_modules', 'webgpu', 'dist'))).toEqual([]);
    // No webgpu package at all: nothing to do.
    expect(trimDawnBinaries(path.join(WORK, 'nothing-here'), 'linux', 'x64')).toEqual({ kept: null, removed: [], bytes: 0, missing: true });
  });

  it('the trimmed linux-x64 package still loads Dawn (plain Node, as the probe child runs it)', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    const b = buildTree('load-linux-x64');
    trimDawnBinaries(b, 'linux', 'x64');
    const entry = pathToFileURL(path.join(b, 'node_modules', 'webgpu', 'index.js')).href;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); console.log(JSON.stringify({ create: typeof m.create, mapRead: m.globals.GPUBufferUsage.MAP_READ }))`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({ create: 'function', mapRead: 1 });
  });

  it('app.asar leaves dawn.node, the DLLs beside it, the webgpu entry and .wasm files unpacked (@electron/asar)', async () => {
    const b = buildTree('asar-win32-x64');
    trimDawnBinaries(b, 'win32', 'x64');
    const archive = path.join(WORK, 'asar-win32-x64.asar');
    await createPackageWithOptions(b, archive, { unpack: ASAR_UNPACK });
    const unpacked = filesUnder(`${archive}.unpacked`);
    expect(unpacked).toEqual([
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      'node_modules/webgpu/dist/win32-x64/d3dcompiler_47.dll',
      'node_modules/webgpu/dist/win32-x64/dawn.node',
      'node_modules/webgpu/dist/win32-x64/dxcompiler-LICENSE.TXT',
      'node_modules/webgpu/dist/win32-x64/dxcompiler-ThirdPartyNotices.txt',
      'node_modules/webgpu/dist/win32-x64/dxcompiler.dll',
      'node_modules/webgpu/index.js',
      'node_modules/webgpu/package.json',
    ]);
    // Everything is still listed in the archive (the unpacked files as entries pointing out).
    const listed = listPackage(archive, { isPack: false }).map((p) => p.split(path.sep).join('/'));
    expect(listed).toContain('/.vite/build/index.js');
    expect(listed).toContain('/node_modules/webgpu/dist/win32-x64/dxcompiler.dll');
    // The pattern before this change ('**/*.{node,wasm}') kept the DLLs inside the archive,
    // where Windows' LoadLibrary (dawn.node loading dxcompiler.dll) cannot reach them.
    const old = path.join(WORK, 'asar-old-pattern.asar');
    await createPackageWithOptions(b, old, { unpack: '**/*.{node,wasm}' });
    expect(filesUnder(`${old}.unpacked`).filter((f) => f.endsWith('.dll'))).toEqual([]);
    // The probe and loadDawn map the entry inside app.asar to its unpacked copy.
    const inArchive = path.join(path.dirname(archive), 'app.asar', 'node_modules', 'webgpu', 'index.js');
    fs.renameSync(archive, path.join(path.dirname(archive), 'app.asar'));
    fs.renameSync(`${archive}.unpacked`, path.join(path.dirname(archive), 'app.asar.unpacked'));
    expect(unpackedPath(inArchive)).toBe(path.join(path.dirname(archive), 'app.asar.unpacked', 'node_modules', 'webgpu', 'index.js'));
    expect(fs.existsSync(unpackedPath(inArchive))).toBe(true);
  });
});

describe('unpackedPath (node/webgpu-adapters.ts)', () => {
  const yes = () => true;
  const no = () => false;
  it('maps a file inside app.asar to app.asar.unpacked where that copy exists', () => {
    expect(unpackedPath('/opt/L2NAS Studio/resources/app.asar/node_modules/webgpu/index.js', yes)).toBe('/opt/L2NAS Studio/resources/app.asar.unpacked/node_modules/webgpu/index.js');
    expect(unpackedPath('C:\\Program Files\\L2NAS\\resources\\app.asar\\node_modules\\webgpu\\index.js', yes)).toBe('C:\\Program Files\\L2NAS\\resources\\app.asar.unpacked\\node_modules\\webgpu\\index.js');
  });
  it('leaves every other path as it is', () => {
    expect(unpackedPath('/opt/app/resources/app.asar/node_modules/webgpu/index.js', no)).toBe('/opt/app/resources/app.asar/node_modules/webgpu/index.js');
    expect(unpackedPath('/work/repo/node_modules/webgpu/index.js', yes)).toBe('/work/repo/node_modules/webgpu/index.js');
    expect(unpackedPath('/opt/app/resources/app.asar.unpacked/node_modules/webgpu/index.js', yes)).toBe('/opt/app/resources/app.asar.unpacked/node_modules/webgpu/index.js');
    expect(unpackedPath('/opt/my-app.asar/x.js', yes)).toBe('/opt/my-app.asar/x.js');
  });
});
