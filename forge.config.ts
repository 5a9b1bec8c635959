import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { VitePlugin } from '@electron-forge/plugin-vite';

/**
 * Electron Forge: Vite builds main, preload, the search worker (a utility-process entry) and
 * the renderer into .vite/; packages keep .vite/ and the production node_modules (TF.js and its
 * WASM binaries are loaded from there at run time, not bundled).
 */
const KEEP = ['/package.json', '/.vite', '/node_modules', '/assets'];

const config: ForgeConfig = {
  outDir: 'dist/forge',
  packagerConfig: {
    name: 'L2NAS Studio',
    executableName: 'l2nas-studio',
    // assets/icon.icns (macOS) or assets/icon.ico (Windows): Forge adds the platform's extension.
    icon: 'assets/icon',
    asar: { unpack: '**/*.{node,wasm}' },
    ignore: (file: string) => file !== '' && !KEEP.some((k) => file === k || file.startsWith(`${k}/`)),
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
