/** The search worker's entry: table searches and backend checks (workers/run-worker.ts). */
import { serveRunWorker } from './run-worker';

serveRunWorker('search');
