import * as fs from 'node:fs';
import { MAX_READ_EXPORT_BYTES, MAX_REQUEST_BYTES, StudioCallSchema, type ExportFile, type NetworkCounts, type RunDetail, type StudioCall, type StudioReply, type StudioResults } from '../contracts/studio-api';
import { buildNetwork, NETWORK_DEFAULTS } from '../core/network/build';
import { countNetwork } from '../core/network/counts';
import { NetworkSpecError } from '../core/network/network';
import { datasetFiles, type AllowedPaths } from './allowed-paths';
import { BenchmarkFileError } from './benchmark-csv';
import { DatasetFileError } from './datasets';
import { inlineFileChecker, type FileChecker } from './file-checks';
import { UsageError } from './run-config';
import { SUPERNET_SPECS } from '../common/supernets';
import { SUPERNET_IDS } from '../contracts/ids';
import { exportOfaModel, exportRun, isOfaSupernetSearch, openRunExport } from './run-export';
import { datasetResolution } from './ofa-subnet-config';
import { writeRunNotes } from './run-notes';
import { ConflictError, NotFoundError, type RunManager } from './run-manager';

/** What the caller of the dispatch provides: the desktop app's dialogs, serve's bounds and checker. */
export interface DispatchHost {
  /** A native file dialog (desktop app only; absent in `serve`). */
  pickFile?: (title: string, extensions: string[]) => Promise<string[] | null>;
  /**
   * Where calls may make us read files (`serve --data`); absent: anywhere. Files the user
   * picks through `pickFile` are added to it, so a picked file is always allowed.
   */
  allowed?: AllowedPaths;
  /** Runs checkTable / checkDataset (and startSearch's table check); default: in this thread. */
  checker?: FileChecker;
}

type AnyReply = StudioReply<keyof StudioResults>;

function invalid(message: string): AnyReply {
  return { ok: false, error: { code: 'invalid-request', message } };
}

/**
 * Validates one untrusted API call (from the renderer over IPC, or from HTTP) and runs it on the
 * RunManager. A bad call gets a typed error back and changes nothing.
 */
