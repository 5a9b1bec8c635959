import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nb201FromIndex, nb201ToString } from '../../src-main/common/spaces/nb201';

/** A temp folder for one test file's generated fixtures. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `l2nas-${prefix}-`));
}

/**
 * Writes a full NB201 table (15,625 rows) with a known landscape: acc = 50 + 8·(#conv3x3) + idx/1e5,
 * so the unique optimum is all-nor_conv_3x3.
 */
export function writeSyntheticNb201(file: string, columns = ['acc'], mutate?: (lines: string[]) => void): string {
  const lines = [['index', 'arch', ...columns].join(',')];
  for (let i = 0; i < 15625; i++) {
    const a = nb201FromIndex(i);
    const base = 50 + 8 * a.filter((o) => o === 3).length + i / 1e5;
    lines.push([i, nb201ToString(a), ...columns.map((_, k) => (base - k).toFixed(4))].join(','));
  }
  mutate?.(lines);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
