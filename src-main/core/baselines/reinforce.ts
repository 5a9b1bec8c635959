import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { Proposal, SearchStrategy, StepInfo } from '../../common/strategy';

export interface ReinforceOptions {
  /** Adam learning rate on the logits. */
  lr: number;
  /** Momentum of the moving-average reward baseline (NAS-Bench-201 paper: 0.9). */
  baselineMomentum: number;
}

export const REINFORCE_DEFAULTS: ReinforceOptions = { lr: 0.01, baselineMomentum: 0.9 };

/**
 * REINFORCE (Williams 1992) as a NAS baseline: a softmax policy over each row of the same α the
 * agent emits, one operation sampled per row; reward = accuracy in [0, 1]; the gradient of
 * log π is (onehot − softmax) per row, scaled by the advantage r − b with b an exponential
 * moving average of rewards. Adam on the logits. Row-wise spaces only (NB201, OFA): DARTS's
 * Algorithm 2 is not a per-row choice.
 */
export class Reinforce<A> implements SearchStrategy<A> {
  readonly method = 'reinforce' as const;
  private readonly logits: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly rows: { offset: number; width: number }[] = [];
  private t = 0;
  private baseline: number | null = null;

  constructor(
    private readonly space: SearchSpace<A>,
    private readonly rng: Rng,
    private readonly opts: ReinforceOptions = REINFORCE_DEFAULTS,
  ) {
    if (!space.categoricalRows) throw new Error(`REINFORCE needs a space whose α rows are independent categorical choices (nb201, ofa), not ${space.id}`);
    let offset = 0;
    for (const m of space.matrices) {
      for (let r = 0; r < m.rows.length; r++) {
        this.rows.push({ offset, width: m.cols.length });
        offset += m.cols.length;
      }
    }
    this.logits = new Float64Array(space.dim);
    this.m = new Float64Array(space.dim);
    this.v = new Float64Array(space.dim);
  }

  private softmaxRow(offset: number, width: number, out: Float64Array): void {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, this.logits[offset + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += out[offset + j] = Math.exp(this.logits[offset + j] - max);
    for (let j = 0; j < width; j++) out[offset + j] /= sum;
  }

  propose(): Proposal<A> {
    const probs = new Float64Array(this.space.dim);
    const alpha = new Float32Array(this.space.dim);
    for (const { offset, width } of this.rows) {
      this.softmaxRow(offset, width, probs);
      let u = this.rng.next();
      let j = 0;
      while (j < width - 1 && u >= probs[offset + j]) u -= probs[offset + j++];
      alpha[offset + j] = 1;
    }
    return { arch: this.space.discretize(alpha), alpha, phase: 'policy' };
  }

  observe(p: Proposal<A>, value: number): StepInfo {
    const r = value / 100;
    if (this.baseline === null) this.baseline = r;
    const adv = r - this.baseline;
    this.baseline = this.opts.baselineMomentum * this.baseline + (1 - this.opts.baselineMomentum) * r;
    const probs = new Float64Array(this.space.dim);
    for (const { offset, width } of this.rows) this.softmaxRow(offset, width, probs);
    // Gradient ASCENT on adv · log π(a): g = adv · (onehot − softmax); Adam, β = (0.9, 0.999).
    this.t += 1;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < this.logits.length; i++) {
      const g = -adv * ((p.alpha![i] === 1 ? 1 : 0) - probs[i]); // minimise −adv·log π
      this.m[i] = b1 * this.m[i] + (1 - b1) * g;
      this.v[i] = b2 * this.v[i] + (1 - b2) * g * g;
      this.logits[i] -= (this.opts.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + 1e-8);
    }
    return { criticLoss: null, actorLoss: null };
  }

  snapshot(): { logits: Float64Array; m: Float64Array; v: Float64Array; t: number; baseline: number | null } {
    return { logits: this.logits.slice(), m: this.m.slice(), v: this.v.slice(), t: this.t, baseline: this.baseline };
  }

  restore(s: unknown): void {
    const r = s as ReturnType<Reinforce<A>['snapshot']>;
    this.logits.set(r.logits);
    this.m.set(r.m);
    this.v.set(r.v);
    this.t = r.t;
    this.baseline = r.baseline;
  }

  dispose(): void {}
}
