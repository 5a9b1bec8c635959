import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { BenchmarkTable } from '../core/estimators/estimator';
import type { SearchSpace } from '../common/spaces/space';
import { openRegularFile, readAll, readHead, UnsafeFileError, type OpenedFile } from './safe-file';

/**
 * A benchmark file the user gave us is wrong; the message names file and line and what was
 * expected. It never quotes the file's contents: the path may come from an API client, and a
 * message that echoed a field would let it read any file line by line (/etc/shadow, ~/.ssh/…).
 */
export class BenchmarkFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${detail}`);
    this.name = 'BenchmarkFileError';
  }
}

interface ParsedFile {
  file: string;
  columns: string[];
  rows: Map<string, { line: number; values: Float64Array }>;
}

/**
 * The largest table read. NAS-Bench-201's full table (15,625 rows, a dozen columns) is about
 * 2 MB; 64 MiB leaves room for many more columns while keeping a parse to seconds, not minutes.
 */
export const MAX_TABLE_BYTES = 64 * 1024 * 1024;
/** The header is checked from the file's first bytes, before the rest is read or parsed. */
const HEAD_BYTES = 64 * 1024;
/** No real row is near this; a bigger record is an unterminated quote or not a table. */
const MAX_RECORD_BYTES = 64 * 1024;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A header name simple enough to repeat in a message (it is shown by a successful check anyway). */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

const CSV_OPTIONS = { skip_empty_lines: true, trim: true, bom: true, relax_column_count: false, max_record_size: MAX_RECORD_BYTES } as const;

/** What csv-parse found wrong, in our words (its own messages quote the offending field). */
function csvProblem(code: string | undefined): string {
  switch (code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH':
      return 'this row has a different number of fields than the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field that starts on this line is never closed';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return 'a quote inside an unquoted field (quote the whole field, and double quotes inside it)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text after a closing quote (expected a comma or the end of the line)';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row longer than ${MAX_RECORD_BYTES / 1024} KiB (an unterminated quote, or not a benchmark table)`;
    default:
      return `cannot be parsed as CSV (${code ?? 'unknown problem'})`;
  }
}

/** 1-based line of the first non-blank line at or after line `from` of `text`. */
function firstNonBlankLineFrom(text: string, from: number): number {
  let line = 1;
  let at = 0;
  while (line < from && at < text.length) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return from;
    at = nl + 1;
    line++;
  }
  for (;;) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    if (text.slice(at, end).trim() !== '' || nl < 0) return line;
    at = nl + 1;
    line++;
  }
}

function colName(header: string[], i: number): string {
  return PLAIN_NAME.test(header[i]) ? `column ${i + 1} ("${header[i]}")` : `column ${i + 1}`;
}

/**
 * Checks the header from the first bytes of the file: a huge file that is not a benchmark table
 * (no `arch` column) is refused after reading 64 KiB, not after parsing all of it.
 */
function checkHeader(file: string, head: Buffer, whole: boolean): { header: string[]; line: number } {
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    if (whole) throw new BenchmarkFileError(file, null, 'the file is empty (expected a header line with an "arch" column)');
    throw new BenchmarkFileError(file, null, `the first ${HEAD_BYTES / 1024} KiB are blank: not a benchmark table (expected a header line with an "arch" column)`);
  }
  const line = firstNonBlankLineFrom(text, 1);
  const lines = text.split('\n');
  const first = lines[line - 1];
  if (line === lines.length && !whole) {
    throw new BenchmarkFileError(file, line, `the header line is longer than ${HEAD_BYTES / 1024} KiB: not a benchmark table (expected a header line with an "arch" column)`);
  }
  let header: string[];
  try {
    header = (parse(first.replace(/\r$/, ''), CSV_OPTIONS) as string[][])[0] ?? [];
  } catch (e) {
    throw new BenchmarkFileError(file, line, `the header ${csvProblem((e as { code?: string }).code)}`);
  }
  if (!header.includes('arch')) {
    throw new BenchmarkFileError(file, line, `no "arch" column in the header (its ${header.length} field${header.length === 1 ? '' : 's'} must include "arch" and accuracy columns such as "cifar10")`);
  }
  const dup = header.findIndex((h, i) => header.indexOf(h) !== i);
  if (dup >= 0) throw new BenchmarkFileError(file, line, `column ${dup + 1} of the header has the same name as column ${header.indexOf(header[dup]) + 1}`);
  if (!header.some((h) => h !== 'arch' && h !== 'index')) {
    throw new BenchmarkFileError(file, line, 'no accuracy columns besides "arch" and "index"');
  }
  return { header, line };
}

/**
 * Reads one benchmark CSV: a header with an `arch` column of architecture strings (NB201 arch
 * strings for the NAS-Bench-201 space) and numeric columns (`index` and accuracies, in %).
 * Every cell is checked as it is parsed (rows are not all held as text first); the first
 * problem is reported with its file and line. Accuracies must lie in 0..100, `index` be ≥ 0,
 * and every value be finite (`1e999` would otherwise become Infinity, then null in JSON).
 */
