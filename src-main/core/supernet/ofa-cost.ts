import { OFA_DEPTHS, OFA_EXPANDS, OFA_KERNELS, OFA_LAYERS_PER_UNIT, OFA_UNITS, type OfaConfig } from '../../common/spaces/ofa';
import type { ArchCost, SupernetCostModel, SupernetShape } from './supernet';

/*
 * The fixed shapes of OFA's elastic MobileNetV3 (ofa-supernet.ts builds the network from them;
 * its file comment says what is OFA's and what differs) and the MACs / parameters of its
 * subnets, without TF.js: run checks (a MAC budget no subnet meets) run in processes that never
 * load it.
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

export type Act = 'relu' | 'h_swish';

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
export function checkOfaConfig(c: OfaConfig): void {
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

/**
 * MACs and parameters of one subnet as OFA counts them for the standalone subnet
 * (get_active_subnet, then utils/flops_counter.py profile): every conv C_in/groups · k² per output
 * element, every linear layer in · out; BN, activations and pooling add no MACs. Parameters are
 * the subnet's own: conv and linear weights, biases (SE, classifier), BN γ and β (running
 * statistics are buffers, and the kernel-transform matrices are folded into the subnet's
 * weights). Computed from the same plan the supernet is built from.
 */
export function ofaCost(plan: OfaPlan, spec: Pick<OfaSupernetSpec, 'inChannels' | 'classes'>, c: OfaConfig, height: number, width = height): ArchCost {
  checkOfaConfig(c);
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

/** MACs and parameters of the OFA supernet's subnets for one run's settings. */
export function ofaCostModel(shape: SupernetShape, C: number, N: number): SupernetCostModel<OfaConfig> {
  const spec = ofaSpecOf(shape, C, N);
  const plan = ofaPlan(spec);
  return {
    cost: (c, height, width) => ofaCost(plan, spec, c, height, width),
    minimum: (height, width) => ofaCost(plan, spec, OFA_SMALLEST, height, width),
  };
}

