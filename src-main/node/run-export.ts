import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../contracts/run';
import type { ExportKind, RunDetail } from '../contracts/studio-api';
import { getSpace } from '../common/spaces';
import { writeFileAtomic } from './atomic-write';
import { UsageError } from './run-config';

/** Columns of the exported search history, one row per query (the events.jsonl fields). */
export const HISTORY_COLUMNS = ['step', 'arch', 'key', 'value', 'reward', 'best', 'phase', 'epsilon', 'criticLoss', 'actorLoss', 'seconds'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function historyCsv(events: readonly RunEvent[]): string {
  const lines = [HISTORY_COLUMNS.join(',')];
  for (const e of events) lines.push(HISTORY_COLUMNS.map((c) => csvField(e[c])).join(','));
  return lines.join('\n') + '\n';
}

/** The best architecture of a run: result.json when finished, else the best query so far. */
export function bestOf(detail: RunDetail, events: readonly RunEvent[]): { arch: string; value: number; step: number } | null {
  if (detail.result) return detail.result.best;
  let best: RunEvent | null = null;
  for (const e of events) if (!best || e.value > best.value) best = e;
  return best && { arch: best.arch, value: best.value, step: best.step };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks a figure from the renderer: a standalone SVG without scripts, or a real PNG. */
function figureBytes(what: 'figure-svg' | 'figure-png', content: string | undefined): string | Uint8Array {
  if (!content) throw new UsageError(`export ${what}: the figure's content is missing`);
  if (what === 'figure-svg') {
    if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(content)) throw new UsageError('export figure-svg: the content is not an SVG document (it must start with <svg)');
    if (/<script|\son[a-z]+\s*=|javascript:/i.test(content)) throw new UsageError('export figure-svg: scripts and event handlers are not allowed in an exported figure');
    return content;
  }
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new UsageError('export figure-png: the content is not a base64 PNG image');
  return bytes;
}

/**
 * Writes one export of a run into `<run>/exports/` (the renderer cannot write files itself) and
 * returns where: the best architecture in its space's own text form (NAS-Bench-201 arch
 * string, DARTS genotype, OFA config JSON), the history as CSV or JSON, or the figure.
 */
export function exportRun(detail: RunDetail, events: readonly RunEvent[], what: ExportKind, content?: string): { path: string; bytes: number } {
  const dir = path.join(detail.summary.dir, 'exports');
  let name: string;
  let data: string | Uint8Array;
  switch (what) {
    case 'arch': {
      const best = bestOf(detail, events);
      if (!best) throw new UsageError(`run ${detail.summary.id} has no queries yet: nothing to export`);
      const space = getSpace(detail.config.space);
      data = space.format(space.parse(best.arch)) + '\n'; // round-trip: only a valid architecture is written
      name = space.archFileName;
      break;
    }
    case 'history-csv':
      name = 'history.csv';
      data = historyCsv(events);
      break;
    case 'history-json':
      name = 'history.json';
      data = JSON.stringify({ run: detail.summary.id, config: detail.config, result: detail.result, events }, null, 1) + '\n';
      break;
    case 'figure-svg':
    case 'figure-png':
      name = what === 'figure-svg' ? 'best-arch.svg' : 'best-arch.png';
      data = figureBytes(what, content);
      break;
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileAtomic(file, data);
  return { path: file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length };
}
