import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file atomically: a temp file in the same folder, fsync, then rename over the target.
 * The temp file is created exclusively and never through a symlink (O_EXCL | O_NOFOLLOW): a link
 * planted at its name (e.g. inside a run's exports/) cannot redirect the write; a leftover from
 * a killed writer of this pid is removed first.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.rmSync(tmp, { force: true }); // unlinks a link itself, never its target
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
