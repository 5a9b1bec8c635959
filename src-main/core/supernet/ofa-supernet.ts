import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../common/rng';
import { OFA_DEPTHS, OFA_EXPANDS, OFA_KERNELS, OFA_LAYERS_PER_UNIT, OFA_UNITS, ofaSpace, type OfaConfig } from '../../common/spaces/ofa';
import { depthwiseConvTorch, subsample } from './darts-ops';
import { batchNormTrain, conv2dSame } from './fast-ops';
import { ParamStore } from './param-store';
import type { ArchCost, PathSupernet, SupernetBuilder, SupernetCostModel, SupernetShape } from './supernet';

/*
 * Once-for-All's elastic MobileNetV3 (Cai et al., ICLR 2020; mit-han-lab/once-for-all,
 * ofa/imagenet_classification/elastic_nn/networks/ofa_mbv3.py OFAMobileNetV3 with
 * ks_list [3, 5, 7], expand_ratio_list [3, 4, 6], depth_list [2, 3, 4]) as a TF.js weight-sharing
 * supernet, NHWC. What it keeps from OFA's code, and where it differs:
 *
 * - Layout: first conv 3×3 stride 2 + BN + h-swish; a fixed first MBConv (expand 1, kernel 3,
 *   ReLU, identity shortcut when its widths agree); five units of 4 elastic MBConv blocks (first
 *   block of a unit strided: 2, 2, 2, 1, 2; activations ReLU, ReLU, h-swish, h-swish, h-swish; SE
 *   in units 2, 4, 5); a 1×1 final expand + BN + h-swish; global average pool; a 1×1 feature mix
 *   (no bias, no BN) + h-swish; a linear classifier. Widths: base [16, 16, 24, 40, 80, 112, 160,
 *   960, 1280] × width multiplier through make_divisible(·, 8) (w1.0, w1.2 exactly as OFA).
 * - Elastic kernel (DynamicSeparableConv2d, KERNEL_TRANSFORM_MODE 1): one 7×7 depthwise weight
 *   per block; 5×5 = the 25×25 matrix "7to5" applied to its centre 5×5 (per channel, flattened
 *   row-major, as F.linear(v, M) = v·Mᵀ), 3×3 = "5to3" applied to the centre of that. Both
 *   matrices start as the identity and are learned.
 * - Elastic expand ratio: the block's middle width is make_divisible(round(C_in · e), 8); the
 *   expand conv's output channels, the depthwise weight, its BN, the SE's reduce input / expand
 *   output (and its middle width make_divisible(mid // 4, 8)) and the projection's input channels
 *   are the first `mid` of the largest block's (DynamicConv2d, DynamicBatchNorm2d, DynamicSE
 *   slicing). OFA re-sorts channels by importance between progressive-shrinking stages
 *   (re_organize_middle_weights); that belongs to progressive shrinking, not implemented here.
 * - Elastic depth: unit u runs its first d[u] blocks.
 * - Padding is PyTorch's (symmetric k // 2), so strided layers see the same windows as OFA's.
 * - Differences: batch norm uses batch statistics in training and evaluation (as the other
 *   supernets here; OFA keeps running statistics and recalibrates them per subnet); the
 *   classifier's dropout (0.1 in OFA) is left out (a PathSupernet has no training mode); weights
 *   start from PyTorch's default Kaiming-uniform (ParamStore) rather than OFA's he_fout normal
 *   init; the first conv reads the dataset's channels (1 for MNIST, 3 as OFA's).
 * - `downsamples` (1..5): how many of OFA's five stride-2 steps (first conv, units 1, 2, 3, 5) are
 *   kept, counting from the last. 5 is OFA's ImageNet network (224 → 7); fewer turn the earliest
 *   into stride 1 so that small images keep some resolution: 3 (first conv and unit 1 at stride 1)
 *   takes 28×28 MNIST or 32×32 CIFAR to 4×4 before the final expand, as CIFAR variants of
 *   MobileNets drop their first strides.
 */

