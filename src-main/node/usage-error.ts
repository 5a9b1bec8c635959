/**
 * A bad setting or input (flag, request field, input file, run folder). The CLI exits with code 2;
 * the Studio API answers invalid-request. Its own module so the low-level file modules (run folder,
 * checkpoints, lock) can throw it without importing the estimator chain of run-config.ts.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
