import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vue single-file components in the component tests (test/component, happy-dom).
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // TF.js backends are process-global: one test file per worker process.
    pool: 'forks',
  },
});