/** OFA's MyNetwork.CHANNEL_DIVISIBLE. */
export const OFA_CHANNEL_DIVISIBLE = 8;
/** OFA's base_stage_width: first conv, first block, the five units, final expand, feature mix. */
export const OFA_BASE_WIDTHS = [16, 16, 24, 40, 80, 112, 160, 960, 1280] as const;
/** Strides of the first block of each unit in OFA's network (stride_stages[1:]). */
const UNIT_STRIDES = [2, 2, 2, 1, 2] as const;
const UNIT_ACTS = ['relu', 'relu', 'h_swish', 'h_swish', 'h_swish'] as const;
const UNIT_SE = [false, true, false, true, true] as const;
/** SEModule.REDUCTION. */
const SE_REDUCTION = 4;
const MAX_KERNEL = Math.max(...OFA_KERNELS);
const MAX_EXPAND = Math.max(...OFA_EXPANDS);

/** OFA's make_divisible (from TF's slim MobileNet): round to a multiple of `divisor`, never more than 10 % down. */
export function makeDivisible(v: number, divisor = OFA_CHANNEL_DIVISIBLE, minValue = divisor): number {
  let n = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** Python 3's round(): halves go to the even neighbour. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Output size of a PyTorch conv with odd kernel k, padding k // 2 and this stride. */
const outSize = (n: number, stride: number) => Math.floor((n - 1) / stride) + 1;

type Act = 'relu' | 'h_swish';

/** h-swish(x) = x · ReLU6(x + 3) / 6 (OFA's Hswish). */
export function hSwish(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
}

/** h-sigmoid(x) = ReLU6(x + 3) / 6 (OFA's Hsigmoid). */
export function hSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

const activate = (act: Act, x: tf.Tensor4D): tf.Tensor4D => (act === 'relu' ? tf.relu(x) : (hSwish(x) as tf.Tensor4D));

export interface OfaSupernetSpec {
  /** Input channels (3 for ImageNet/CIFAR, 1 for MNIST). */
  inChannels: number;
  classes: number;
  /** OFA's width_mult (1.0, 1.2; small CPU versions e.g. 0.25). */
  widthMult: number;
  /** OFA's stride-2 steps kept, counting from the last (5 = the ImageNet network); see the file comment. */
  downsamples: number;
}

/** One elastic MBConv block: its fixed shape (the largest subnet's), where it sits, what it uses. */
export interface OfaBlockPlan {
  /** OFA's block index (1..20; 0 is the fixed first block). */
  index: number;
  unit: number;
  cin: number;
  cout: number;
  stride: number;
  act: Act;
  se: boolean;
  /** An identity shortcut (OFA: stride 1 and C_in = C_out). */
  residual: boolean;
  /** Middle width at the largest expand ratio (the stored weights' width). */
  midMax: number;
  seMax: number;
}

export interface OfaPlan {
  stemStride: number;
  /** Widths of the first conv and the first block's output. */
  stem: number;
  first: number;
  /** Whether the first block adds its input (OFA: when its widths agree). */
  firstResidual: boolean;
  blocks: OfaBlockPlan[];
  finalExpand: number;
  lastChannel: number;
}

/** Middle width of a block at expand ratio e (DynamicMBConvLayer.active_middle_channel). */
export const middleWidth = (cin: number, e: number) => makeDivisible(pyRound(cin * e));
/** Middle width of an SE module on `channels` (DynamicSE: make_divisible(channels // 4, 8)). */
export const seWidth = (channels: number) => makeDivisible(Math.floor(channels / SE_REDUCTION));

/** The network's fixed shapes from OFA's constructor (OFAMobileNetV3.__init__), for a width and stride layout. */
export function ofaPlan(spec: Pick<OfaSupernetSpec, 'widthMult' | 'downsamples'>): OfaPlan {
  const { widthMult: w, downsamples } = spec;
  if (!(w > 0) || !Number.isFinite(w)) throw new Error(`OFA supernet: width multiplier must be positive (got ${w})`);
  if (!Number.isInteger(downsamples) || downsamples < 1 || downsamples > 5) throw new Error(`OFA supernet: 1..5 stride-2 steps (got ${downsamples}); 5 is the ImageNet network`);
  const widths = OFA_BASE_WIDTHS.slice(0, -2).map((b) => makeDivisible(b * w));
  // OFA's stride-2 steps in order: first conv, units 1, 2, 3, 5. The first (5 − downsamples) become stride 1.
  const drop = 5 - downsamples;
  const stemStride = drop > 0 ? 1 : 2;
  const unitStrides = UNIT_STRIDES.map((s) => s);
  let dropped = drop > 0 ? 1 : 0;
  for (let u = 0; u < OFA_UNITS && dropped < drop; u++) {
    if (unitStrides[u] === 2) {
      unitStrides[u] = 1;
      dropped++;
    }
  }
  const blocks: OfaBlockPlan[] = [];
  let cin = widths[1];
  for (let u = 0; u < OFA_UNITS; u++) {
    const cout = widths[u + 2];
    for (let j = 0; j < OFA_LAYERS_PER_UNIT; j++) {
      const stride = j === 0 ? unitStrides[u] : 1;
      const midMax = middleWidth(cin, MAX_EXPAND);
      blocks.push({ index: blocks.length + 1, unit: u, cin, cout, stride, act: UNIT_ACTS[u], se: UNIT_SE[u], residual: stride === 1 && cin === cout, midMax, seMax: seWidth(midMax) });
      cin = cout;
    }
  }
  return {
    stemStride, stem: widths[0], first: widths[1], firstResidual: widths[0] === widths[1], blocks,
    finalExpand: makeDivisible(OFA_BASE_WIDTHS[7] * w), lastChannel: makeDivisible(OFA_BASE_WIDTHS[8] * w),
  };
}

/** The shape rules forward relies on (parseOfaConfig and ofaSpace.sample guarantee them). */
function checkConfig(c: OfaConfig): void {
  const L = OFA_UNITS * OFA_LAYERS_PER_UNIT;
  if (c.ks.length !== L || c.e.length !== L || c.d.length !== OFA_UNITS) throw new Error(`OFA supernet: a config needs ${L} ks, ${L} e and ${OFA_UNITS} d (got ${c.ks.length}, ${c.e.length}, ${c.d.length})`);
  c.ks.forEach((k, i) => {
    if (!(OFA_KERNELS as readonly number[]).includes(k)) throw new Error(`OFA supernet: ks[${i}] = ${k}; allowed ${OFA_KERNELS.join(', ')}`);
  });
  c.e.forEach((e, i) => {
    if (!(OFA_EXPANDS as readonly number[]).includes(e)) throw new Error(`OFA supernet: e[${i}] = ${e}; allowed ${OFA_EXPANDS.join(', ')}`);
  });
  c.d.forEach((d, i) => {
    if (!(OFA_DEPTHS as readonly number[]).includes(d)) throw new Error(`OFA supernet: d[${i}] = ${d}; allowed ${OFA_DEPTHS.join(', ')}`);
  });
}

/** PyTorch's Conv2d(k, stride, padding k // 2) for odd k: stride 1 on the fast 'same' conv, else explicit pads + 'valid'. */
function convTorch(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return conv2dSame(x, w, 1);
  const p = (w.shape[0] - 1) / 2;
  return tf.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), w, stride, 'valid');
}

