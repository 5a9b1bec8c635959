import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RunConfigSchema, RunEventSchema, RunResultSchema, type RunConfig, type RunEvent, type RunResult } from '../contracts/run';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';
import { UsageError } from './usage-error';

/**
 * One run's folder (docs/ARCHITECTURE.md, "The run folder"), the same from GUI, CLI and web:
 *   config.json     the validated RunConfig, written once
 *   events.jsonl    one line per step, appended whole with one write call as steps finish
 *   checkpoint.bin  agent/strategy state, RNG state and loop state every N steps (atomic)
 *   status.json     running / paused / failed … with the owning process id (atomic)
 *   result.json     written atomically when the run ends
 *   run.lock        while a process writes the run: its pid and start time (run-lock.ts)
 */
export const RUN_FILES = {
  config: 'config.json',
  events: 'events.jsonl',
  checkpoint: 'checkpoint.bin',
  status: 'status.json',
  result: 'result.json',
} as const;

export const RunStatusFileSchema = z.object({
  status: z.enum(['running', 'paused', 'completed', 'cancelled', 'failed']),
  pid: z.number().int().nullable(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});
export type RunStatusFile = z.infer<typeof RunStatusFileSchema>;

const file = (dir: string, name: keyof typeof RUN_FILES) => path.join(dir, RUN_FILES[name]);

function readJson<T>(dir: string, name: keyof typeof RUN_FILES, schema: z.ZodType<T>): T {
  const f = file(dir, name);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (e) {
    throw new Error(`${f}: ${(e as Error).message}`, { cause: e });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${f}: invalid ${i.path.join('.') || 'document'}: ${i.message}`);
  }
  return r.data;
}

/** Kernel pseudo-filesystems: recursive mkdir there fails oddly (under /proc it spins forever), and no run belongs there. */
const SYSTEM_FOLDER = /^\/(proc|sys|dev)(\/|$)/;

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is a file',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
};
const errnoWords = (e: unknown) => ERRNO_WORDS[(e as NodeJS.ErrnoException).code ?? ''] ?? (e as Error).message;

/**
 * Makes the folder of a new run, checked like an input: it must not exist or be an empty folder,
 * and the nearest existing folder above it must be a writable, ordinary folder. Every refusal is a
 * UsageError naming the path in plain words (never raw ENOTDIR/EPERM text).
 */
export function makeNewRunFolder(dir: string): void {
  const abs = path.resolve(dir);
  let probe = abs;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  let real: string;
  try {
    real = fs.realpathSync(probe);
  } catch (e) {
    throw new UsageError(`${dir}: cannot use ${probe} (${errnoWords(e)})`);
  }
  const target = path.join(real, path.relative(probe, abs));
  if (SYSTEM_FOLDER.test(target)) throw new UsageError(`${dir}: ${target} is in a system folder (/proc, /sys, /dev); choose a folder of your own for the run`);
  const st = fs.statSync(probe);
  if (probe === abs) {
    if (!st.isDirectory()) throw new UsageError(`${dir} exists and is not a folder; choose a new folder for the run`);
    if (fs.readdirSync(abs).length > 0) throw new UsageError(`${dir} already holds files; choose a new folder (runs are never overwritten)`);
  } else if (!st.isDirectory()) {
    throw new UsageError(`${dir}: ${probe} is a file, so no folder can be made inside it`);
  }
  try {
    fs.accessSync(probe, fs.constants.W_OK);
    fs.mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new UsageError(`${dir}: cannot create the run folder in ${probe} (${errnoWords(e)})`);
  }
}

/** Creates the folder (it must not exist, or be empty) with config.json and an empty events.jsonl. */
export function createRunFolder(dir: string, config: RunConfig): void {
  makeNewRunFolder(dir);
  try {
    writeJsonAtomic(file(dir, 'config'), config);
    fs.writeFileSync(file(dir, 'events'), '');
  } catch (e) {
    throw new UsageError(`${dir}: cannot write the run's files (${errnoWords(e)})`);
  }
}

export const readRunConfig = (dir: string): RunConfig => readJson(dir, 'config', RunConfigSchema);
export const readRunResult = (dir: string): RunResult | null => (fs.existsSync(file(dir, 'result')) ? readJson(dir, 'result', RunResultSchema) : null);
export const readRunStatus = (dir: string): RunStatusFile | null => (fs.existsSync(file(dir, 'status')) ? readJson(dir, 'status', RunStatusFileSchema) : null);
export const writeRunResult = (dir: string, r: RunResult): void => writeJsonAtomic(file(dir, 'result'), r);

export function writeRunStatus(dir: string, status: RunStatusFile['status'], pid: number | null, error: string | null = null): void {
  writeJsonAtomic(file(dir, 'status'), { status, pid, error, updatedAt: new Date().toISOString() } satisfies RunStatusFile);
}

/** At most this many bad lines are listed one by one in a run's warnings (then a count). */
const MAX_LISTED_PROBLEMS = 10;

export interface RunEventsRead {
  /** The good events (step i on line i + 1), from step `from` on. */
  events: RunEvent[];
  /** One entry per bad line, as "file:line: what is wrong" (the first few, then a count). */
  problems: string[];
}

/** Parses one complete line of events.jsonl that should hold step `step`: the event, or what is wrong with it. */
function parseEventLine(line: string, step: number): { ok: true; event: RunEvent } | { ok: false; why: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { ok: false, why: `not a valid event line (${(e as Error).message.split('\n')[0]})` };
  }
  const r = RunEventSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    return { ok: false, why: `not a valid event line (${i.path.join('.') || 'line'}: ${i.message})` };
  }
  if (r.data.step !== step) return { ok: false, why: `expected step ${step}, found step ${r.data.step}` };
  return { ok: true, event: r.data };
}

