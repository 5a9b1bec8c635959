import type { RunConfig } from '../contracts/run';
import { CheckpointError } from './checkpoint-codec';

/**
 * What a search checkpoint was made with: every config.json setting the restored state depends
 * on. `steps` is not among them (a run may be extended), nor the backend (a run may resume on
 * another machine), nor the table paths (tables may move); the estimator's columns are.
 */
export type CheckpointOrigin = Pick<RunConfig, 'space' | 'method' | 'preset' | 'seed' | 'agent' | 'rea' | 'reinforce' | 'reward'> & { metric: string; report: string[] };

export function checkpointOrigin(config: RunConfig): CheckpointOrigin {
  const { space, method, preset, seed, agent, rea, reinforce, reward } = config;
  return { space, method, preset, seed, agent, rea, reinforce, reward, metric: config.estimator.metric, report: config.estimator.report };
}

/**
 * Refuses a resume whose config.json no longer fits its checkpoint (edited by hand, or another
 * run's checkpoint copied in): `steps` below the checkpoint's step would otherwise end at once
 * as "completed", and another space, method or seed would restore a state into a different run.
 * Checkpoints written before the origin was recorded are checked for their step only.
 */
export function checkCheckpointFits(config: RunConfig, cp: { loop: { step: number }; origin?: CheckpointOrigin }, file: string): void {
  if (!Number.isInteger(cp.loop?.step) || cp.loop.step < 0) throw new CheckpointError(`${file}: no valid step in the checkpoint's loop state`);
  if (config.steps < cp.loop.step) {
    throw new CheckpointError(`config.json asks for ${config.steps} steps, but ${file} is already at step ${cp.loop.step}: set "steps" to at least ${cp.loop.step}, or start a new run`);
  }
  if (!cp.origin) return;
  const now = checkpointOrigin(config) as Record<string, unknown>;
  const was = cp.origin as Record<string, unknown>;
  const differ = Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(was[k]));
  if (differ.length) {
    const show = (v: unknown) => { const s = JSON.stringify(v) ?? 'nothing'; return s.length > 60 ? `${s.slice(0, 57)}...` : s; };
    const detail = differ.map((k) => `${k} is ${show(now[k])} in config.json but ${show(was[k])} in the checkpoint`).join('; ');
    throw new CheckpointError(`${file} was made by a run with other settings (${detail}); restore config.json, or start a new run`);
  }
}
