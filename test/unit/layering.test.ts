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
