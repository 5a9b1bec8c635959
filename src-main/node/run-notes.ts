import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunNotesSchema, type RunNotes } from '../contracts/studio-api';
import { writeJsonAtomic } from './atomic-write';
import { readAll, openRegularFile, UnsafeFileError } from './safe-file';

/** The user's name and notes of a run live beside its config, in this small file. */
export const RUN_NOTES_FILE = 'notes.json';
/** Far above what RunNotesSchema allows (4,120 characters, ×4 for UTF-8 and JSON escapes). */
const MAX_NOTES_BYTES = 64 * 1024;

/**
 * A run's notes, or null when it has none. A damaged or foreign notes.json never makes the run
 * unreadable: it reads as no notes, and `warn` says why (the summary lists it as a warning).
 */
export function readRunNotes(runDir: string, warn: (m: string) => void = () => {}): RunNotes | null {
  const file = path.join(runDir, RUN_NOTES_FILE);
  let text: string;
  try {
    const opened = openRegularFile(file, MAX_NOTES_BYTES, 'a notes file', { noFollow: true });
    try {
      text = readAll(opened, MAX_NOTES_BYTES).toString('utf8');
    } finally {
      fs.closeSync(opened.fd);
    }
  } catch (e) {
    if (e instanceof UnsafeFileError && /ENOENT/.test(e.detail)) return null;
    warn(`${file}: ${e instanceof UnsafeFileError ? e.detail : 'cannot be read'}; the run's notes are not shown`);
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    warn(`${file}: not JSON; the run's notes are not shown`);
    return null;
  }
  const r = RunNotesSchema.safeParse(raw);
  if (!r.success) {
    warn(`${file}: not a notes file (${r.error.issues[0].path.join('.') || 'document'}: ${r.error.issues[0].message}); the run's notes are not shown`);
    return null;
  }
  return r.data;
}

/** Writes a run's notes (already validated by the API schema) atomically, never through a planted link. */
export function writeRunNotes(runDir: string, notes: RunNotes): RunNotes {
  const clean = RunNotesSchema.parse({ name: notes.name.trim(), notes: notes.notes.trim() });
  writeJsonAtomic(path.join(runDir, RUN_NOTES_FILE), clean);
  return clean;
}
