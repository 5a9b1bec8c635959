import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type ConfigEnv } from 'vite';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/** What Electron Forge's Vite plugin adds to Vite's ConfigEnv (the renderer entry it builds). */
type ForgeEnv = ConfigEnv & { forgeConfigSelf?: { name?: string } };

// The renderer lives in src-renderer/; relative asset URLs so it loads from file:// (app) and
// from `l2nas serve` alike. Because `root` is src-renderer, output folders are given as absolute
// paths: Forge's own default (".vite/renderer/<name>") would otherwise resolve inside
// src-renderer/ and the packaged app would have no page. `npm run build:renderer` (no Forge)
// writes out/renderer, the copy that serve hosts.
export default defineConfig((env: ForgeEnv) => {
  const forgeName = env.forgeConfigSelf?.name;
  return {
    root: `${ROOT}src-renderer`,
    base: './',
    plugins: [vue()],
    build: {
      outDir: forgeName ? `${ROOT}.vite/renderer/${forgeName}` : `${ROOT}out/renderer`,
      emptyOutDir: true,
      // One local bundle (Vue, Pinia, ECharts, zod): loaded from disk or loopback, never over a network.
      chunkSizeWarningLimit: 1500,
    },
  };
});
