import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The renderer lives in src-renderer/; relative asset URLs so it loads from file:// (app) and
// from `l2nas serve` alike. `npm run build:renderer` writes the copy that serve hosts.
export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  base: './',
  build: { emptyOutDir: true },
});
