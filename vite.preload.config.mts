import { defineConfig } from 'vite';

// The sandboxed preload may only require 'electron'; everything else is bundled into it.
export default defineConfig({
  build: { rollupOptions: { external: ['electron'] } },
});