/** The first `n` entries of axis `axis` of t (all of it when n is its size: no copy). */
function firstOf<T extends tf.Tensor>(t: T, axis: number, n: number): T {
  if (t.shape[axis] === n) return t;
  const size = t.shape.map((s, i) => (i === axis ? n : s));
  return tf.slice(t, t.shape.map(() => 0), size) as T;
}

/**
 * The elastic MobileNetV3 supernet (see the file comment). A forward pass runs the subnet of an
 * OfaConfig (ks, e, d; its `r` is not used: the input's size is the resolution).
 */
export class OfaSupernet implements PathSupernet<OfaConfig> {
  readonly params: ParamStore;
  readonly plan: OfaPlan;

  constructor(
    readonly spec: OfaSupernetSpec,
    rng: Rng,
  ) {
    if (!(spec.classes >= 2) || !(spec.inChannels >= 1)) throw new Error(`OFA supernet: classes >= 2 and input channels >= 1 needed (got ${spec.classes}, ${spec.inChannels})`);
    this.plan = ofaPlan(spec);
    this.params = new ParamStore(rng);
    // Every parameter now, in a fixed order (kernel 3 everywhere reaches both transform
    // matrices; expand 6 and depth 4 reach every weight), so a seed gives one supernet.
    const all = { ks: new Array<number>(20).fill(3), e: new Array<number>(20).fill(MAX_EXPAND), d: new Array<number>(OFA_UNITS).fill(4) };
    tf.tidy(() => void this.forward(tf.zeros([1, 4, 4, spec.inChannels]) as tf.Tensor4D, all));
  }

