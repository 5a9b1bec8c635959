import { MAX_REQUEST_BYTES, StudioCallSchema, type StudioCall, type StudioReply, type StudioResults } from '../contracts/studio-api';
import { BenchmarkFileError } from './benchmark-csv';
import { checkDataset, DatasetFileError } from './datasets';
import { UsageError } from './run-config';
import { checkBenchmarkTables } from './run-config';
import { exportRun } from './run-export';
import { ConflictError, NotFoundError, type RunManager } from './run-manager';

/** What only the desktop app can do (native dialogs); absent in `serve`. */
export interface DispatchHost {
  pickFile?: (title: string, extensions: string[]) => Promise<string[] | null>;
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

async function run(m: RunManager, c: StudioCall, host: DispatchHost): Promise<StudioResults[keyof StudioResults]> {
  switch (c.method) {
    case 'listRuns':
      return m.list();
    case 'getRun':
      return m.get(c.id);
    case 'getEvents':
      return m.events(c.id, c.from);
    case 'startSearch':
      return m.start(c.request);
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
    case 'startSupernetSearch':
      return m.startSupernetSearch({ seed: c.seed, options: c.options });
    case 'checkTable':
      return checkBenchmarkTables(c.space, c.files);
    case 'checkDataset':
      return checkDataset(c.dataset);
    case 'exportRun':
      return exportRun(m.get(c.id), m.events(c.id), c.what, c.content);
    case 'pickFile':
      if (!host.pickFile) throw new UsageError('file dialogs exist only in the desktop app: type the path of a file on the machine running `l2nas serve`');
      return { paths: await host.pickFile(c.title, c.extensions) };
  }
}
