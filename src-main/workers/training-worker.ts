/**
 * The training worker: supernet training (and, later, final-model training) in its own process —
 * an Electron utility process in the app, a Node child process elsewhere (src-main/node/worker-host.ts).
 * Incoming messages are validated; a bad one is answered with an error and changes nothing.
 */
import { FromTrainingWorker, parseMessage, ToTrainingWorkerSchema } from '../contracts/worker-protocol';
import { runSupernetDemo } from '../node/supernet-demo';

interface ParentPort {
  on(ev: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const post = (msg: FromTrainingWorker): void => {
  if (electronPort) electronPort.postMessage(msg);
  else process.send?.(msg);
};
const onRaw = (cb: (raw: unknown) => void): void => {
  if (electronPort) electronPort.on('message', (e) => cb(e.data));
  else process.on('message', (m) => cb(m));
};

let busy = false;
onRaw((raw) => {
  const parsed = parseMessage(ToTrainingWorkerSchema, raw, 'training worker');
  if (!parsed.ok) {
    post({ type: 'error', message: parsed.error, fatal: false });
    return;
  }
  if (busy) {
    post({ type: 'error', message: 'training worker: already training', fatal: false });
    return;
  }
  busy = true;
  const { type: _t, ...o } = parsed.msg;
  runSupernetDemo({ ...o, onProgress: (line) => post({ type: 'progress', line }) }).then(
    (s) => {
      post({ type: 'demo-done', result: s.result, accEnv: s.accEnv, randomMedian: s.randomMedian });
      setTimeout(() => process.exit(0), 50);
    },
    (e: Error) => {
      post({ type: 'error', message: e.message, fatal: true });
      setTimeout(() => process.exit(1), 50);
    },
  );
});
process.on('disconnect', () => process.exit(0));
post({ type: 'ready' });