  /** BatchNorm over the first x.shape[3] of `channels` (DynamicBatchNorm2d), batch statistics. */
  private bn(name: string, x: tf.Tensor4D, channels = x.shape[3]): tf.Tensor4D {
    const c = x.shape[3];
    const gamma = firstOf(this.params.constant(`${name}.gamma`, [channels], 1), 0, c) as tf.Tensor1D;
    const beta = firstOf(this.params.constant(`${name}.beta`, [channels], 0), 0, c) as tf.Tensor1D;
    return batchNormTrain(x, gamma, beta);
  }

  private stem(x: tf.Tensor4D): tf.Tensor4D {
    const cin = x.shape[3], c = this.plan.stem;
    const w = this.params.weight('first_conv.w', [3, 3, cin, c], 9 * cin);
    return activate('h_swish', this.bn('first_conv.bn', convTorch(x, w as tf.Tensor4D, this.plan.stemStride)));
  }

  /** The fixed first MBConv: depthwise 3×3 → BN → ReLU → 1×1 → BN (expand ratio 1: no inverted bottleneck). */
  private firstBlock(x: tf.Tensor4D): tf.Tensor4D {
    const c = this.plan.stem;
    const dw = this.params.weight('blocks.0.dw.w', [3, 3, c, 1], 9);
    let h = tf.relu(this.bn('blocks.0.dw.bn', depthwiseConvTorch(x, dw as tf.Tensor4D, 1)));
    const pw = this.params.weight('blocks.0.project.w', [1, 1, c, this.plan.first], c);
    h = this.bn('blocks.0.project.bn', conv2dSame(h, pw as tf.Tensor4D, 1));
    return this.plan.firstResidual ? tf.add(h, x) : h;
  }

  /**
   * The depthwise filter [k, k, mid, 1] of a block at kernel k (DynamicSeparableConv2d
   * .get_active_filter): the first `mid` channels of the 7×7 weight, then for each smaller size
   * the centre of the previous filter through that size's transform matrix. Public for tests.
   */
  activeDepthwiseFilter(b: OfaBlockPlan, mid: number, k: number): tf.Tensor4D {
    const w = this.params.weight(`blocks.${b.index}.dw.w`, [MAX_KERNEL, MAX_KERNEL, b.midMax, 1], MAX_KERNEL * MAX_KERNEL);
    let f = firstOf(w as tf.Tensor4D, 2, mid);
    for (let size = MAX_KERNEL; size > k; size -= 2) {
      const t = size - 2;
      const m = this.params.identity(`blocks.${b.index}.dw.${size}to${t}`, t * t);
      const centre = tf.slice(f, [1, 1, 0, 0], [t, t, mid, 1]);
      // Per channel v ↦ M·v on the row-major flattened centre: PyTorch's F.linear(v, M) on [C, t²].
      f = tf.reshape(tf.matMul(m, tf.reshape(centre, [t * t, mid])), [t, t, mid, 1]) as tf.Tensor4D;
    }
    return f;
  }

  /** DynamicSE on the first `mid` channels: mean → reduce (+bias) → ReLU → expand (+bias) → h-sigmoid → scale. */
  private se(b: OfaBlockPlan, x: tf.Tensor4D): tf.Tensor4D {
    const [n, , , mid] = x.shape;
    const s = seWidth(mid);
    const p = `blocks.${b.index}.se`;
    const wr = this.params.weight(`${p}.reduce.w`, [b.midMax, b.seMax], b.midMax);
    const br = this.params.weight(`${p}.reduce.b`, [b.seMax], b.midMax);
    const we = this.params.weight(`${p}.expand.w`, [b.seMax, b.midMax], b.seMax);
    const be = this.params.weight(`${p}.expand.b`, [b.midMax], b.seMax);
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const r = tf.relu(tf.add(tf.matMul(pooled, firstOf(firstOf(wr, 0, mid), 1, s) as tf.Tensor2D), firstOf(br, 0, s)));
    const g = hSigmoid(tf.add(tf.matMul(r as tf.Tensor2D, firstOf(firstOf(we, 0, s), 1, mid) as tf.Tensor2D), firstOf(be, 0, mid)));
    return tf.mul(x, tf.reshape(g, [n, 1, 1, mid])) as tf.Tensor4D;
  }

