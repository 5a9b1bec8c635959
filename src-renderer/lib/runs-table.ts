import type { RunSummary } from '../../src-main/contracts/studio-api';

/**
 * The runs list as a table (sortable by any column, filtered by text, status, space and method),
 * kept pure so component tests check it without a page.
 */
export type SortDir = 'asc' | 'desc';
export interface RunsSort {
  key: string;
  dir: SortDir;
}

export interface RunsFilter {
  text: string;
  status: string;
  space: string;
  method: string;
}

export const EMPTY_FILTER: RunsFilter = { text: '', status: '', space: '', method: '' };

/** The preset only means something for L²NAS runs (it sets the agent's hyperparameters) and training runs (their training preset). */
export function presetOf(r: RunSummary): string {
  return r.method === 'l2nas' || r.kind === 'train' ? r.preset : '';
}

/** Every reported column (`--report`) any listed run has, in first-seen order. */
export function reportedColumns(runs: readonly RunSummary[]): string[] {
  const out: string[] = [];
  for (const r of runs) for (const c of r.report ?? []) if (!out.includes(c)) out.push(c);
  return out;
}

/** One column: its header and the value it sorts on (null sorts last in either direction). */
export interface RunsColumn {
  key: string;
  label: string;
  value: (r: RunSummary) => string | number | null;
  numeric?: boolean;
}

export function runsColumns(runs: readonly RunSummary[]): RunsColumn[] {
  return [
    { key: 'id', label: 'Run', value: (r) => r.notes?.name || r.id },
    { key: 'status', label: 'Status', value: (r) => r.status },
    { key: 'createdAt', label: 'Created', value: (r) => r.createdAt },
    { key: 'space', label: 'Space', value: (r) => r.space },
    { key: 'method', label: 'Method', value: (r) => r.method },
    { key: 'preset', label: 'Preset', value: (r) => presetOf(r) || null },
    { key: 'metric', label: 'Metric', value: (r) => r.metric },
    { key: 'seed', label: 'Seed', value: (r) => r.seed ?? null, numeric: true },
    { key: 'steps', label: 'Steps', value: (r) => r.stepsDone, numeric: true },
    { key: 'best', label: 'Best', value: (r) => r.best, numeric: true },
    ...reportedColumns(runs).map((c): RunsColumn => ({ key: `report:${c}`, label: c, value: (r) => r.bestMetrics?.[c] ?? null, numeric: true })),
    { key: 'seconds', label: 'Duration', value: (r) => r.seconds, numeric: true },
  ];
}

export function filterRuns(runs: readonly RunSummary[], f: RunsFilter): RunSummary[] {
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((r) => {
    if (f.status && r.status !== f.status) return false;
    if (f.space && r.space !== f.space) return false;
    if (f.method && r.method !== f.method) return false;
    if (!words.length) return true;
    const hay = [r.id, r.notes?.name, r.notes?.notes, r.method, presetOf(r), r.metric, r.space, r.status, r.estimator, ...(r.report ?? [])].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export function sortRuns(runs: readonly RunSummary[], columns: readonly RunsColumn[], sort: RunsSort): RunSummary[] {
  const col = columns.find((c) => c.key === sort.key);
  if (!col) return [...runs];
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // blanks last either way
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return c * sign || a.id.localeCompare(b.id);
  });
}

/** Clicking a header: a new column sorts descending for numbers and dates, ascending for text; the same one flips. */
export function nextSort(sort: RunsSort, col: RunsColumn): RunsSort {
  if (sort.key === col.key) return { key: col.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' };
  return { key: col.key, dir: col.numeric || col.key === 'createdAt' ? 'desc' : 'asc' };
}

/** "2026-12-01T23:50:00.000Z" → "2026-12-01 23:50" in the viewer's time zone. */
export function formatCreated(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
