import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Starts `node <bin> …args` writing the run folder `dir`, and SIGKILLs it once its events.jsonl
 * has more than `lines` lines (a crash in the middle of a search); resolves when it has exited.
 */
export async function killAfterEvents(bin: string, cwd: string, args: string[], dir: string, lines: number): Promise<void> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const f = path.join(dir, 'events.jsonl');
      if (fs.existsSync(f) && fs.readFileSync(f, 'utf8').split('\n').length > lines) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
  });
  await exited;
}
