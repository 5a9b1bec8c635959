import { formatOfaConfig, OFA_LAYERS_PER_UNIT, OFA_UNITS, parseOfaConfig, type OfaConfig } from '../../common/spaces/ofa';
import { checkOfaConfig, middleWidth, ofaPlan, seWidth, type Act, type OfaPlan } from '../supernet/ofa-cost';
import type { NamedTensors } from '../supernet/param-store';
import { NetBuilder, NetworkSpecError, type NetworkDescription } from './network';

/*
 * The standalone network of one OFA MobileNetV3 subnet: what OFA's
 * `OFAMobileNetV3.get_active_subnet()` returns (a MobileNetV3 of plain ConvLayer / MBConvLayer /
 * SEModule / LinearLayer, ofa/imagenet_classification/networks/mobilenet_v3.py), built from the
 * same plan (ofa-cost.ts ofaPlan) as the elastic supernet (ofa-supernet.ts), with the same
 * tensor names, so a subnet's weights are the supernet's sliced (ofaSubnetWeights below):
 *
 *   first_conv 3×3/s + BN + h-swish → blocks.0 (depthwise 3×3 + BN + ReLU → 1×1 + BN, identity
 *   shortcut when widths agree) → for each unit u, its first d[u] blocks: 1×1 expand + BN + act →
 *   depthwise k×k/s + BN + act → [SE: global pool → 1×1 reduce (+bias) → ReLU → 1×1 expand
 *   (+bias) → h-sigmoid → × ] → 1×1 project + BN (+ x when stride 1 and C_in = C_out) →
 *   final_expand 1×1 + BN + h-swish → global pool → feature_mix (1×1 on the pooled map = a
 *   linear layer, no bias, no BN) + h-swish → classifier (linear + bias).
 *
 * Padding k // 2 on every side, as PyTorch's Conv2d(padding=k // 2). MACs are counted as OFA's
 * flops_counter (no bias term: `biasMacs: false`), so counts equal OFA's figures.
 */

export interface OfaNetworkSpec {
  /** Input [H, W, C]; OFA's ImageNet network: [224, 224, 3] (any resolution runs: global pool). */
  input: [number, number, number];
  classes: number;
  /** OFA's width_mult (1.0, 1.2; small versions e.g. 0.25). */
  widthMult: number;
  /** Stride-2 steps kept, counting from the last (5: OFA's ImageNet network; ofa-cost.ts). */
  downsamples: number;
}

export const OFA_NETWORK_LIMITS = { widthPercent: [10, 400], classes: [2, 100000] } as const;

const actOf = (a: Act) => (a === 'relu' ? 'relu' : 'hswish');