/** The complete lines of events.jsonl: a last piece without its newline is a write cut off by a kill, not a line. */
function completeEventLines(f: string): string[] {
  if (!fs.existsSync(f)) return [];
  return fs.readFileSync(f, 'utf8').split('\n').slice(0, -1);
}

/**
 * Reads events.jsonl from step `from` on, tolerating damage: a bad line (not JSON, not an event,
 * or the wrong step) is left out and reported as "file:line: …" in `problems`, so one damaged
 * line never makes the whole run unreadable — the run still lists, shows and exports, with a
 * warning. A last line without its newline is a step whose write was cut off (the process died
 * mid-write): it is not a step yet and is ignored silently.
 */
export function readRunEventsReport(dir: string, from = 0): RunEventsRead {
  const f = file(dir, 'events');
  const events: RunEvent[] = [];
  const problems: string[] = [];
  let bad = 0;
  completeEventLines(f).forEach((line, i) => {
    const p = parseEventLine(line, i);
    if (!p.ok) {
      if (++bad <= MAX_LISTED_PROBLEMS) problems.push(`${f}:${i + 1}: ${p.why}`);
      return;
    }
    if (p.event.step >= from) events.push(p.event);
  });
  if (bad > MAX_LISTED_PROBLEMS) problems.push(`${f}: ${bad - MAX_LISTED_PROBLEMS} more bad lines`);
  return { events, problems };
}

/** The good events of a run from step `from` on (bad lines left out: readRunEventsReport says which). */
export function readRunEvents(dir: string, from = 0): RunEvent[] {
  return readRunEventsReport(dir, from).events;
}

/**
 * Keeps the first `steps` events (those before a checkpoint), atomically, for a resume. Only
 * complete lines count: a line cut off mid-write is dropped, never kept without its end. Each
 * kept line must be step i on line i + 1 — a resume never continues a damaged history.
 */
export function truncateRunEvents(dir: string, steps: number): void {
  const f = file(dir, 'events');
  const complete = completeEventLines(f);
  if (complete.length < steps) {
    throw new UsageError(`${f}: has ${complete.length} complete steps, but the checkpoint is at step ${steps}; the run cannot resume from it (start a new run, or restore the events file)`);
  }
  const kept = complete.slice(0, steps);
  kept.forEach((line, i) => {
    const p = parseEventLine(line, i);
    if (!p.ok) throw new UsageError(`${f}:${i + 1}: ${p.why}; the run cannot resume over a damaged line`);
  });
  writeFileAtomic(f, kept.map((l) => l + '\n').join(''));
}

/** Appends event lines; each line goes out in one write call, so a kill leaves whole lines. */
export class EventAppender {
  private fd: number;
  constructor(readonly dir: string) {
    this.fd = fs.openSync(file(dir, 'events'), 'a');
  }
  append(e: RunEvent): void {
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
  }
  /** Makes the appended lines durable (before a checkpoint refers to them). */
  flush(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }
}

export function writeCheckpoint(dir: string, value: unknown): void {
  writeFileAtomic(file(dir, 'checkpoint'), encodeCheckpoint(value));
}

export function readCheckpoint(dir: string): unknown | null {
  const f = file(dir, 'checkpoint');
  return fs.existsSync(f) ? decodeCheckpoint(fs.readFileSync(f), f) : null;
}
