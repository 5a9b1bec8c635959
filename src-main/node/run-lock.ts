import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './usage-error';

/**
 * One writer per run folder. Whoever writes a run (the CLI's search/resume/demo, a search or a
 * training worker) holds `run.lock` for as long as it writes: the file names its process id and
 * that process's start time, so a second writer gets a clear error instead of interleaving
 * events and checkpoints with the first, and the run manager can refuse to delete or cancel a
 * run that another live process is writing.
 *
 * A lock whose process is gone — killed with SIGKILL, crashed, machine rebooted — is stale and
 * the next writer takes it over. The start time (field 22 of /proc/<pid>/stat, in clock ticks
 * since boot) is what tells a live owner from a later, unrelated process that was given the same
 * pid. Where /proc is missing (macOS) the pid alone is checked.
 */
export const RUN_LOCK_FILE = 'run.lock';

export interface RunLockInfo {
  pid: number;
  /** /proc/<pid>/stat start time of the owner, or null where /proc is not available. */
  startTime: string | null;
  /** What holds it ("search", "resume", "search worker", …), for the error message. */
  by: string;
  since: string;
}

/** A run folder another live process is writing. The CLI exits 2; the run manager answers 409. */
export class RunLockedError extends UsageError {
  override name = 'RunLockedError';
  constructor(readonly dir: string, readonly holder: RunLockInfo) {
    super(`${dir} is being written by another process (pid ${holder.pid}, l2nas ${holder.by}, since ${holder.since}); wait for it to end or stop it first — two writers would corrupt the run`);
  }
}

/** The start time of a running process, or null when there is no such process (or it is a zombie). `undefined`: no /proc here. */
export function processStartTime(pid: number): string | null | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync('/proc/self/stat')) return undefined;
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null; // dead, not yet reaped by its parent
  return fields[19] ?? null; // field 22 of the whole line
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while the process that wrote `info` is still running (the same process, not a reused pid). */
export function lockIsLive(info: RunLockInfo): boolean {
  const now = processStartTime(info.pid);
  if (now === undefined) return pidExists(info.pid);
  return now !== null && (info.startTime === null || now === info.startTime);
}

function parseLock(text: string): RunLockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (Number.isInteger(v.pid) && (typeof v.startTime === 'string' || v.startTime === null) && typeof v.by === 'string' && typeof v.since === 'string') return v as RunLockInfo;
  } catch {
    // fall through: not a lock we can read
  }
  return null;
}

/** A lock file that cannot be read this long after it was written is debris (a writer cut off mid-write), not a lock. */
const UNREADABLE_LOCK_GRACE_MS = 5000;

/** The live process writing `dir`, or null when nobody holds its lock (none, or stale). */
export function runLockHolder(dir: string): RunLockInfo | null {
  const f = path.join(dir, RUN_LOCK_FILE);
  let text: string;
  try {
    text = fs.readFileSync(f, 'utf8');
  } catch {
    return null;
  }
  const info = parseLock(text);
  if (!info) return null;
  return lockIsLive(info) ? info : null;
}

/** Whether `dir` has a lock file at all (live or stale). */
export const hasRunLock = (dir: string): boolean => fs.existsSync(path.join(dir, RUN_LOCK_FILE));

export interface RunLock {
  readonly file: string;
  release(): void;
}

/** Locks held by this process, released on exit whichever way the process ends (short of SIGKILL). */
const held = new Set<RunLock>();
let exitHook = false;

/**
 * Takes the folder's lock for this process, or throws RunLockedError naming the live holder.
 * A stale lock (its process gone, or its pid now another process) is taken over.
 */
export function acquireRunLock(dir: string, by: string): RunLock {
  const f = path.join(dir, RUN_LOCK_FILE);
  const me: RunLockInfo = { pid: process.pid, startTime: processStartTime(process.pid) ?? null, by, since: new Date().toISOString() };
  const mine = JSON.stringify(me);
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(f, 'wx'); // O_CREAT | O_EXCL: exactly one process creates it
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`${dir}: cannot create its lock file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch {
        continue; // removed in between: try again
      }
      const info = parseLock(text);
      if (info && lockIsLive(info)) throw new RunLockedError(dir, info);
      if (!info) {
        // Written a moment ago by a writer that has not finished writing it: that writer is alive.
        let age: number;
        try {
          age = Date.now() - fs.statSync(f).mtimeMs;
        } catch {
          continue;
        }
        if (age < UNREADABLE_LOCK_GRACE_MS) throw new UsageError(`${dir} is being locked by another process right now; try again in a moment`);
      }
      // Stale: remove it, unless another process took it over since we read it.
      try {
        if (fs.readFileSync(f, 'utf8') === text) fs.unlinkSync(f);
      } catch {
        // gone already
      }
      continue;
    }
    try {
      fs.writeSync(fd, mine);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const lock: RunLock = {
      file: f,
      release() {
        if (!held.delete(lock)) return;
        try {
          if (fs.readFileSync(f, 'utf8') === mine) fs.unlinkSync(f);
        } catch {
          // the folder was removed with the lock in it
        }
      },
    };
    held.add(lock);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const l of [...held]) l.release();
      });
    }
    return lock;
  }
  throw new UsageError(`${dir}: could not take its lock (it kept changing); try again`);
}

/** Runs `fn` holding the folder's lock; the lock is released however `fn` ends. */
export async function withRunLock<T>(dir: string, by: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireRunLock(dir, by);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