/** Builds the subnet `c` of OFA's elastic MobileNetV3 as a standalone network description. */
export function buildOfaNetwork(c: OfaConfig, spec: OfaNetworkSpec): NetworkDescription {
  try {
    checkOfaConfig(c);
  } catch (e) {
    throw new NetworkSpecError(`--arch: ${(e as Error).message}`);
  }
  const { input, classes, widthMult, downsamples } = spec;
  const [lo, hi] = OFA_NETWORK_LIMITS.widthPercent;
  if (!(widthMult * 100 >= lo && widthMult * 100 <= hi)) throw new NetworkSpecError(`OFA network: width multiplier must be from ${lo / 100} to ${hi / 100} (got ${widthMult})`);
  if (!(Number.isInteger(downsamples) && downsamples >= 1 && downsamples <= 5)) throw new NetworkSpecError(`OFA network: stride-2 steps must be a whole number from 1 to 5 (got ${downsamples}; 5 is OFA's ImageNet network)`);
  if (!(Number.isInteger(classes) && classes >= OFA_NETWORK_LIMITS.classes[0] && classes <= OFA_NETWORK_LIMITS.classes[1])) throw new NetworkSpecError(`OFA network: classes must be a whole number from ${OFA_NETWORK_LIMITS.classes.join(' to ')} (got ${classes})`);
  if (c.r !== undefined && c.r !== input[0]) throw new NetworkSpecError(`OFA network: the config's resolution r = ${c.r} differs from the input ${input[0]}×${input[1]}`);
  const plan = ofaPlan({ widthMult, downsamples });
  const b = new NetBuilder(input);

  const convBnAct = (id: string, x: string, cOut: number, k: number, stride: number, act: 'relu' | 'hswish' | null, depthwise = false) => {
    const y = b.bn(`${id}.bn`, b.conv(id, x, cOut, k, { stride, depthwise }));
    return act ? b.act(`${id}.act`, act, y) : y;
  };

  let h = convBnAct('first_conv', 'input', plan.stem, 3, plan.stemStride, 'hswish');
  {
    const x = h;
    h = convBnAct('blocks.0.dw', h, plan.stem, 3, 1, 'relu', true);
    h = convBnAct('blocks.0.project', h, plan.first, 1, 1, null);
    if (plan.firstResidual) h = b.add('blocks.0.add', [h, x]);
  }
  for (let u = 0; u < OFA_UNITS; u++) {
    for (let j = 0; j < c.d[u]; j++) {
      const i = u * OFA_LAYERS_PER_UNIT + j;
      const blk = plan.blocks[i];
      const p = `blocks.${blk.index}`;
      const mid = middleWidth(blk.cin, c.e[i]);
      const act = actOf(blk.act);
      const x = h;
      h = convBnAct(`${p}.expand`, h, mid, 1, 1, act);
      h = convBnAct(`${p}.dw`, h, mid, c.ks[i], blk.stride, act, true);
      if (blk.se) {
        const s = seWidth(mid);
        const pooled = b.gap(`${p}.se.pool`, h, true);
        const r = b.act(`${p}.se.relu`, 'relu', b.conv(`${p}.se.reduce`, pooled, s, 1, { bias: true }));
        const g = b.act(`${p}.se.hsigmoid`, 'hsigmoid', b.conv(`${p}.se.expand`, r, mid, 1, { bias: true }));
        h = b.mul(`${p}.se`, h, g);
      }
      h = convBnAct(`${p}.project`, h, blk.cout, 1, 1, null);
      if (blk.residual) h = b.add(`${p}.add`, [h, x]);
    }
  }
  h = convBnAct('final_expand', h, plan.finalExpand, 1, 1, 'hswish');
  h = b.act('feature_mix.act', 'hswish', b.dense('feature_mix', b.gap('gap', h), plan.lastChannel, { bias: false }));
  const logits = b.dense('classifier', h, classes);
  const r = input[0];
  return {
    version: 1,
    space: 'ofa',
    arch: formatOfaConfig({ ks: c.ks, e: c.e, d: c.d, r }),
    input: [...input],
    classes,
    nodes: b.nodes,
    tensors: b.tensors,
    output: logits,
    settings: { widthMult, downsamples },
    biasMacs: false,
  };
}

/** The first `n` rows of a row-major matrix [rows, cols] and, of each, its first `m` columns. */
function block2d(v: Float32Array, cols: number, n: number, m: number): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) out.set(v.subarray(i * cols, i * cols + m), i * m);
  return out;
}

/**
 * The depthwise filter [k, k, mid, 1] of a block at kernel k from the supernet's 7×7 weight
 * [K, K, midMax, 1] (OFA's DynamicSeparableConv2d.get_active_filter, KERNEL_TRANSFORM_MODE 1):
 * the first `mid` channels, then for each smaller size t the centre t×t of the previous filter,
 * per channel flattened row-major, through that size's transform matrix M: v ↦ M·v (what the
 * supernet computes as matMul(M, centre [t², mid]); F.linear(v, M) in OFA's code).
 */
