import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetSpec } from '../contracts/dataset';
import { UsageError } from './run-config';

/**
 * Resolves `p` as the OS will when it is opened: symlinks followed. A path that does not exist
 * (yet) resolves through its nearest existing ancestor, so `allowed/link-to-etc/missing` is
 * still seen as under /etc, and the answer "outside" never depends on whether the file exists.
 */
export function resolveReal(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let dir = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...rest);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return abs;
      rest.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

function within(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Where an API client may make the server read files: the folders given to `serve --data`
 * (default: the runs folder and the folder it was started in) plus single files the user
 * picked in the desktop app's native dialog. Like Jupyter's root directory, it bounds what a
 * holder of the token (or a page that stole it) can open; every path is compared after
 * realpath resolution, so a symlink inside a root that points elsewhere does not widen it.
 */
export class AllowedPaths {
  private readonly roots: string[];
  private readonly files = new Set<string>();

  constructor(roots: readonly string[]) {
    this.roots = [...new Set(roots.map(resolveReal))];
  }

  /** The allowed folders, resolved (for messages and the startup banner). */
  get folders(): readonly string[] {
    return this.roots;
  }

  /** A file the user picked in a native dialog: allowed from now on (the desktop app). */
  allowFile(file: string): void {
    this.files.add(resolveReal(file));
  }

  allows(file: string): boolean {
    const real = resolveReal(file);
    return this.files.has(real) || this.roots.some((r) => within(real, r));
  }

  /** Throws a UsageError (→ `invalid-request`) for the first path outside the allowed places. */
  check(files: readonly string[], what: string): void {
    for (const f of files) {
      if (!this.allows(f)) {
        throw new UsageError(`${f}: ${what} is outside the folders this server may read (${this.roots.join(', ')}); restart \`l2nas serve\` with --data <folder> to allow another folder`);
      }
    }
  }
}

/** Every file (or, for an image folder, the folder) a dataset spec names. */
export function datasetFiles(spec: DatasetSpec): string[] {
  switch (spec.kind) {
    case 'mnist-embedded':
      return [];
    case 'idx':
      return [spec.images, spec.labels];
    case 'image-folder':
      // The reader follows no link out of the folder, so allowing the folder bounds every file read.
      return [spec.root];
    default:
      return [...spec.files];
  }
}
