import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../contracts/run';
import * as crypto from 'node:crypto';
import type { ExportKind, RunDetail, TrainRunDetail } from '../contracts/studio-api';
import { writeNetworkExports, type NetworkExportFormat } from './exporters/network-export';
import { ofaSubnetFileText } from './ofa-subnet-config';
import { MODEL_EXPORT_FILES, modelExportFormats, readTrainCheckpoint, readTrainConfig, readTrainNetwork, readTrainResult, TRAIN_FILES } from './train-folder';
import { getSpace } from '../common/spaces';
import { writeFileAtomic } from './atomic-write';
import { UsageError } from './run-config';
import { NotFoundError } from './run-manager';
import { openRegularFile, UnsafeFileError } from './safe-file';
import { sanitiseSvg, SvgRefused } from './svg-sanitise';

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
  // An over-budget subnet (never queried, the penalty as its value) is never the best.
  for (const e of events) if (!e.overBudget && (!best || e.value > best.value)) best = e;
  return best && { arch: best.arch, value: best.value, step: best.step };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Checks a figure from the renderer: a standalone SVG of allowed elements only (svg-sanitise.ts), or a real PNG. */
function figureBytes(what: 'figure-svg' | 'figure-png', content: string | undefined): string | Uint8Array {
  if (!content) throw new UsageError(`export ${what}: the figure's content is missing`);
  if (what === 'figure-svg') {
    try {
      return sanitiseSvg(content);
    } catch (e) {
      if (e instanceof SvgRefused) throw new UsageError(`export figure-svg: ${e.message}`);
      throw e;
    }
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
export function exportRun(detail: RunDetail | TrainRunDetail, events: readonly RunEvent[], what: ExportKind, content?: string, o: { resolution?: number } = {}): { path: string; bytes: number; files: string[] } {
  const model = what.startsWith('model-');
  if (detail.kind === 'train') {
    if (!model) throw new UsageError(`export ${what}: run ${detail.summary.id} is a training run; it exports its model (model-tfjs, model-onnx, model-arch, model-layers)`);
    return exportModel(detail.summary.dir, what.slice('model-'.length) as NetworkExportFormat);
  }
  if (model) {
    if (isOfaSupernetSearch(detail)) throw new Error(`export ${what} of OFA run ${detail.summary.id}: made in a worker (exportOfaModel)`);
    throw new UsageError(`export ${what}: run ${detail.summary.id} is a search run and has no trained model; train its best architecture first`);
  }
  let name: string;
  let data: string | Uint8Array;
  switch (what) {
    case 'arch': {
      const best = bestOf(detail, events);
      if (!best) throw new UsageError(`run ${detail.summary.id} has no queries yet: nothing to export`);
      const space = getSpace(detail.config.space);
      if (detail.config.space === 'ofa') {
        // As OFA's set_active_subnet takes it, with the resolution the run measured it at (the CLI's --format ofa).
        if (o.resolution === undefined) throw new Error(`export arch of OFA run ${detail.summary.id}: the run's resolution is needed (ofaRunResolution)`);
        data = ofaSubnetFileText(best.arch, o.resolution, `run ${detail.summary.id}: best subnet`);
      } else data = space.format(space.parse(best.arch)) + '\n'; // round-trip: only a valid architecture is written
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
    default:
      throw new UsageError(`export ${what}: not an export of a search run`);
  }
  const file = path.join(exportsDir(detail.summary.dir, true), name);
  writeFileAtomic(file, data);
  return { path: file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length, files: [name] };
}

/**
 * A training run's model export into `<run>/exports/`, from its last epoch checkpoint. Written
 * whole into a temp folder first (writeNetworkExports), then each file renamed into exports/, so
 * no file there is ever half-written. The formats already exported are written again with it,
 * from the same checkpoint, so the files and the one README.txt always describe the same weights.
 */
export function exportModel(runDir: string, format: NetworkExportFormat): { path: string; bytes: number; files: string[] } {
  const config = readTrainConfig(runDir);
  const ck = readTrainCheckpoint(runDir);
  if (!ck) throw new UsageError(`run ${path.basename(runDir)}: no trained model yet (no ${TRAIN_FILES.checkpoint}: the first epoch has not finished)`);
  const desc = readTrainNetwork(runDir, config);
  const { tmp, formats } = modelExportPlan(runDir, format);
  const done = readTrainResult(runDir) ? 'trained' : 'partly trained';
  try {
    writeNetworkExports(desc, ck.weights, formats, tmp, `${done}: ${ck.epoch} of ${config.settings.epochs} epochs, seed ${config.seed} (run ${path.basename(runDir)})`, ck.stats);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return installModelExport(runDir, tmp, format);
}

/**
 * Where a model export of `format` is written first (a temp folder in the run folder, not there
 * yet), and every format it writes: `format` and those already in exports/, written again from
 * the same weights, so the files and the one README.txt always describe the same network.
 */
export function modelExportPlan(runDir: string, format: NetworkExportFormat): { tmp: string; formats: NetworkExportFormat[] } {
  exportsDir(runDir, true);
  return { tmp: path.join(runDir, `.model-export-${crypto.randomBytes(4).toString('hex')}`), formats: [...new Set([format, ...modelExportFormats(runDir)])] };
}

/** Renames each file of a finished model export in `tmp` into exports/ (no file there is ever half-written), then removes `tmp`. */
export function installModelExport(runDir: string, tmp: string, format: NetworkExportFormat): { path: string; bytes: number; files: string[] } {
  const exports = exportsDir(runDir, true);
  try {
    for (const f of fs.readdirSync(tmp)) fs.renameSync(path.join(tmp, f), path.join(exports, f));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const files = MODEL_EXPORT_FILES[format];
  const bytes = files.reduce((n, f) => n + fs.statSync(path.join(exports, f)).size, 0);
  return { path: path.join(exports, files[0]), bytes, files: [...files, 'README.txt'] };
}

/** Whether a run is a supernet search of the OFA space (its best subnet exports with the supernet's weights). */
export function isOfaSupernetSearch(detail: RunDetail | TrainRunDetail): boolean {
  return detail.kind !== 'train' && detail.config.space === 'ofa' && detail.config.estimator.kind === 'supernet';
}

/**
 * A model export (model-onnx, model-tfjs, model-arch, model-layers) of a finished OFA supernet
 * search: its best subnet as a standalone network, weights from the supernet and BN recalibrated
 * (node/ofa-export.ts, as `l2nas export`), made by `inWorker` (the run manager's short-lived
 * training worker: this process loads no TF.js) into a temp folder, then moved into exports/.
 */
export async function exportOfaModel(detail: RunDetail, what: ExportKind, inWorker: (runDir: string, formats: readonly NetworkExportFormat[], out: string) => Promise<string[]>): Promise<{ path: string; bytes: number; files: string[] }> {
  const id = detail.summary.id;
  if (!what.startsWith('model-')) throw new Error(`exportOfaModel: ${what} is not a model export`);
  const format = what.slice('model-'.length) as NetworkExportFormat;
  if (!detail.result) throw new UsageError(`export ${what}: run ${id} has no best subnet yet (it is ${detail.summary.status}); export it when the run has ended`);
  const dir = detail.summary.dir;
  const { tmp, formats } = modelExportPlan(dir, format);
  try {
    await inWorker(dir, formats, tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return installModelExport(dir, tmp, format);
}

/**
 * `<run>/exports/`, made if asked; refused when it is a symbolic link or anything but a real
 * folder inside the run folder, so an export is never written (or served) elsewhere.
 */
function exportsDir(runDir: string, create: boolean): string {
  const dir = path.join(runDir, 'exports');
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(dir);
  } catch {
    if (!create) throw new NotFoundError(`${dir}: the run has no exports yet`);
    fs.mkdirSync(dir);
    st = fs.lstatSync(dir);
  }
  if (st.isSymbolicLink() || !st.isDirectory()) throw new UsageError(`${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: exports are written only into a real exports/ folder inside the run folder`);
  if (path.dirname(fs.realpathSync(dir)) !== fs.realpathSync(runDir)) throw new UsageError(`${dir} resolves outside its run folder`);
  return dir;
}

/** File names an export download may ask for: one plain name, no path, no dot files. */
const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const EXPORT_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml', '.png': 'image/png', '.csv': 'text/csv; charset=utf-8', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream',
};
/** Largest export served (a figure is at most MAX_EXPORT_CHARS; histories of 1e6 steps are ~100 MB). */
const MAX_EXPORT_BYTES = 512 * 1024 * 1024;

/**
 * Opens one file of a run's exports/ for download by its bare name: no slash, no "..", no dot
 * file, not a symbolic link (O_NOFOLLOW), a regular file. The caller streams and closes `fd`.
 */
export function openRunExport(runDir: string, name: string): { fd: number; size: number; type: string } {
  if (name.length > 128 || !EXPORT_NAME.test(name)) throw new UsageError('an export is asked for by its file name only (letters, digits, - _ and dots; no folders)');
  const dir = exportsDir(runDir, false);
  try {
    const { fd, size } = openRegularFile(path.join(dir, name), MAX_EXPORT_BYTES, 'an export', { noFollow: true });
    return { fd, size, type: EXPORT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream' };
  } catch (e) {
    if (e instanceof UnsafeFileError) {
      if (/ENOENT/.test(e.detail)) throw new NotFoundError(`the run has no export named ${name}`);
      throw new UsageError(`export ${name} ${e.detail}`);
    }
    throw e;
  }
}
