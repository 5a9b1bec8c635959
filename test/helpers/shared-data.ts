import * as fs from 'node:fs';
import * as path from 'node:path';

/** The NAS-Bench-201 tables in ../shared beside the project root (never copied into the repo). */
export const NB201_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'nas-bench-201');
export const NB201_TEST_CSV = path.join(NB201_DIR, 'test-accuracy-200ep.csv');
export const NB201_12EP_CSV = path.join(NB201_DIR, 'accuracy-12ep.csv');

export function requireSharedData(): void {
  if (!fs.existsSync(NB201_TEST_CSV)) {
    throw new Error(`NAS-Bench-201 table not found at ${NB201_TEST_CSV}: tests expect ../shared beside the project root`);
  }
}
