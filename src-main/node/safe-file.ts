import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Opening a file whose path came from a user or an API client, so that no path can hang,
 * flood or trick the reader: a FIFO would block a plain open() forever, /dev/zero never ends,
 * /proc and /sys files report size 0 and hold the process's secrets (/proc/self/environ), and a
 * directory or socket is not data. The checks run on the open descriptor (fstat after open with
 * O_NONBLOCK), not on the path, so a file swapped between check and read is still caught.
 */

/** Trees of kernel pseudo-files and devices: never a benchmark table or a dataset. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/** Why a file was refused; `detail` never quotes the file's contents. */
export class UnsafeFileError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'UnsafeFileError';
  }
}

function inSystemTree(real: string): boolean {
  return SYSTEM_TREES.some((t) => real === t || real.startsWith(t + path.sep));
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

export interface OpenedFile {
  fd: number;
  size: number;
  /** The resolved path (symlinks followed). */
  real: string;
}

/**
 * Opens `file` for reading if it is a regular file outside /proc, /sys and /dev and at most
 * `maxBytes` long; the caller closes `fd`. An I/O failure is an UnsafeFileError naming the errno
 * code (ENOENT, EACCES…), never the OS's message (which may quote the path back oddly).
 */
export function openRegularFile(file: string, maxBytes: number, what: string, opts: { noFollow?: boolean } = {}): OpenedFile {
  let real: string;
  try {
    real = opts.noFollow ? path.resolve(file) : fs.realpathSync(file);
  } catch (e) {
    throw new UnsafeFileError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (inSystemTree(real)) throw new UnsafeFileError(`is a system file under ${SYSTEM_TREES.join(', ')}, not ${what}`);
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (opts.noFollow ? fs.constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UnsafeFileError('is a symbolic link, which is not followed here');
    throw new UnsafeFileError(`cannot read the file (${code ?? 'error'})`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(`is ${kindOf(st)}, not ${what}`);
    if (st.size > maxBytes) throw new UnsafeFileError(`is larger than the ${mib(maxBytes)} limit for ${what}`);
    return { fd, size: st.size, real };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Reads up to `n` bytes from the start of an open file. */
export function readHead(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const k = fs.readSync(fd, buf, got, n - got, got);
    if (k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
}

/** Reads a whole open file, refusing one that grew since it was opened (so never past `maxBytes`). */
export function readAll(opened: OpenedFile, maxBytes: number): Buffer {
  const buf = Buffer.alloc(Math.min(opened.size, maxBytes) + 1);
  let got = 0;
  for (;;) {
    if (got === buf.length) throw new UnsafeFileError('grew while it was read (is something still writing it?)');
    const k = fs.readSync(opened.fd, buf, got, buf.length - got, got);
    if (k === 0) break;
    got += k;
  }
  return buf.subarray(0, got);
}
