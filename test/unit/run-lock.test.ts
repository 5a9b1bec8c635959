import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunLock, processStartTime, RUN_LOCK_FILE, runLockHolder, RunLockedError, withRunLock, type RunLockInfo } from '../../src-main/node/run-lock';
import { tempDir } from '../helpers/fixture-tables';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Another live process (a sleeping node), and when it started. */
async function otherProcess(): Promise<{ child: ChildProcess; pid: number; startTime: string }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  return { child, pid: child.pid!, startTime: processStartTime(child.pid!)! };
}

const writeLock = (dir: string, info: RunLockInfo) => fs.writeFileSync(path.join(dir, RUN_LOCK_FILE), JSON.stringify(info));
const since = new Date().toISOString();

describe('run lock (one writer per run folder)', () => {
  it('is taken, refused to a second taker with a clear error, and released', () => {
    const dir = tempDir('lock');
    const lock = acquireRunLock(dir, 'search');
    const info = JSON.parse(fs.readFileSync(path.join(dir, RUN_LOCK_FILE), 'utf8')) as RunLockInfo;
    expect(info.pid).toBe(process.pid);
    expect(info.startTime).toBe(processStartTime(process.pid));
    expect(runLockHolder(dir)?.pid).toBe(process.pid);
    expect(() => acquireRunLock(dir, 'resume')).toThrow(RunLockedError);
    expect(() => acquireRunLock(dir, 'resume')).toThrow(`${dir} is being written by another process (pid ${process.pid}, l2nas search`);
    lock.release();
    lock.release();
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(false);
    expect(runLockHolder(dir)).toBeNull();
  });

  it('refuses while another live process holds it', async () => {
    const dir = tempDir('lock');
    const o = await otherProcess();
    writeLock(dir, { pid: o.pid, startTime: o.startTime, by: 'search worker', since });
    expect(runLockHolder(dir)?.pid).toBe(o.pid);
    expect(() => acquireRunLock(dir, 'resume')).toThrow(`pid ${o.pid}, l2nas search worker`);
  });

  it('takes over the stale lock of a SIGKILLed owner', async () => {
    const dir = tempDir('lock');
    const o = await otherProcess();
    writeLock(dir, { pid: o.pid, startTime: o.startTime, by: 'search', since });
    o.child.kill('SIGKILL');
    await new Promise((r) => o.child.once('exit', r));
    expect(runLockHolder(dir)).toBeNull();
    const lock = acquireRunLock(dir, 'resume');
    expect(runLockHolder(dir)?.by).toBe('resume');
    lock.release();
  });

  it('treats a live pid with another start time as a reused pid: stale', async () => {
    const dir = tempDir('lock');
    const o = await otherProcess();
    writeLock(dir, { pid: o.pid, startTime: String(Number(o.startTime) - 1000), by: 'search', since });
    expect(runLockHolder(dir)).toBeNull();
    acquireRunLock(dir, 'resume').release();
  });

  it('release leaves a lock that is no longer its own; withRunLock releases when the work throws', async () => {
    const dir = tempDir('lock');
    const lock = acquireRunLock(dir, 'search');
    const o = await otherProcess();
    writeLock(dir, { pid: o.pid, startTime: o.startTime, by: 'other', since });
    lock.release();
    expect(runLockHolder(dir)?.by).toBe('other');
    fs.unlinkSync(path.join(dir, RUN_LOCK_FILE));
    await expect(withRunLock(dir, 'search worker', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(fs.existsSync(path.join(dir, RUN_LOCK_FILE))).toBe(false);
  });

  it('a garbled lock file is debris once it is a few seconds old', () => {
    const dir = tempDir('lock');
    const f = path.join(dir, RUN_LOCK_FILE);
    fs.writeFileSync(f, '{"pid": 12');
    expect(() => acquireRunLock(dir, 'search')).toThrow(/being locked by another process right now/);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(f, old, old);
    acquireRunLock(dir, 'search').release();
  });
});