export function ofaActiveKernel(w: Float32Array, K: number, midMax: number, mid: number, k: number, matrices: (size: number, t: number) => Float32Array): Float32Array {
  let size = K;
  let f = new Float32Array(K * K * mid);
  for (let p = 0; p < K * K; p++) f.set(w.subarray(p * midMax, p * midMax + mid), p * mid);
  while (size > k) {
    const t = size - 2;
    const m = matrices(size, t);
    const next = new Float32Array(t * t * mid);
    for (let i = 0; i < t * t; i++) {
      for (let j = 0; j < t * t; j++) {
        const mij = m[i * t * t + j];
        if (mij === 0) continue;
        // centre cell j of the previous size-×-size filter: row 1 + j / t, column 1 + j % t.
        const src = ((1 + Math.floor(j / t)) * size + 1 + (j % t)) * mid;
        for (let ch = 0; ch < mid; ch++) next[i * mid + ch] += mij * f[src + ch];
      }
    }
    f = next;
    size = t;
  }
  return f;
}

/**
 * A subnet's weights, by the description's tensor names, taken from the supernet's (its
 * ParamStore snapshot, by name) as OFA's get_active_subnet(preserve_weight=True) does: the first
 * `mid` channels of every elastic weight in the supernet's current channel order (OFA sorts
 * channels by importance only while training with progressive shrinking,
 * re_organize_middle_weights; get_active_subnet itself slices the leading channels), the
 * depthwise kernel through the transform matrices, SE matrices as 1×1 convs. BatchNorm running
 * statistics are the supernet's when it keeps them (sliced alike), else mean 0 / variance 1:
 * recalibrate them (recalibrateBatchNorm) before inference, as OFA's set_running_statistics.
 * The subnet is the description's own (its `arch`); `plan` is the supernet's. A missing or
 * mis-shaped supernet tensor is named.
 */
export function ofaSubnetWeights(desc: NetworkDescription, supernet: NamedTensors, plan: OfaPlan): NamedTensors {
  if (desc.space !== 'ofa') throw new Error(`OFA weights: a ${desc.space} network, not an OFA subnet`);
  const c = parseOfaConfig(desc.arch);
  const get = (name: string, size: number): Float32Array => {
    const t = supernet[name];
    if (!t) throw new Error(`OFA weights: the supernet has no tensor "${name}"`);
    if (t.values.length !== size) throw new Error(`OFA weights: supernet tensor "${name}" has ${t.values.length} values, ${size} expected (a supernet of other widths?)`);
    return t.values;
  };
  const midOf = new Map<number, { mid: number; k: number; midMax: number; seMax: number }>();
  for (let u = 0; u < OFA_UNITS; u++) {
    for (let j = 0; j < c.d[u]; j++) {
      const i = u * OFA_LAYERS_PER_UNIT + j;
      const blk = plan.blocks[i];
      midOf.set(blk.index, { mid: middleWidth(blk.cin, c.e[i]), k: c.ks[i], midMax: blk.midMax, seMax: blk.seMax });
    }
  }
  const out: NamedTensors = {};
  for (const t of desc.tensors) {
    const n = t.shape.reduce((a, v) => a * v, 1);
    const m = /^blocks\.(\d+)\.(.+)$/.exec(t.name);
    const blk = m ? midOf.get(Number(m[1])) : undefined;
    const rest = m?.[2] ?? '';
    let values: Float32Array;
    if (blk && rest === 'dw.w') {
      const K = 7;
      const w = get(t.name, K * K * blk.midMax);
      values = ofaActiveKernel(w, K, blk.midMax, blk.mid, blk.k, (size, tt) => get(`blocks.${m![1]}.dw.${size}to${tt}`, tt * tt * tt * tt));
    } else if (blk && rest === 'expand.w') {
      const cin = t.shape[2];
      values = block2d(get(t.name, cin * blk.midMax), blk.midMax, cin, blk.mid);
    } else if (blk && rest === 'project.w') {
      values = get(t.name, blk.midMax * t.shape[3]).slice(0, n);
    } else if (blk && rest === 'se.reduce.w') {
      values = block2d(get(t.name, blk.midMax * blk.seMax), blk.seMax, blk.mid, t.shape[3]);
    } else if (blk && rest === 'se.expand.w') {
      values = block2d(get(t.name, blk.seMax * blk.midMax), blk.midMax, t.shape[2], blk.mid);
    } else if (blk && rest === 'se.reduce.b') {
      values = get(t.name, blk.seMax).slice(0, n);
    } else if (blk && (rest === 'se.expand.b' || /^(expand|dw)\.bn\./.test(rest))) {
      if (!t.trainable && !supernet[t.name]) values = new Float32Array(n).fill(t.init.kind === 'const' ? t.init.value : 0);
      else values = get(t.name, blk.midMax).slice(0, n);
    } else if (!t.trainable && !supernet[t.name]) {
      values = new Float32Array(n).fill(t.init.kind === 'const' ? t.init.value : 0); // running statistics the supernet does not keep
    } else {
      values = get(t.name, n).slice();
    }
    if (values.length !== n) throw new Error(`OFA weights: tensor "${t.name}" came out with ${values.length} values, ${n} expected`);
    out[t.name] = { shape: t.shape.slice(), values };
  }
  return out;
}

