import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', '..', 'src-main');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

/** The layers of docs/STYLE.md, enforced: what each folder may import. */
const RULES: Record<string, (spec: string) => boolean> = {
  contracts: (s) => s === 'zod' || s.startsWith('.'),
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
