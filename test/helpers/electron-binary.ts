import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Finds an installed Electron binary WITHOUT triggering Electron's lazy download (never
 * require('electron') from plain Node): electron/path.txt names the binary inside dist/.
 */
export function findElectronBinary(): { path: string | null; reason: string } {
  let pkg: string;
  try {
    pkg = require.resolve('electron/package.json');
  } catch {
    return { path: null, reason: 'the electron package is not installed' };
  }
  const txt = path.join(path.dirname(pkg), 'path.txt');
  if (!fs.existsSync(txt)) return { path: null, reason: 'no Electron binary (electron/path.txt missing: the binary was never downloaded, e.g. offline)' };
  const bin = path.join(path.dirname(pkg), 'dist', fs.readFileSync(txt, 'utf8').trim());
  if (!fs.existsSync(bin)) return { path: null, reason: `Electron binary ${bin} is missing` };
  return { path: bin, reason: 'found' };
}
