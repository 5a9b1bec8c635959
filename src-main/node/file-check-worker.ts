import { parentPort, workerData } from 'node:worker_threads';
import { fileCheckReply, type FileCheckJob } from './file-checks';

/** Worker thread of workerFileChecker: one check (workerData), one reply, then it ends. */
parentPort?.postMessage(fileCheckReply(workerData as FileCheckJob));
