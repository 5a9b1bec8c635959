/**
 * What every worker process does (src-main/workers/search-worker.ts and training-worker.ts are
 * its entry points): run one run folder through the session — any estimator kind — and answer a
 * backend check; a training run's folder (config kind "train") goes to node/train-session.ts. Every incoming message is validated; a bad one is answered with an error and
 * changes nothing. Pause and cancel are honoured between search steps and between training
 * batches.
 */
import { FromWorker, parseMessage, ToWorkerSchema, type WorkerKind } from '../contracts/worker-protocol';
import { onParentMessage, postToParent } from './parent-port';
import { probeWebGpu, selectBackend } from '../node/backend';
import { runFolder } from '../node/search-session';
import { withRunLock } from '../node/run-lock';
import { isTrainingRun } from '../node/run-store';
import { trainFolder, type TrainProgress } from '../node/train-session';
import { exportOfaRun } from '../node/ofa-export';
import { parseExportFormats } from '../node/exporters/network-export';
import { UsageError } from '../node/usage-error';
import { checkOfaCheckpointFile, describeOfaCheckpointFile } from '../node/ofa-checkpoint';
import { ofaSpecOf } from '../core/supernet/ofa-cost';

/** A training run's batch progress to the parent at most twice a second, and always on an epoch's last batch. */
function throttledProgress(post: (m: FromWorker) => void): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 500 && p.batch < p.of) return;
    last = now;
    post({ type: 'train-progress', progress: p });
  };
}

export function serveRunWorker(kind: WorkerKind): void {
  const post = (msg: FromWorker): void => postToParent(msg);
  const name = `${kind} worker`;
  let started = false;
  let stop: 'pause' | 'cancel' | null = null;
  const exit = (code: number) => setTimeout(() => process.exit(code), 50);
  /** A one-off job (an export, a file check): its reply, or job-failed with the reason; then the worker exits. */
  const oneOffJob = (job: () => Promise<FromWorker>): void => {
    job().then(
      (reply) => {
        post(reply);
        exit(0);
      },
      (e: Error) => {
        post({ type: 'job-failed', message: e.message, invalid: e instanceof UsageError });
        exit(1);
      },
    );
  };

  onParentMessage((raw) => {
    const parsed = parseMessage(ToWorkerSchema, raw, name);
    if (!parsed.ok) {
      post({ type: 'error', message: parsed.error, fatal: false });
      return;
    }
    const msg = parsed.msg;
    if (msg.type === 'doctor') {
      Promise.all([selectBackend('auto'), probeWebGpu()]).then(
        ([b, webgpu]) => post({ type: 'doctor', chosen: b.backend, backends: b.attempts, webgpu, ...(b.adapter ? { adapter: b.adapter } : {}) }),
        (e: Error) => post({ type: 'error', message: e.message, fatal: true }),
      );
      return;
    }
    if (msg.type === 'export-ofa') {
      // Reads the finished run (its result, supernet checkpoint and dataset); writes only into `out`.
      oneOffJob(async () => {
        const { files } = await exportOfaRun(msg.runDir, parseExportFormats(msg.formats.join(','), 'export-ofa formats'), msg.out);
        return { type: 'exported', files };
      });
      return;
    }
    if (msg.type === 'check-ofa-checkpoint') {
      // Reads the file only (the strict reader: no code in it runs); writes nothing.
      oneOffJob(async () => {
        const info = await describeOfaCheckpointFile(msg.file);
        if (msg.fit) await checkOfaCheckpointFile(msg.file, ofaSpecOf({ inChannels: msg.fit.inChannels, classes: msg.fit.classes }, msg.fit.C, msg.fit.N));
        return { type: 'checkpoint-checked', info };
      });
      return;
    }
    if (msg.type === 'pause' || msg.type === 'cancel') {
      if (!started) post({ type: 'error', message: `${name}: "${msg.type}" before "start"`, fatal: false });
      else stop = msg.type;
      return;
    }
    if (started) {
      post({ type: 'error', message: `${name}: already started`, fatal: false });
      return;
    }
    started = true;
    // The worker writes the run, so it holds the folder's lock (released on every way out).
    if (isTrainingRun(msg.runDir)) {
      withRunLock(msg.runDir, name, () => trainFolder(msg.runDir, { onBatch: throttledProgress(post), onEpoch: (epoch) => post({ type: 'train-epoch', epoch }), shouldStop: () => stop })).then(
        (out) => {
          post(out.outcome === 'paused' ? { type: 'paused', step: out.epoch } : { type: 'done', status: out.outcome, result: null });
          exit(0);
        },
        (e: Error) => {
          post({ type: 'error', message: e.message, fatal: true });
          exit(1);
        },
      );
      return;
    }
    withRunLock(msg.runDir, name, () =>
      runFolder(msg.runDir, {
        resume: msg.resume,
        checkpointEvery: msg.checkpointEvery,
        onEvent: (event) => post({ type: 'event', event }),
        onProgress: (line) => post({ type: 'progress', line }),
        onBatch: (progress) => post({ type: 'train-progress', progress }),
        onEpoch: (r) => post({ type: 'epoch', epoch: { epoch: r.epoch, epochs: r.epochs, loss: r.loss, imagesPerSecond: r.imagesPerSecond, seconds: r.seconds, valAccuracy: r.valAccuracy, accEnv: r.accEnv } }),
        onResume: (epoch) => post({ type: 'resumed', epoch }),
        shouldStop: () => stop,
      }),
    ).then(
      (out) => {
        post(out.outcome === 'paused' ? { type: 'paused', step: out.step } : { type: 'done', status: out.outcome, result: out.result });
        exit(0);
      },
      (e: Error) => {
        post({ type: 'error', message: e.message, fatal: true });
        exit(1);
      },
    );
  });

  post({ type: 'ready' });
}
