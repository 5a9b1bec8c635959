import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', '..', 'src-main');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/** Module specifiers a file loads at run time (`import type` is erased by the compiler). */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/^import type [^;]*;/gms, '');
  return [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

/** The layers of docs/STYLE.md, enforced: what each folder may import. */
const RULES: Record<string, (spec: string) => boolean> = {
  contracts: (s) => s === 'zod' || s.startsWith('.'),
  // Pure modules the renderer shares with the engine: no tfjs, node or electron.
  common: (s) => s === 'zod' || (s.startsWith('.') && !/\/(core|node|cli|main|preload|workers)\//.test(s)),
  core: (s) => s.startsWith('@tensorflow/tfjs-core') || s === 'zod' || (s.startsWith('.') && !/\/(node|cli|main|preload|workers)\//.test(s)),
  node: (s) => s !== 'electron' && !s.includes('/cli/') && !s.includes('/main/'),
  cli: (s) => s !== 'electron' && !s.includes('/main/'),
  workers: (s) => s !== 'electron',
};

describe('layering (docs/STYLE.md)', () => {
  for (const [layer, allowed] of Object.entries(RULES)) {
    it(`src-main/${layer} imports only what its layer may`, () => {
      const bad = files(path.join(SRC, layer)).flatMap((f) => imports(f).filter((s) => !allowed(s)).map((s) => `${path.relative(SRC, f)} → ${s}`));
      expect(bad).toEqual([]);
    });
  }
});

describe('the Electron main process never loads TF.js (docs/STYLE.md)', () => {
  it('no module reachable from src-main/main imports @tensorflow/*', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of imports(file)) {
        if (spec.startsWith('@tensorflow/')) offenders.push(`${path.relative(SRC, file)} → ${spec}`);
        if (spec.startsWith('.')) {
          const target = path.resolve(path.dirname(file), spec);
          const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
          const hit = candidates.find((c) => fs.existsSync(c));
          if (hit) visit(hit);
        }
      }
    };
    for (const f of files(path.join(SRC, 'main'))) visit(f);
    expect(seen.size).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});

/**
 * The same layers as ESLint rules (eslint.config.mjs, run by `npm test`): a deliberate bad import
 * in each layer must be refused with the layering message, a good one accepted. Linting text
 * with a made-up path in the layer's folder uses the real config, so the rules cannot drift.
 */
describe('ESLint enforces the layers (eslint.config.mjs)', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  let eslint: import('eslint').ESLint;
  async function layeringErrors(filePath: string, code: string): Promise<string[]> {
    eslint ??= new (await import('eslint')).ESLint({ cwd: ROOT });
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
    return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  }

  const BAD: [file: string, code: string, why: RegExp][] = [
    ['src-main/core/x.ts', "import * as fs from 'node:fs';\nexport const a = fs;\n", /src-main\/core may import only the packages @tensorflow\/tfjs-core, zod/],
    ['src-main/core/agent/x.ts', "import { chooseBackend } from '../../node/backend';\nexport const a = chooseBackend;\n", /src-main\/core must not import src-main\/\{node/],
    ['src-main/core/agent/x.ts', "import type { RunStore } from '../../node/run-store';\nexport type A = RunStore;\n", /must not import src-main\/\{node/],
    ['src-main/common/spaces/x.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const a = tf;\n", /src-main\/common may import only the packages zod/],
    ['src-main/common/x.ts', "import { L2nasAgent } from '../core/agent/l2nas-agent';\nexport const a = L2nasAgent;\n", /src-main\/common must not import src-main\/\{core/],
    ['src-main/contracts/x.ts', "import { Rng } from '../common/rng';\nexport const a = Rng;\n", /src-main\/contracts must not import/],
    ['src-main/node/x.ts', "import { app } from 'electron';\nexport const a = app;\n", /src-main\/node must not import electron/],
    ['src-main/cli/x.ts', "import { a } from '../main/ipc';\nexport const b = a;\n", /src-main\/cli must not import src-main\/\{main/],
    ['src-main/workers/x.ts', "import { app } from 'electron';\nexport const a = app;\n", /src-main\/workers must not import electron/],
    ['src-main/main/x.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const a = tf;\n", /src-main\/main must not import @tensorflow/],
    ['src-renderer/lib/x.ts', "import { L2nasAgent } from '../../src-main/core/agent/l2nas-agent';\nexport const a = L2nasAgent;\n", /src-renderer may import only src-main\/contracts and src-main\/common/],
    ['src-renderer/lib/x.ts', "import type { RunStore } from '../../src-main/node/run-store';\nexport type A = RunStore;\n", /src-renderer may import only src-main\/contracts/],
    ['src-renderer/lib/x.ts', "import * as fs from 'node:fs';\nexport const a = fs;\n", /src-renderer may import only the packages vue, pinia, echarts/],
    [
      'src-renderer/views/BadView.vue',
      "<script setup lang=\"ts\">\nimport { RunStore } from '../../src-main/node/run-store';\nconst s = RunStore;\n</script>\n\n<template><p>{{ s }}</p></template>\n",
      /src-renderer may import only src-main\/contracts/,
    ],
  ];
  for (const [file, code, why] of BAD) {
    it(`refuses ${code.match(/from '([^']+)'/)![1]} in ${file}`, async () => {
      const errors = await layeringErrors(file, code);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(why);
    });
  }

  it('keeps the renderer\'s server traffic in src-renderer/api/', async () => {
    const code = "export const a = () => fetch('/api/call');\nexport const b = () => new WebSocket('ws://x');\n";
    const messagesIn = async (filePath: string) => (await eslint.lintText(code, { filePath: path.join(ROOT, filePath) }))[0].messages.map((m) => m.message);
    await layeringErrors('src-renderer/api/x.ts', ''); // makes the ESLint instance
    expect(await messagesIn('src-renderer/views/x.ts')).toEqual([expect.stringMatching(/only through src-renderer\/api\//), expect.stringMatching(/only through src-renderer\/api\//)]);
    expect(await messagesIn('src-renderer/api/x.ts')).toEqual([]);
  });

  const GOOD: [file: string, code: string][] = [
    ['src-main/core/agent/x.ts', "import * as tf from '@tensorflow/tfjs-core';\nimport { z } from 'zod';\nimport { Rng } from '../../common/rng';\nimport type { RunEvent } from '../../contracts/run';\nexport const a = [tf, z, Rng];\nexport type E = RunEvent;\n"],
    ['src-main/common/spaces/x.ts', "import { Rng } from '../rng';\nimport { AgentChoiceSchema } from '../../contracts/agent-config';\nexport const a = [Rng, AgentChoiceSchema];\n"],
    ['src-main/node/x.ts', "import * as fs from 'node:fs';\nimport { runSearch } from '../core/search/run-search';\nexport const a = [fs, runSearch];\n"],
    ['src-renderer/lib/x.ts', "import { ref } from 'vue';\nimport * as echarts from 'echarts/core';\nimport { getSpace } from '../../src-main/common/spaces';\nimport { TopKState } from '../../src-main/common/top-k-state';\nexport const a = [ref, echarts, getSpace, TopKState];\n"],
  ];
  for (const [file, code] of GOOD) {
    it(`accepts what ${file.split('/').slice(0, 2).join('/')} may import`, async () => {
      expect(await layeringErrors(file, code)).toEqual([]);
    });
  }
});