  /** One elastic MBConv block at kernel k and expand ratio e (DynamicMBConvLayer.forward + ResidualBlock). Public for tests. */
  block(b: OfaBlockPlan, x: tf.Tensor4D, k: number, e: number): tf.Tensor4D {
    const mid = middleWidth(b.cin, e);
    const p = `blocks.${b.index}`;
    const we = this.params.weight(`${p}.expand.w`, [1, 1, b.cin, b.midMax], b.cin);
    let h = activate(b.act, this.bn(`${p}.expand.bn`, conv2dSame(x, firstOf(we as tf.Tensor4D, 3, mid), 1), b.midMax));
    // A strided depthwise conv is the stride-1 one read at every stride-th pixel (same windows,
    // symmetric padding): its gradient then runs on the fast stride-1 kernels, where TF.js's
    // strided DepthwiseConv2dNativeBackpropInput on WASM goes through a dense C×C filter
    // (wasm-conv-gradients.ts): 670 of ~1,100 ms of a training step, measured.
    const dw = depthwiseConvTorch(h, this.activeDepthwiseFilter(b, mid, k), 1);
    h = activate(b.act, this.bn(`${p}.dw.bn`, subsample(dw, b.stride), b.midMax));
    if (b.se) h = this.se(b, h);
    const wp = this.params.weight(`${p}.project.w`, [1, 1, b.midMax, b.cout], b.midMax);
    h = this.bn(`${p}.project.bn`, conv2dSame(h, firstOf(wp as tf.Tensor4D, 2, mid), 1));
    return b.residual ? tf.add(h, x) : h;
  }

  /** Logits [B, classes] of the subnet `c` (call inside tf.tidy or a gradient function). */
  forward(x: tf.Tensor4D, c: OfaConfig): tf.Tensor2D {
    checkConfig(c);
    if (x.shape[3] !== this.spec.inChannels) throw new Error(`OFA supernet: input has ${x.shape[3]} channels, the supernet ${this.spec.inChannels}`);
    let h = this.firstBlock(this.stem(x));
    for (let u = 0; u < OFA_UNITS; u++) {
      for (let j = 0; j < c.d[u]; j++) {
        const i = u * OFA_LAYERS_PER_UNIT + j;
        h = this.block(this.plan.blocks[i], h, c.ks[i], c.e[i]);
      }
    }
    const { finalExpand, lastChannel } = this.plan;
    const cl = h.shape[3];
    const wf = this.params.weight('final_expand.w', [1, 1, cl, finalExpand], cl);
    h = activate('h_swish', this.bn('final_expand.bn', conv2dSame(h, wf as tf.Tensor4D, 1)));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    // Feature mix: a 1×1 conv of the pooled 1×1 map (no bias, no BN) = a matrix product.
    const wm = this.params.weight('feature_mix.w', [finalExpand, lastChannel], finalExpand);
    const mixed = hSwish(tf.matMul(pooled, wm as tf.Tensor2D)) as tf.Tensor2D;
    const wc = this.params.weight('classifier.w', [lastChannel, this.spec.classes], lastChannel);
    const bc = this.params.weight('classifier.b', [this.spec.classes], lastChannel);
    return tf.add(tf.matMul(mixed, wc), bc) as tf.Tensor2D;
  }

  /** The variables the subnet `c` uses (whole variables: a sliced one is on the path), recorded on a 4×4 probe. */
  pathParams(c: OfaConfig): tf.Variable[] {
    return this.params.record(() => tf.tidy(() => void this.forward(tf.zeros([1, 4, 4, this.spec.inChannels]) as tf.Tensor4D, c)));
  }

