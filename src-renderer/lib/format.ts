/** 1234567 → "1.23M" (parameters, MACs). */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Seconds → "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const t = Math.round(s);
  if (t >= 3600) return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
  if (t >= 60) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${t} s`;
}

export function formatAccuracy(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v.toFixed(2)} %`;
}
