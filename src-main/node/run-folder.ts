import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig, RunEvent, RunResult } from '../contracts/run';
import { writeJsonAtomic } from './atomic-write';

export const RUN_FILES = { config: 'config.json', events: 'events.jsonl', result: 'result.json' } as const;

/**
 * One run's folder (PRODUCT.md §5): config.json (written once, atomically), events.jsonl
 * (appended one line per step, each line written whole with one write call), result.json
 * (atomically, at the end).
 */
export class RunFolderWriter {
  private fd: number | null = null;

  private constructor(readonly dir: string) {}

  /** Creates the folder (it must not exist, or be empty) and writes config.json. */
  static create(dir: string, config: RunConfig): RunFolderWriter {
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new Error(`--out ${dir} exists and is not a folder`);
      if (fs.readdirSync(dir).length > 0) throw new Error(`--out ${dir} already holds files; choose a new folder (runs are never overwritten)`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const w = new RunFolderWriter(dir);
    writeJsonAtomic(path.join(dir, RUN_FILES.config), config);
    w.fd = fs.openSync(path.join(dir, RUN_FILES.events), 'a');
    return w;
  }

  appendEvent(e: RunEvent): void {
    if (this.fd === null) throw new Error('run folder is closed');
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
  }

  finish(result: RunResult): void {
    this.close();
    writeJsonAtomic(path.join(this.dir, RUN_FILES.result), result);
  }

  close(): void {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