  /** MACs and parameters of the subnet `c` on height×width inputs (ofaCost). */
  cost(c: OfaConfig, height: number, width = height): ArchCost {
    return ofaCost(this.plan, this.spec, c, height, width);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * MACs and parameters of one subnet as OFA counts them for the standalone subnet
 * (get_active_subnet, then utils/flops_counter.py profile): every conv C_in/groups · k² per output
 * element, every linear layer in · out; BN, activations and pooling add no MACs. Parameters are
 * the subnet's own: conv and linear weights, biases (SE, classifier), BN γ and β (running
 * statistics are buffers, and the kernel-transform matrices are folded into the subnet's
 * weights). Computed from the same plan the supernet is built from.
 */
export function ofaCost(plan: OfaPlan, spec: Pick<OfaSupernetSpec, 'inChannels' | 'classes'>, c: OfaConfig, height: number, width = height): ArchCost {
  checkConfig(c);
  if (!(Number.isInteger(height) && height >= 1 && Number.isInteger(width) && width >= 1)) throw new Error(`OFA cost: resolution must be positive integers (got ${height}×${width})`);
  let macs = 0, params = 0;
  let h = outSize(height, plan.stemStride), w = outSize(width, plan.stemStride);
  macs += spec.inChannels * 9 * plan.stem * h * w;
  params += 9 * spec.inChannels * plan.stem + 2 * plan.stem;
  macs += 9 * plan.stem * h * w + plan.stem * plan.first * h * w;
  params += 9 * plan.stem + 2 * plan.stem + plan.stem * plan.first + 2 * plan.first;
  let cin = plan.first;
  for (let u = 0; u < OFA_UNITS; u++) {
    for (let j = 0; j < c.d[u]; j++) {
      const i = u * OFA_LAYERS_PER_UNIT + j;
      const b = plan.blocks[i];
      const k = c.ks[i];
      const mid = middleWidth(cin, c.e[i]);
      macs += cin * mid * h * w; // expand 1×1 at the input size
      params += cin * mid + 2 * mid;
      h = outSize(h, b.stride);
      w = outSize(w, b.stride);
      macs += k * k * mid * h * w; // depthwise
      params += k * k * mid + 2 * mid;
      if (b.se) {
        const s = seWidth(mid);
        macs += 2 * mid * s; // reduce and expand 1×1 convs on the pooled 1×1 map
        params += mid * s + s + s * mid + mid;
      }
      macs += mid * b.cout * h * w; // projection
      params += mid * b.cout + 2 * b.cout;
      cin = b.cout;
    }
  }
  macs += cin * plan.finalExpand * h * w;
  params += cin * plan.finalExpand + 2 * plan.finalExpand;
  macs += plan.finalExpand * plan.lastChannel;
  params += plan.finalExpand * plan.lastChannel;
  macs += plan.lastChannel * spec.classes;
  params += plan.lastChannel * spec.classes + spec.classes;
  return { macs, params };
}

/** The cheapest subnet of the space: every unit at depth 2, every block at kernel 3 and expand 3 (cost grows with each). */
export const OFA_SMALLEST: OfaConfig = {
  ks: new Array<number>(20).fill(Math.min(...OFA_KERNELS)),
  e: new Array<number>(20).fill(Math.min(...OFA_EXPANDS)),
  d: new Array<number>(OFA_UNITS).fill(Math.min(...OFA_DEPTHS)),
};

/** The OFA supernet's settings: C = width multiplier in percent (100 = w1.0), N = stride-2 steps kept (5 = ImageNet). */
export function ofaSpecOf(shape: SupernetShape, C: number, N: number): OfaSupernetSpec {
  return { ...shape, widthMult: C / 100, downsamples: N };
}

function ofaCostModel(shape: SupernetShape, C: number, N: number): SupernetCostModel<OfaConfig> {
  const spec = ofaSpecOf(shape, C, N);
  const plan = ofaPlan(spec);
  return {
    cost: (c, height, width) => ofaCost(plan, spec, c, height, width),
    minimum: (height, width) => ofaCost(plan, spec, OFA_SMALLEST, height, width),
  };
}

/** The OFA supernet in the registry: C = width multiplier × 100, N = stride-2 steps (ofaSpecOf). */
export const ofaSupernetBuilder: SupernetBuilder<OfaConfig> = {
  id: 'ofa',
  space: ofaSpace,
  build: (shape, C, N, rng) => new OfaSupernet(ofaSpecOf(shape, C, N), rng),
  costModel: ofaCostModel,
};
