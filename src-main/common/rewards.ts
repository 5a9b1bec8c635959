import type { RewardConfig } from '../contracts/run';

/**
 * Rewards of the paper, accuracies in percent.
 * Eq. 3: r = 100^acc, acc ∈ [0, 1] — stretches the top of the accuracy range.
 * Eq. 7 (transfer): r = 100^(acc / Acc(Env)) / 100 − 1, Acc(Env) the best validation accuracy
 * seen while training the supernet, so r ≈ 0 at Acc(Env) for every environment.
 */
export type RewardSpec = { kind: 'eq3' } | { kind: 'eq7'; accEnv: number };
export type RewardKind = RewardSpec['kind'];

export function reward(accuracyPercent: number, spec: RewardSpec = { kind: 'eq3' }): number {
  if (spec.kind === 'eq3') return 100 ** (accuracyPercent / 100);
  if (!(spec.accEnv > 0)) throw new Error(`reward Eq. 7 needs Acc(Env) > 0, got ${spec.accEnv}`);
  return 100 ** (accuracyPercent / spec.accEnv) / 100 - 1;
}

/**
 * The reward a run computes, from what its config.json records and the Acc(Env) its estimator
 * measured (a supernet's best validation accuracy while training, paper §4.4 / Table 4; a
 * table's column maximum). A value recorded in the config wins: it is what the run was started
 * with, and a resumed run must compute the same rewards.
 */
export function resolveReward(r: RewardConfig, estimatorAccEnv: number | undefined): RewardSpec {
  if (r.kind === 'eq3') return r;
  const accEnv = r.accEnv ?? estimatorAccEnv;
  if (accEnv === undefined || !(accEnv > 0)) {
    throw new Error(`reward Eq. 7 takes Acc(Env) from the ${r.accEnvFrom ?? 'estimator'}, which has none (${accEnv ?? 'no value'})`);
  }
  return { kind: 'eq7', accEnv };
}

/** One line naming a run's reward and where its Acc(Env) comes from (CLI summary, run view). */
export function describeReward(r: RewardConfig, measuredAccEnv?: number): string {
  if (r.kind === 'eq3') return 'Eq. 3: r = 100^acc';
  const value = r.accEnv ?? measuredAccEnv;
  const v = value === undefined ? 'not measured yet' : `${Number(value.toFixed(4))} %`;
  const from =
    r.accEnvFrom === 'supernet' ? "the supernet's best validation accuracy while training"
    : r.accEnvFrom === 'table-max' ? `the maximum of column ${r.column ?? '?'}`
    : 'a given value';
  return `Eq. 7: r = 100^(acc/Acc(Env))/100 − 1, Acc(Env) = ${v} (${from})`;
}
