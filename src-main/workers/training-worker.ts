/**
 * The training worker: supernet training (and, later, final-model training) in its own process —
 * an Electron utility process in the app, a Node child process elsewhere (src-main/node/worker-host.ts).
 * Incoming messages are validated; a bad one is answered with an error and changes nothing.
 * Progress goes out both as lines (`progress`) and as structured messages (`train-progress`,
 * `epoch`, `resumed`); a demo started on a folder that holds a killed demo resumes it.
 */
import { FromTrainingWorker, parseMessage, ToTrainingWorkerSchema } from '../contracts/worker-protocol';
import { onParentMessage, postToParent } from './parent-port';
import { runSupernetDemo } from '../node/supernet-demo';

const post = (msg: FromTrainingWorker): void => postToParent(msg);
const onRaw = onParentMessage;

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
  runSupernetDemo({
    ...o,
    onProgress: (line) => post({ type: 'progress', line }),
    onBatch: (p) => post({ type: 'train-progress', ...p }),
    onEpoch: (r) => post({ type: 'epoch', epoch: r.epoch, epochs: r.epochs, loss: r.loss, imagesPerSecond: r.imagesPerSecond, seconds: r.seconds, valAccuracy: r.valAccuracy, accEnv: r.accEnv }),
    onResume: (epoch) => post({ type: 'resumed', epoch }),
  }).then(
    (s) => {
      post({ type: 'demo-done', result: s.result, accEnv: s.accEnv, randomMedian: s.randomMedian, supernetSeconds: s.supernetSeconds, resumedFromEpoch: s.resumedFromEpoch });
      setTimeout(() => process.exit(0), 50);
    },
    (e: Error) => {
      post({ type: 'error', message: e.message, fatal: true });
      setTimeout(() => process.exit(1), 50);
    },
  );
});
post({ type: 'ready' });
