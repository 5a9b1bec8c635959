// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of docs/STYLE.md as import rules, one per folder, the way VS Code's `code-layering`
 * rule does it: each layer names the packages it may import and the layers its relative imports
 * must not reach; `import type` is held to the same rules (types that cross a layer belong in
 * contracts or common). Linted without type information (fast: no program is built), so a rule sees
 * the specifier as written: relative specifiers are checked by the folder names they pass through.
 */
const LAYERS = ['contracts', 'common', 'core', 'node', 'cli', 'workers', 'main', 'preload'];

/** A regex matching exactly the listed names, or any deep import of them (`echarts/core`). */
const packages = (names) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');

/**
 * @param {string} layer folder under src-main (or 'src-renderer')
 * @param {{ allowed?: string[], forbidden?: string[], bannedLayers: string[] }} rule
 *   allowed: the only packages it may import (every other bare specifier is refused);
 *   forbidden: packages it must not import (when there is no allow-list);
 *   bannedLayers: src-main folders its relative imports must not enter.
 */
function layerRule(layer, { allowed, forbidden = [], bannedLayers }) {
  const where = layer === 'src-renderer' ? layer : `src-main/${layer}`;
  const patterns = [];
  if (allowed) {
    patterns.push({
      // A bare specifier (not ./ or ../) that is none of the allowed packages.
      regex: `^(?!\\.{1,2}/)(?!(${packages(allowed)})(/|$))`,
      message: `${where} may import only the packages ${allowed.join(', ')} (docs/STYLE.md layers).`,
    });
  }
  if (forbidden.length) {
    patterns.push({
      regex: `^(${packages(forbidden)})(/|$)`,
      message: `${where} must not import ${forbidden.join(', ')} (docs/STYLE.md layers).`,
    });
  }
  if (bannedLayers.length) {
    patterns.push({
      // From the renderer every path into src-main names it; inside src-main the folder names do.
      regex: layer === 'src-renderer' ? `(^|/)src-main/(?!(contracts|common)(/|$))` : `^\\.{1,2}/(.*/)?(${[...bannedLayers, 'src-renderer'].join('|')})(/|$)`,
      message: layer === 'src-renderer' ? `src-renderer may import only src-main/contracts and src-main/common (docs/STYLE.md layers).` : `${where} must not import src-main/{${bannedLayers.join(',')}} or src-renderer (docs/STYLE.md layers).`,
    });
  }
  return {
    files: [`${where}/**/*.ts`, `${where}/**/*.vue`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
}

const allExcept = (...allowedLayers) => LAYERS.filter((l) => !allowedLayers.includes(l));

export default defineConfig(
  { ignores: ['out/**', 'dist/**', '.vite/**', 'node_modules/**', 'test/artifacts/**', 'runs/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    // A disable comment that silences nothing fails the lint (no comments pointing at no rule).
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `SearchSpace<any>` registries and test doubles: TypeScript strict already checks the rest.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Node's globals everywhere but in the page; the page has the browser's (no `process`, no `require`).
  { ignores: ['src-renderer/**'], languageOptions: { globals: { ...globals.node } } },
  { files: ['src-renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  // Code that runs in the page through Playwright's page.evaluate.
  { files: ['bench/renderer-live.cjs'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },

  layerRule('contracts', { allowed: ['zod'], bannedLayers: allExcept('contracts') }),
  layerRule('common', { allowed: ['zod'], bannedLayers: allExcept('contracts', 'common') }),
  layerRule('core', { allowed: ['@tensorflow/tfjs-core', 'zod'], bannedLayers: allExcept('contracts', 'common', 'core') }),
  layerRule('node', { forbidden: ['electron'], bannedLayers: ['cli', 'main', 'preload'] }),
  layerRule('cli', { forbidden: ['electron'], bannedLayers: ['main', 'preload'] }),
  layerRule('workers', { forbidden: ['electron'], bannedLayers: ['main', 'preload'] }),
  // main never loads TF.js (test/unit/layering.test.ts also follows its imports transitively).
  layerRule('main', { forbidden: ['@tensorflow'], bannedLayers: ['cli', 'workers', 'preload'] }),
  layerRule('preload', { allowed: ['electron'], bannedLayers: allExcept('contracts', 'preload') }),
  // The renderer reaches its server only through src-renderer/api/ (window.api or the serve client).
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    ignores: ['src-renderer/api/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'src-renderer talks to the server only through src-renderer/api/ (docs/STYLE.md).' },
        { name: 'WebSocket', message: 'src-renderer talks to the server only through src-renderer/api/ (docs/STYLE.md).' },
      ],
    },
  },
  layerRule('src-renderer', {
    allowed: ['vue', 'pinia', 'echarts'],
    bannedLayers: allExcept('contracts', 'common'),
  }),
);