export async function dispatchStudioCall(manager: RunManager, raw: unknown, host: DispatchHost = {}): Promise<AnyReply> {
  let size: number;
  try {
    size = JSON.stringify(raw)?.length ?? 0;
  } catch {
    return invalid('the call is not serialisable data');
  }
  if (size > MAX_REQUEST_BYTES) return invalid(`the call is ${size} bytes; the limit is ${MAX_REQUEST_BYTES}`);
  const parsed = StudioCallSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return invalid(`invalid call at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  try {
    return { ok: true, value: await run(manager, parsed.data, host) };
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof UsageError || e instanceof BenchmarkFileError || e instanceof DatasetFileError) return invalid(message);
    if (e instanceof NotFoundError) return { ok: false, error: { code: 'not-found', message } };
    if (e instanceof ConflictError) return { ok: false, error: { code: 'conflict', message } };
    return { ok: false, error: { code: 'failed', message } };
  }
}

/** The supernet checkpoint field, refused by its name when outside the allowed places. */
function checkCheckpointPath(allowed: AllowedPaths, file: string): void {
  try {
    allowed.check([file], 'the supernet checkpoint');
  } catch (e) {
    throw new UsageError(`supernetCheckpoint: ${(e as Error).message}`);
  }
}

/** An error about the checkpoint file (its reader's, or the check's) as an invalid-request naming the field. */
async function asCheckpointField<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`supernetCheckpoint: ${e.message}`);
    throw e;
  }
}

/** Refuses any path of the call outside the allowed places, before anything is opened. */
function checkPaths(m: RunManager, c: StudioCall, allowed: AllowedPaths): void {
  switch (c.method) {
    case 'checkTable':
      return allowed.check(c.files, 'the benchmark table');
    case 'startSearch':
      return allowed.check(c.request.benchmark, 'the benchmark table');
    case 'checkDataset':
      return allowed.check(datasetFiles(c.dataset), 'the dataset file');
    case 'startSupernetSearch':
      if (!c.options) return;
      allowed.check(datasetFiles(c.options.dataset), 'the dataset file');
      if (c.options.supernetCheckpoint !== undefined) checkCheckpointPath(allowed, c.options.supernetCheckpoint);
      return;
    case 'checkSupernetCheckpoint':
      return checkCheckpointPath(allowed, c.file);
    case 'startTraining':
      allowed.check(datasetFiles(c.request.dataset), 'the dataset file');
      if (c.request.testDataset) allowed.check(datasetFiles(c.request.testDataset), 'the test dataset file');
      return;
    case 'resumeRun': {
      // A resumed run reads the files its config names again (it may have been made by the CLI).
      const d = m.get(c.id);
      if (d.kind === 'train') {
        allowed.check(datasetFiles(d.config.dataset), 'the dataset file');
        if (d.config.testDataset) allowed.check(datasetFiles(d.config.testDataset), 'the test dataset file');
        return;
      }
      const est = d.config.estimator;
      if (est.kind === 'table') allowed.check(est.files, 'the benchmark table');
      else {
        allowed.check(datasetFiles(est.dataset), 'the dataset file');
        if (est.pretrained) allowed.check([est.pretrained.file], 'the supernet checkpoint');
      }
      return;
    }
    default:
      return;
  }
}

async function run(m: RunManager, c: StudioCall, host: DispatchHost): Promise<StudioResults[keyof StudioResults]> {
  if (host.allowed) checkPaths(m, c, host.allowed);
  const checker = host.checker ?? inlineFileChecker;
  switch (c.method) {
    case 'listRuns':
      return m.list();
    case 'getRun':
      return m.get(c.id);
    case 'getEvents':
      return m.events(c.id, c.from);
    case 'startSearch':
      // The table is read by the checker (a worker thread in serve, so a big file never stalls
      // other clients); the manager then only checks its columns and starts the run.
      return m.start(c.request, await checker.check({ kind: 'load-table', space: c.request.space, files: c.request.benchmark }));
    case 'pauseRun':
      return m.pause(c.id);
    case 'resumeRun':
      return m.resume(c.id);
    case 'cancelRun':
      return m.cancel(c.id);
    case 'deleteRun':
      return m.delete(c.id);
    case 'doctor':
      return m.doctor();
    case 'startSupernetSearch': {
      // The dataset is read by the checker too; the manager checks the settings against it.
      const data = await checker.check({ kind: 'dataset', dataset: c.options?.dataset ?? { kind: 'mnist-embedded' } });
      const o = c.options;
      if (o?.supernetCheckpoint !== undefined) {
        // A published supernet (the CLI's --supernet-checkpoint): read and checked against the supernet this search builds, before any folder exists.
        const spec = SUPERNET_SPECS[o.space];
        if (!spec.loadsCheckpoints) throw new UsageError(`supernetCheckpoint: the ${o.space} supernet cannot load PyTorch checkpoints (only: ${SUPERNET_IDS.filter((id) => SUPERNET_SPECS[id].loadsCheckpoints).join(', ')})`);
        const C = o.C ?? spec.defaults.C, N = o.N ?? spec.defaults.N;
        const bad = spec.check({ C, N });
        if (bad) throw new UsageError(bad);
        await asCheckpointField(m.checkOfaCheckpoint(o.supernetCheckpoint, { C, N, inChannels: data.channels, classes: data.classes }));
      }
      return m.startSupernetSearch({ seed: c.seed, options: o }, data);
    }
    case 'checkSupernetCheckpoint':
      return asCheckpointField(m.checkOfaCheckpoint(c.file));
    case 'startTraining': {
      // Both datasets are read by the checker; the manager checks the settings against them.
      const r = c.request;
      const data = await checker.check({ kind: 'dataset', dataset: r.dataset });
      const test = r.testDataset ? await checker.check({ kind: 'dataset', dataset: r.testDataset }) : undefined;
      return m.startTraining(r, data, test);
    }
    case 'inspectNetwork':
      return inspectNetwork(c);
    case 'checkTable':
      return checker.check({ kind: 'table', space: c.space, files: c.files });
    case 'checkDataset':
      return checker.check({ kind: 'dataset', dataset: c.dataset });
    case 'exportRun': {
      const d = m.get(c.id);
      if (d.kind !== 'train' && isOfaSupernetSearch(d)) {
        // An OFA search's best subnet: the network with the supernet's weights (a worker), or its config with the run's resolution `r`.
        if (c.what.startsWith('model-')) return exportOfaModel(d, c.what, (dir, formats, out) => m.exportOfaInWorker(dir, formats, out));
        if (c.what === 'arch') {
          const est = d.config.estimator as Extract<RunDetail['config']['estimator'], { kind: 'supernet' }>;
          const resolution = await datasetResolution(est.dataset, (spec) => {
            host.allowed?.check(datasetFiles(spec), 'the dataset file'); // read only when the spec does not say the size
            return checker.check({ kind: 'dataset', dataset: spec });
          });
          return exportRun(d, m.events(c.id), c.what, c.content, { resolution });
        }
      }
      return exportRun(d, m.events(c.id), c.what, c.content);
    }
    case 'readExport':
      return readExport(m.get(c.id).summary.dir, c.name);
    case 'setRunNotes':
      return writeRunNotes(m.get(c.id).summary.dir, c.notes);
    case 'pickFile':
      if (!host.pickFile) throw new UsageError('file dialogs exist only in the desktop app: type the path of a file on the machine running `l2nas serve`');
      {
        const paths = await host.pickFile(c.title, c.extensions);
        for (const p of paths ?? []) host.allowed?.allowFile(p);
        return { paths };
      }
  }
}

/** The #10 counter for the renderer (which may not import core/): build the description, count it. */
function inspectNetwork(c: Extract<StudioCall, { method: 'inspectNetwork' }>): NetworkCounts {
  // NB201 and DARTS as CIFAR-10 (32×32, 10 classes); OFA as its ImageNet network (its defaults,
  // the config's own resolution `r` when it names one).
  const given = Object.fromEntries(Object.entries({ channels: c.channels, layers: c.layers, classes: c.classes, input: c.input, inChannels: c.inChannels }).filter(([, v]) => v !== undefined));
  const { input: _input, ...ofaDefaults } = NETWORK_DEFAULTS.ofa;
  const o = c.space === 'ofa' ? { ...ofaDefaults, inChannels: 3, ...given } : { ...NETWORK_DEFAULTS[c.space], classes: 10, input: 32, inChannels: 3, ...given };
  try {
    const desc = buildNetwork(c.space, c.arch, { ...o, auxiliary: false });
    const { params, macs } = countNetwork(desc);
    return { params, macs, channels: o.channels, layers: o.layers, classes: desc.classes, input: desc.input[0], inChannels: desc.input[2] };
  } catch (e) {
    if (e instanceof NetworkSpecError) throw new UsageError(`arch: ${e.message.replace(/^--arch: /, '')}`); // the builders name the CLI flag
    throw e;
  }
}

/**
 * One export read back whole for the desktop app's download: openRunExport's checks (bare
 * name, no link, a regular file inside the run's real exports/ folder), then a bounded read.
 */
function readExport(runDir: string, name: string): ExportFile {
  const opened = openRunExport(runDir, name);
  try {
    if (opened.size > MAX_READ_EXPORT_BYTES) {
      throw new UsageError(`export ${name} is ${opened.size} bytes; the app downloads at most ${MAX_READ_EXPORT_BYTES} (the file is in the run's exports/ folder)`);
    }
    const buf = Buffer.alloc(opened.size);
    let off = 0;
    while (off < buf.length) {
      const n = fs.readSync(opened.fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { name, type: opened.type, bytes: off, base64: buf.subarray(0, off).toString('base64') };
  } finally {
    fs.closeSync(opened.fd);
  }
}
