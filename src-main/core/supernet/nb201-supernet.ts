import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import { NB201_EDGES, NB201_OPS, nb201Space, type Nb201Arch } from '../../common/spaces/nb201';
import { ParamStore } from './param-store';
import { avgPool2x2, avgPool3x3ExcludePad, batchNormTrain, conv2dSame, relu } from './fast-ops';
import type { PathSupernet, SupernetBuilder } from './supernet';

export interface Nb201SupernetSpec {
  /** Input channels (1 for MNIST, 3 for CIFAR). */
  inChannels: number;
  classes: number;
  /** Channels of the first stage (NAS-Bench-201: 16). */
  C: number;
  /** Cells per stage (NAS-Bench-201: 5). */
  N: number;
}

/**
 * The NAS-Bench-201 network as a weight-sharing supernet (paper §2.1): stem
 * conv → N cells → residual block (stride 2) → N cells → residual block → N cells → BN-ReLU →
 * global average pool → linear. Every edge of every cell holds the weights of every operation;
 * a forward pass runs only the discrete path given by one architecture (single-path uniform
 * sampling trains exactly the weights that path uses). Batch norm uses batch statistics in
 * training and evaluation (no running statistics are shared between paths).
 */
export class Nb201Supernet implements PathSupernet<Nb201Arch> {
  readonly params: ParamStore;

  constructor(
    readonly spec: Nb201SupernetSpec,
    rng: Rng,
  ) {
    this.params = new ParamStore(rng);
    if (spec.C < 1 || spec.N < 1 || spec.classes < 2) throw new Error(`supernet: C, N >= 1 and classes >= 2 needed (got C=${spec.C}, N=${spec.N}, classes=${spec.classes})`);
    // Create every parameter now, in a fixed order, so initialisation does not depend on which
    // paths are sampled first.
    tf.tidy(() => {
      const x = tf.zeros([1, 8, 8, spec.inChannels]) as tf.Tensor4D;
      for (let op = 0; op < NB201_OPS.length; op++) this.forward(x, [op, op, op, op, op, op]);
    });
  }

  private bn(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const c = x.shape[3];
    const gamma = this.params.constant(`${name}.gamma`, [c], 1);
    const beta = this.params.constant(`${name}.beta`, [c], 0);
    return batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D);
  }

  private conv(name: string, x: tf.Tensor4D, cout: number, k: number, stride = 1, inputGrad = true): tf.Tensor4D {
    const cin = x.shape[3];
    const w = this.params.weight(`${name}.w`, [k, k, cin, cout], k * k * cin);
    return conv2dSame(x, w as tf.Tensor4D, stride, { inputGrad });
  }

  /** ReLU → Conv(k×k) → BN, NAS-Bench-201's nor_conv_k×k. */
  private reluConvBn(name: string, x: tf.Tensor4D, k: number, cout = x.shape[3], stride = 1): tf.Tensor4D {
    return this.bn(`${name}.bn`, this.conv(`${name}.conv`, relu(x), cout, k, stride));
  }

  /** One edge's chosen operation; null for `none` (adds nothing). Public for gradient checks. */
  edge(name: string, op: number, x: tf.Tensor4D): tf.Tensor4D | null {
    switch (NB201_OPS[op]) {
      case 'none':
        return null;
      case 'skip_connect':
        return x;
      case 'nor_conv_1x1':
        return this.reluConvBn(`${name}.conv1x1`, x, 1);
      case 'nor_conv_3x3':
        return this.reluConvBn(`${name}.conv3x3`, x, 3);
      case 'avg_pool_3x3':
        return avgPool3x3ExcludePad(x);
    }
  }

  /** A cell: node i = Σ_{j<i} op_{j→i}(node j); the output is node 3. */
  private cell(name: string, x: tf.Tensor4D, arch: Nb201Arch): tf.Tensor4D {
    const nodes: tf.Tensor4D[] = [x];
    for (let to = 1; to <= 3; to++) {
      let sum: tf.Tensor4D | null = null;
      for (let e = 0; e < NB201_EDGES.length; e++) {
        const [t, from] = NB201_EDGES[e];
        if (t !== to) continue;
        const y = this.edge(`${name}.e${e}`, arch[e], nodes[from]);
        if (y) sum = sum ? tf.add(sum, y) : y;
      }
      nodes.push(sum ?? tf.zerosLike(x));
    }
    return nodes[3];
  }

  /** The residual block between stages (NAS-Bench-201's ResNetBasicblock, stride 2). */
  private reduction(name: string, x: tf.Tensor4D, cout: number): tf.Tensor4D {
    const a = this.reluConvBn(`${name}.a`, x, 3, cout, 2);
    const b = this.reluConvBn(`${name}.b`, a, 3, cout, 1);
    const short = this.conv(`${name}.short`, avgPool2x2(x), cout, 1);
    return tf.add(b, short);
  }

  /** Logits [B, classes] of the path `arch` (use inside tf.tidy). */
  forward(x: tf.Tensor4D, arch: Nb201Arch): tf.Tensor2D {
    if (x.shape[1] % 4 !== 0 || x.shape[2] % 4 !== 0) {
      throw new Error(`supernet: image size ${x.shape[1]}×${x.shape[2]} must be divisible by 4 (two stride-2 reductions, as NAS-Bench-201's 32×32)`);
    }
    const { C, N, classes } = this.spec;
    // The stem's input is the images: no gradient for them.
    let h = this.bn('stem.bn', this.conv('stem.conv', x, C, 3, 1, false));
    for (let stage = 0; stage < 3; stage++) {
      if (stage > 0) h = this.reduction(`red${stage}`, h, C << stage);
      for (let i = 0; i < N; i++) h = this.cell(`s${stage}.c${i}`, h, arch);
    }
    h = relu(this.bn('last.bn', h));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const w = this.params.weight('fc.w', [pooled.shape[1], classes], pooled.shape[1]);
    const b = this.params.weight('fc.b', [classes], pooled.shape[1]);
    return tf.add(tf.matMul(pooled, w), b) as tf.Tensor2D;
  }

  /** The parameters the path `arch` uses: those a forward pass of it reads (on an 8×8 probe). */
  pathParams(arch: Nb201Arch): tf.Variable[] {
    return this.params.record(() => tf.tidy(() => void this.forward(tf.zeros([1, 8, 8, this.spec.inChannels]) as tf.Tensor4D, arch)));
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** The NAS-Bench-201 supernet in the registry: C channels in the first stage, N cells per stage. */
export const nb201SupernetBuilder: SupernetBuilder<Nb201Arch> = {
  id: 'nb201',
  space: nb201Space,
  build: (shape, C, N, rng) => new Nb201Supernet({ ...shape, C, N }, rng),
};
