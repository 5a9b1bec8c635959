/**
 * ε-greedy schedule (paper §4.1 for NAS-Bench-201): ε starts at `start`, is
 * annealed by a half cosine to `end` at step `decaySteps`, then held.
 */
export function epsilonAt(step: number, start: number, end: number, decaySteps: number): number {
  if (decaySteps <= 0) return end;
  const p = Math.min(step, decaySteps) / decaySteps;
  return end + 0.5 * (start - end) * (1 + Math.cos(Math.PI * p));
}
