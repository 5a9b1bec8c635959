/**
 * Rewards of the paper, accuracies in percent.
 * Eq. 3: r = 100^acc, acc ∈ [0, 1] — stretches the top of the accuracy range.
 * Eq. 7 (transfer): r = 100^(acc / Acc(Env)) / 100 − 1, Acc(Env) the best validation accuracy
 * seen while training the supernet, so r ≈ 0 at Acc(Env) for every environment.
 */
export type RewardSpec = { kind: 'eq3' } | { kind: 'eq7'; accEnv: number };

export function reward(accuracyPercent: number, spec: RewardSpec = { kind: 'eq3' }): number {
  if (spec.kind === 'eq3') return 100 ** (accuracyPercent / 100);
  if (!(spec.accEnv > 0)) throw new Error(`reward Eq. 7 needs Acc(Env) > 0, got ${spec.accEnv}`);
  return 100 ** (accuracyPercent / spec.accEnv) / 100 - 1;
}