export function readBenchmarkCsv(file: string, space: SearchSpace<unknown>): ParsedFile {
  let opened: OpenedFile;
  try {
    opened = openRegularFile(file, Number.MAX_SAFE_INTEGER, 'a benchmark table (CSV)');
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new BenchmarkFileError(file, null, e.detail);
    throw e;
  }
  let text: string;
  let header: string[];
  try {
    const head = readHead(opened.fd, HEAD_BYTES);
    ({ header } = checkHeader(file, head, head.length === opened.size));
    if (opened.size > MAX_TABLE_BYTES) {
      throw new BenchmarkFileError(file, null, `is larger than the ${MAX_TABLE_BYTES / 1024 / 1024} MiB limit for a benchmark table`);
    }
    text = readAll(opened, MAX_TABLE_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new BenchmarkFileError(file, null, e.detail);
    throw e;
  } finally {
    fs.closeSync(opened.fd);
  }

  const archCol = header.indexOf('arch');
  const numeric = header.map((h, i) => ({ h, i })).filter((c) => c.i !== archCol);
  const rows = new Map<string, { line: number; values: Float64Array }>();
  let lastLine = 0;
  let records = 0;
  const onRecord = (record: string[], line: number): null => {
    records++;
    lastLine = line;
    if (records === 1) return null; // the header, checked above
    let key: string;
    try {
      key = space.key(space.parse(record[archCol]));
    } catch {
      throw new BenchmarkFileError(file, line, `unknown architecture: ${colName(header, archCol)} is not a valid ${space.title} architecture string`);
    }
    const first = rows.get(key);
    if (first) throw new BenchmarkFileError(file, line, `duplicate architecture ${key} (first on line ${first.line})`);
    const values = new Float64Array(numeric.length);
    numeric.forEach((c, k) => {
      const cell = record[c.i];
      if (!NUMBER.test(cell)) throw new BenchmarkFileError(file, line, `${colName(header, c.i)} is not a number`);
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new BenchmarkFileError(file, line, `${colName(header, c.i)} is not a finite number (too large for a float)`);
      if (v < 0) throw new BenchmarkFileError(file, line, `${colName(header, c.i)} is negative (expected ${c.h === 'index' ? 'a row number ≥ 0' : 'an accuracy in % between 0 and 100'})`);
      if (c.h !== 'index' && v > 100) throw new BenchmarkFileError(file, line, `${colName(header, c.i)} is above 100 (expected an accuracy in % between 0 and 100)`);
      values[k] = v;
    });
    rows.set(key, { line, values });
    return null;
  };
  try {
    parse(text, { ...CSV_OPTIONS, info: true, on_record: (r: { record: string[]; info: { lines: number } }) => onRecord(r.record, r.info.lines) });
  } catch (e) {
    if (e instanceof BenchmarkFileError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    // csv-parse reports an unterminated quote where the file ends; the user needs where it starts.
    const line = err.code === 'CSV_QUOTE_NOT_CLOSED' ? firstNonBlankLineFrom(text, lastLine + 1) : (err.lines ?? null);
    throw new BenchmarkFileError(file, line, `not a valid CSV file: ${csvProblem(err.code)}`);
  }
  if (rows.size === 0) throw new BenchmarkFileError(file, null, 'the file has a header but no rows');
  return { file, columns: numeric.map((c) => c.h), rows };
}

/**
 * Loads one or more benchmark CSVs and joins them on `arch` (every file must list the same
 * architectures; a column other than `index` may appear in only one file).
 */
export function loadBenchmarkTables(files: readonly string[], space: SearchSpace<unknown>): BenchmarkTable {
  if (files.length === 0) throw new Error('no benchmark table given (use --benchmark <csv>)');
  const parsed = files.map((f) => readBenchmarkCsv(f, space));
  const columns: string[] = [];
  const owner = new Map<string, string>();
  const picks: { p: number; k: number }[] = [];
  parsed.forEach((pf, p) =>
    pf.columns.forEach((c, k) => {
      if (owner.has(c)) {
        if (c === 'index') return;
        throw new BenchmarkFileError(pf.file, 1, `column "${c}" is also in ${owner.get(c)}: joined tables need distinct column names`);
      }
      owner.set(c, pf.file);
      columns.push(c);
      picks.push({ p, k });
    }),
  );
  const base = parsed[0];
  for (const other of parsed.slice(1)) {
    for (const [key, { line }] of other.rows) {
      if (!base.rows.has(key)) throw new BenchmarkFileError(other.file, line, `architecture ${key} is not in ${base.file}; joined tables must list the same architectures`);
    }
    for (const [key, { line }] of base.rows) {
      if (!other.rows.has(key)) throw new BenchmarkFileError(base.file, line, `architecture ${key} is not in ${other.file}; joined tables must list the same architectures`);
    }
  }
  const rows = new Map<string, Float64Array>();
  for (const key of base.rows.keys()) {
    const v = new Float64Array(columns.length);
    picks.forEach(({ p, k }, c) => (v[c] = parsed[p].rows.get(key)!.values[k]));
    rows.set(key, v);
  }
  return { columns, rows, sources: [...files] };
}
