/**
 * The search worker: runs one run folder's search (agent + estimator) in its own process —
 * an Electron utility process in the app, a Node child process for CLI / serve / tests.
 * Every incoming message is validated; a bad one is answered with an error and changes nothing.
 */
import { FromWorker, parseMessage, ToWorkerSchema } from '../contracts/worker-protocol';
import { onParentMessage, postToParent } from './parent-port';
import { selectBackend } from '../node/backend';
import { runFolder } from '../node/search-session';
import { withRunLock } from '../node/run-lock';

const post = (msg: FromWorker): void => postToParent(msg);
const onRaw = onParentMessage;

let started = false;
let stop: 'pause' | 'cancel' | null = null;

onRaw((raw) => {
  const parsed = parseMessage(ToWorkerSchema, raw, 'search worker');
  if (!parsed.ok) {
    post({ type: 'error', message: parsed.error, fatal: false });
    return;
  }
  const msg = parsed.msg;
  if (msg.type === 'doctor') {
    selectBackend('auto').then(
      (b) => post({ type: 'doctor', chosen: b.backend, backends: b.attempts }),
      (e: Error) => post({ type: 'error', message: e.message, fatal: true }),
    );
    return;
  }
  if (msg.type === 'pause' || msg.type === 'cancel') {
    if (!started) post({ type: 'error', message: `search worker: "${msg.type}" before "start"`, fatal: false });
    else stop = msg.type;
    return;
  }
  if (started) {
    post({ type: 'error', message: 'search worker: already started', fatal: false });
    return;
  }
  started = true;
  // The worker writes the run, so it holds the folder's lock (released on every way out).
  withRunLock(msg.runDir, 'search worker', () =>
    runFolder(msg.runDir, {
      resume: msg.resume,
      checkpointEvery: msg.checkpointEvery,
      onEvent: (event) => post({ type: 'event', event }),
      shouldStop: () => stop,
    }),
  ).then(
    (out) => {
      post(out.outcome === 'paused' ? { type: 'paused', step: out.step } : { type: 'done', result: out.result });
      setTimeout(() => process.exit(0), 50);
    },
    (e: Error) => {
      post({ type: 'error', message: e.message, fatal: true });
      setTimeout(() => process.exit(1), 50);
    },
  );
});

post({ type: 'ready' });
