import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

// Runtime dependencies stay in node_modules (TF.js backends load native/WASM files beside
// their modules); Forge supplies the entry and output folder.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export default defineConfig({
  build: {
    rollupOptions: {
      // An array (Forge merges its own external list into this one).
      external: [
        'electron',
        ...builtinModules,
        ...builtinModules.map((m) => `node:${m}`),
        ...deps,
        ...deps.map((d) => new RegExp(`^${escape(d)}/`)),
      ],
    },
  },
});
