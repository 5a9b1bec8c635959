import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import { DARTS_OPS, dartsSpace, type DartsGenotype, type DartsPair } from '../../common/spaces/darts';
import { dartsOp, factorizedReduce, reluConvBn1x1, type Stride } from './darts-ops';
import { batchNormTrain, conv2dSame } from './fast-ops';
import { ParamStore } from './param-store';
import type { PathSupernet, SupernetBuilder } from './supernet';

export interface DartsSupernetSpec {
  /** Input channels (1 for MNIST, 3 for CIFAR). */
  inChannels: number;
  classes: number;
  /** Channels of the first cells (DARTS search: 16); must be even (FactorizedReduce). */
  C: number;
  /** Cells (DARTS search: 8); reduction cells at ⌊layers/3⌋ and ⌊2·layers/3⌋. */
  layers: number;
  /**
   * Learnable γ, β in the operations' batch norms. Default false, as DARTS's search network
   * (model_search.py: affine=False everywhere but the stem).
   */
  affine?: boolean;
}

/** DARTS's stem_multiplier: the stem has 3·C channels. */
const STEM_MULTIPLIER = 3;
/** Intermediate nodes per cell; the cell output concatenates all of them (multiplier 4). */
const STEPS = 4;

interface CellPlan {
  reduction: boolean;
  reductionPrev: boolean;
  /** Channels of the cell's nodes; the output has STEPS·C. */
  C: number;
}

/** An edge's weights: cell c, node k, input i, operation. */
const edgeName = (cell: number, node: number, input: number, op: string) => `cell${cell}.n${node}.i${input}.${op}`;

/**
 * DARTS's search network (Liu et al. 2019, model_search.py) as a single-path weight-sharing
 * supernet (paper §2.1): stem conv 3×3 → BN, then `layers` cells (reduction
 * cells at layers/3 and 2·layers/3 double the channels and halve the image), each reading the
 * two previous cells' outputs through preprocess0 (FactorizedReduce after a reduction cell,
 * else ReLUConvBN 1×1) and preprocess1 (ReLUConvBN 1×1); node k = op(state i) + op(state j)
 * for the genotype's two (op, input) pairs, ops on the two cell inputs of a reduction cell have
 * stride 2; the cell output is the concatenation of the 4 nodes; then global average pool →
 * linear. Every (cell, node, input, op) position holds its own weights, and a forward pass
 * runs only the genotype's path. Pools are followed by BN(affine=False) as in DARTS's MixedOp.
 */
export class DartsSupernet implements PathSupernet<DartsGenotype> {
  readonly params: ParamStore;
  private readonly plan: CellPlan[];
  private readonly affine: boolean;

  constructor(
    readonly spec: DartsSupernetSpec,
    rng: Rng,
  ) {
    const { C, layers, classes, inChannels } = spec;
    if (!(C >= 2 && C % 2 === 0) || !(layers >= 1) || !(classes >= 2) || !(inChannels >= 1)) {
      throw new Error(`DARTS supernet: even C >= 2, layers >= 1, classes >= 2 needed (got C=${C}, layers=${layers}, classes=${classes})`);
    }
    this.params = new ParamStore(rng);
    this.affine = spec.affine ?? false;
    this.plan = [];
    let c = C;
    for (let i = 0; i < layers; i++) {
      const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
      if (reduction) c *= 2;
      this.plan.push({ reduction, reductionPrev: i > 0 && this.plan[i - 1].reduction, C: c });
    }
    this.createAll();
  }

  /** How many times the image is halved (the input size must divide by 2 to this power). */
  get reductions(): number {
    return this.plan.filter((p) => p.reduction).length;
  }

  /**
   * Creates every parameter now, in a fixed order (stem; per cell preprocessing, then every
   * node × input × operation; classifier), so initialisation does not depend on which paths are
   * sampled first. Each op runs once on a tiny zero input: shapes come from the op itself.
   */
  private createAll(): void {
    const { inChannels, C } = this.spec;
    tf.tidy(() => {
      const zeros = (c: number) => tf.zeros([1, 2, 2, c]) as tf.Tensor4D;
      this.stem(zeros(inChannels));
      let cPrevPrev = STEM_MULTIPLIER * C, cPrev = STEM_MULTIPLIER * C;
      this.plan.forEach((p, i) => {
        this.preprocess0(i, zeros(cPrevPrev));
        this.preprocess1(i, zeros(cPrev));
        for (let k = 0; k < STEPS; k++) {
          for (let input = 0; input < k + 2; input++) for (const op of DARTS_OPS) this.edge(i, k, input, op, zeros(p.C));
        }
        [cPrevPrev, cPrev] = [cPrev, STEPS * p.C];
      });
      this.classifier(tf.zeros([1, cPrev]) as tf.Tensor2D);
    });
  }

  private stem(x: tf.Tensor4D): tf.Tensor4D {
    const cin = x.shape[3], cout = STEM_MULTIPLIER * this.spec.C;
    const w = this.params.weight('stem.conv.w', [3, 3, cin, cout], 9 * cin);
    // BatchNorm2d(C_curr) with its default affine=True in DARTS's stem.
    const gamma = this.params.constant('stem.bn.gamma', [cout], 1) as tf.Tensor1D;
    const beta = this.params.constant('stem.bn.beta', [cout], 0) as tf.Tensor1D;
    // stride 1: 'same' = PyTorch padding 1; no gradient for the input images
    return batchNormTrain(conv2dSame(x, w as tf.Tensor4D, 1, { inputGrad: false }), gamma, beta);
  }

