import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on a terminal (stderr); silent when stderr is not a TTY or --quiet. */
export function createProgress(total: number, enabled: boolean, label: string) {
  if (!enabled || !process.stderr.isTTY) return { update: (_n: number, _p?: object) => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total} | best {best} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { best: '-' });
  return { update: (n: number, p?: object) => bar.update(n, p), stop: () => bar.stop() };
}
