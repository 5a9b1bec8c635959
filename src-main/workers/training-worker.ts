/**
 * The training worker's entry: runs that train networks — supernet searches (train, then
 * search) and, later, final-model training — through the same session as table searches
 * (workers/run-worker.ts).
 */
import { serveRunWorker } from './run-worker';

serveRunWorker('training');