  private preprocess0(cell: number, s0: tf.Tensor4D): tf.Tensor4D {
    const p = this.plan[cell];
    const name = `cell${cell}.pre0`;
    return p.reductionPrev ? factorizedReduce(this.params, name, s0, p.C, this.affine) : reluConvBn1x1(this.params, name, s0, p.C, this.affine);
  }

  private preprocess1(cell: number, s1: tf.Tensor4D): tf.Tensor4D {
    return reluConvBn1x1(this.params, `cell${cell}.pre1`, s1, this.plan[cell].C, this.affine);
  }

  /** The weights of operation `op` on edge input → node of `cell` applied to x. */
  private edge(cell: number, node: number, input: number, op: DartsPair[0], x: tf.Tensor4D): tf.Tensor4D {
    const p = this.plan[cell];
    const stride: Stride = p.reduction && input < 2 ? 2 : 1;
    const name = edgeName(cell, node, input, op);
    const y = dartsOp(op, this.params, name, x, p.C, stride, this.affine) as tf.Tensor4D;
    if (op !== 'max_pool_3x3' && op !== 'avg_pool_3x3') return y;
    // DARTS's MixedOp: nn.Sequential(pool, nn.BatchNorm2d(C, affine=False)).
    const c = y.shape[3];
    return batchNormTrain(y, tf.ones([c]) as tf.Tensor1D, tf.zeros([c]) as tf.Tensor1D);
  }

  private cell(cell: number, s0: tf.Tensor4D, s1: tf.Tensor4D, pairs: readonly DartsPair[]): tf.Tensor4D {
    const states = [this.preprocess0(cell, s0), this.preprocess1(cell, s1)];
    for (let k = 0; k < STEPS; k++) {
      const [a, b] = [pairs[2 * k], pairs[2 * k + 1]];
      states.push(tf.add(this.edge(cell, k, a[1], a[0], states[a[1]]), this.edge(cell, k, b[1], b[0], states[b[1]])));
    }
    return tf.concat(states.slice(2), 3);
  }

  private classifier(pooled: tf.Tensor2D): tf.Tensor2D {
    const n = pooled.shape[1];
    const w = this.params.weight('fc.w', [n, this.spec.classes], n);
    const b = this.params.weight('fc.b', [this.spec.classes], n);
    return tf.add(tf.matMul(pooled, w), b) as tf.Tensor2D;
  }

  /** Logits [B, classes] of the path `g` (call inside tf.tidy or a gradient function). */
  forward(x: tf.Tensor4D, g: DartsGenotype): tf.Tensor2D {
    checkGenotype(g);
    const m = 1 << this.reductions;
    if (x.shape[1] % m !== 0 || x.shape[2] % m !== 0 || x.shape[3] !== this.spec.inChannels) {
      throw new Error(`DARTS supernet: input ${x.shape.slice(1).join('×')} must have ${this.spec.inChannels} channels and a size divisible by ${m} (stride-2 FactorizedReduce needs even sizes)`);
    }
    let s0 = this.stem(x);
    let s1 = s0;
    this.plan.forEach((p, i) => {
      [s0, s1] = [s1, this.cell(i, s0, s1, p.reduction ? g.reduce : g.normal)];
    });
    return this.classifier(tf.mean(s1, [1, 2]) as tf.Tensor2D);
  }

  /**
   * The variables the path `g` uses: the stem, every cell's preprocessing (node 0 always reads
   * both cell inputs, so every cell and both preprocessings are on every path), the genotype's
   * (cell, node, input, op) weights, and the classifier.
   */
  pathParams(g: DartsGenotype): tf.Variable[] {
    const side = 2 << this.reductions; // the smallest input every stride-2 step can halve
    return this.params.record(() => tf.tidy(() => void this.forward(tf.zeros([1, side, side, this.spec.inChannels]) as tf.Tensor4D, g)));
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** The shape rules the supernet relies on (parseGenotype and dartsSpace.sample guarantee them). */
function checkGenotype(g: DartsGenotype): void {
  for (const [cell, pairs] of [['normal', g.normal], ['reduce', g.reduce]] as const) {
    if (pairs.length !== 2 * STEPS) throw new Error(`DARTS supernet: ${cell} cell has ${pairs.length} pairs, expected ${2 * STEPS}`);
    for (let k = 0; k < STEPS; k++) {
      const [a, b] = [pairs[2 * k], pairs[2 * k + 1]];
      for (const [op, input] of [a, b]) {
        if (!DARTS_OPS.includes(op)) throw new Error(`DARTS supernet: ${cell} node ${k}: unknown operation "${op}"`);
        if (!Number.isInteger(input) || input < 0 || input > k + 1) throw new Error(`DARTS supernet: ${cell} node ${k}: input ${input} out of range 0..${k + 1}`);
      }
      if (a[1] === b[1]) throw new Error(`DARTS supernet: ${cell} node ${k}: both pairs read input ${a[1]}`);
    }
  }
}

/** The DARTS supernet in the registry: C channels, N cells (reductions at N/3 and 2N/3). */
export const dartsSupernetBuilder: SupernetBuilder<DartsGenotype> = {
  id: 'darts',
  space: dartsSpace,
  build: (shape, C, N, rng) => new DartsSupernet({ ...shape, C, layers: N }, rng),
};
