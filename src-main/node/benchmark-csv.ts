import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { BenchmarkTable } from '../core/estimators/estimator';
import type { SearchSpace } from '../common/spaces/space';

/** A benchmark file the user gave us is wrong; the message names file and line. */
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

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Reads one benchmark CSV: a header with an `arch` column of architecture strings (NB201 arch
 * strings for the NAS-Bench-201 space) and numeric columns (`index` and accuracies, in %).
 * Every cell is checked; the first problem is reported with its file and line.
 */
export function readBenchmarkCsv(file: string, space: SearchSpace<unknown>): ParsedFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new BenchmarkFileError(file, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (text.trim() === '') throw new BenchmarkFileError(file, null, 'the file is empty (expected a header line with an "arch" column)');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new BenchmarkFileError(file, err.lines ?? null, `not a valid CSV file: ${err.message}`);
  }
  const header = records[0].record;
  const archCol = header.indexOf('arch');
  if (archCol < 0) throw new BenchmarkFileError(file, records[0].info.lines, `no "arch" column in the header (found: ${header.join(', ')})`);
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) throw new BenchmarkFileError(file, records[0].info.lines, `column "${dup}" appears twice in the header`);
  const numeric = header.map((h, i) => ({ h, i })).filter((c) => c.i !== archCol);
  if (!numeric.some((c) => c.h !== 'index')) {
    throw new BenchmarkFileError(file, records[0].info.lines, 'no accuracy columns besides "arch" and "index"');
  }
  if (records.length < 2) throw new BenchmarkFileError(file, null, 'the file has a header but no rows');
  const rows = new Map<string, { line: number; values: Float64Array }>();
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r];
    const line = info.lines;
    let key: string;
    try {
      key = space.key(space.parse(record[archCol]));
    } catch (e) {
      throw new BenchmarkFileError(file, line, `unknown architecture: ${(e as Error).message}`);
    }
    const first = rows.get(key);
    if (first) throw new BenchmarkFileError(file, line, `duplicate architecture ${key} (first on line ${first.line})`);
    const values = new Float64Array(numeric.length);
    numeric.forEach((c, k) => {
      const cell = record[c.i];
      if (!NUMBER.test(cell)) throw new BenchmarkFileError(file, line, `column "${c.h}" is not a number: "${cell}"`);
      values[k] = Number(cell);
    });
    rows.set(key, { line, values });
  }
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