const convLayer = (cin: number, cout: number, k: number, stride: number, useBn: boolean, act: string | null) => ({
  name: 'ConvLayer', kernel_size: k, stride, dilation: 1, groups: 1, bias: false, has_shuffle: false, use_se: false,
  in_channels: cin, out_channels: cout, use_bn: useBn, act_func: act, dropout_rate: 0, ops_order: 'weight_bn_act',
});
const identity = (c: number) => ({ name: 'IdentityLayer', in_channels: c, out_channels: c, use_bn: false, act_func: null, dropout_rate: 0, ops_order: 'weight_bn_act' });

/**
 * The subnet's `net.config`: the JSON that OFA's `get_active_subnet().config` gives and
 * `MobileNetV3.build_from_config` (ofa/imagenet_classification/networks/mobilenet_v3.py) builds
 * from, field for field and in OFA's key order, as OFA's model zoo ships specialised subnets.
 * The classifier's dropout is 0 (this supernet trains without it; OFA's default is 0.1).
 */
export function ofaNetConfig(desc: NetworkDescription): Record<string, unknown> {
  if (desc.space !== 'ofa') throw new NetworkSpecError(`OFA net.config: a ${desc.space} network, not an OFA subnet`);
  const c = parseOfaConfig(desc.arch);
  const plan = ofaPlan({ widthMult: Number(desc.settings.widthMult), downsamples: Number(desc.settings.downsamples) });
  const blocks: unknown[] = [
    {
      name: 'ResidualBlock',
      conv: { name: 'MBConvLayer', in_channels: plan.stem, out_channels: plan.first, kernel_size: 3, stride: 1, expand_ratio: 1, mid_channels: null, act_func: 'relu', use_se: false, groups: null },
      shortcut: plan.firstResidual ? identity(plan.stem) : null,
    },
  ];
  for (let u = 0; u < OFA_UNITS; u++) {
    for (let j = 0; j < c.d[u]; j++) {
      const i = u * OFA_LAYERS_PER_UNIT + j;
      const b = plan.blocks[i];
      blocks.push({
        name: 'ResidualBlock',
        conv: { name: 'MBConvLayer', in_channels: b.cin, out_channels: b.cout, kernel_size: c.ks[i], stride: b.stride, expand_ratio: c.e[i], mid_channels: middleWidth(b.cin, c.e[i]), act_func: b.act, use_se: b.se, groups: null },
        shortcut: b.residual ? identity(b.cin) : null,
      });
    }
  }
  const last = plan.blocks[plan.blocks.length - 1].cout;
  return {
    name: 'MobileNetV3',
    bn: { momentum: 0.1, eps: 1e-5, ws_eps: null },
    first_conv: convLayer(desc.input[2], plan.stem, 3, plan.stemStride, true, 'h_swish'),
    blocks,
    final_expand_layer: convLayer(last, plan.finalExpand, 1, 1, true, 'h_swish'),
    feature_mix_layer: convLayer(plan.finalExpand, plan.lastChannel, 1, 1, false, 'h_swish'),
    classifier: { name: 'LinearLayer', in_features: plan.lastChannel, out_features: desc.classes, bias: true, use_bn: false, act_func: null, dropout_rate: 0, ops_order: 'weight_bn_act' },
  };
}
