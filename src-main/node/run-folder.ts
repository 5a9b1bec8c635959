import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RunConfigSchema, RunEventSchema, RunResultSchema, type RunConfig, type RunEvent, type RunResult } from '../contracts/run';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';

/**
 * One run's folder (PRODUCT.md §5), the same from GUI, CLI and web:
 *   config.json     the validated RunConfig, written once
 *   events.jsonl    one line per step, appended whole with one write call as steps finish
 *   checkpoint.bin  agent/strategy state, RNG state and loop state every N steps (atomic)
 *   status.json     running / paused / failed … with the owning process id (atomic)
 *   result.json     written atomically when the run ends
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

/** Creates the folder (it must not exist, or be empty) with config.json and an empty events.jsonl. */
export function createRunFolder(dir: string, config: RunConfig): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
    if (fs.readdirSync(dir).length > 0) throw new Error(`${dir} already holds files; choose a new folder (runs are never overwritten)`);
  }
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(file(dir, 'config'), config);
  fs.writeFileSync(file(dir, 'events'), '');
}

export const readRunConfig = (dir: string): RunConfig => readJson(dir, 'config', RunConfigSchema);
export const readRunResult = (dir: string): RunResult | null => (fs.existsSync(file(dir, 'result')) ? readJson(dir, 'result', RunResultSchema) : null);
export const readRunStatus = (dir: string): RunStatusFile | null => (fs.existsSync(file(dir, 'status')) ? readJson(dir, 'status', RunStatusFileSchema) : null);
export const writeRunResult = (dir: string, r: RunResult): void => writeJsonAtomic(file(dir, 'result'), r);

export function writeRunStatus(dir: string, status: RunStatusFile['status'], pid: number | null, error: string | null = null): void {
  writeJsonAtomic(file(dir, 'status'), { status, pid, error, updatedAt: new Date().toISOString() } satisfies RunStatusFile);
}

/**
 * Reads events.jsonl from step `from` on. A last line without its newline is a step whose
 * write was cut off (the process died mid-write): it is ignored. Any other bad line is an error
 * naming the file and line.
 */
export function readRunEvents(dir: string, from = 0): RunEvent[] {
  const f = file(dir, 'events');
  if (!fs.existsSync(f)) return [];
  const text = fs.readFileSync(f, 'utf8');
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // drops '' after the final newline, or a cut-off last line
  const out: RunEvent[] = [];
  complete.forEach((line, i) => {
    let ev: RunEvent;
    try {
      ev = RunEventSchema.parse(JSON.parse(line));
    } catch (e) {
      throw new Error(`${f}:${i + 1}: not a valid event line (${(e as Error).message.split('\n')[0]})`, { cause: e });
    }
    if (ev.step !== i) throw new Error(`${f}:${i + 1}: expected step ${i}, found step ${ev.step}`);
    if (ev.step >= from) out.push(ev);
  });
  return out;
}

/** Keeps the first `steps` events (those before a checkpoint), atomically. */
export function truncateRunEvents(dir: string, steps: number): void {
  const f = file(dir, 'events');
  const text = fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  const lines = text.split('\n').slice(0, steps);
  if (lines.length < steps) throw new Error(`${f}: has ${lines.length} complete steps, the checkpoint needs ${steps}`);
  writeFileAtomic(f, lines.map((l) => l + '\n').join(''));
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
