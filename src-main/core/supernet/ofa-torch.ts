import { OFA_KERNELS } from '../../common/spaces/ofa';
import type { OfaPlan, OfaSupernetSpec } from './ofa-cost';
import type { OfaSupernet } from './ofa-supernet';
import { assignValues } from './param-store';

/*
 * The state_dict of OFA's OFAMobileNetV3 (mit-han-lab/once-for-all, ofa_mbv3.py and
 * dynamic_layers.py: module names first_conv, blocks.<i>.conv.{inverted_bottleneck, depth_conv,
 * point_linear}, depth_conv.se.fc.{reduce, expand}, final_expand_layer, feature_mix_layer,
 * classifier.linear) against our supernet's parameters, both ways: a PyTorch checkpoint's
 * tensors load onto an OfaSupernet, and an OfaSupernet's weights become such a state_dict (test
 * fixtures, and a supernet trained here that OFA's code can load). Layouts: PyTorch convs are
 * [out, in, kh, kw] and ours [kh, kw, in, out]; depthwise [C, 1, k, k] and ours [k, k, C, 1];
 * linear layers (and the 1×1 convs we run as matrix products) [out, in] and ours [in, out].
 * The kernel-transform matrices are used as PyTorch's F.linear(v, M) = v·Mᵀ in both: copied as is.
 */

const MAX_KERNEL = Math.max(...OFA_KERNELS);

type Layout = 'conv' | 'depthwise' | 'linear' | 'vector' | 'matrix';

/** One tensor of the state_dict and where it lives in our supernet. */
export interface OfaTorchEntry {
  key: string;
  /** PyTorch's shape. */
  shape: number[];
  /** A parameter (our name, its layout), or a BN's running statistic (our BN name). */
  target: { kind: 'param'; name: string; layout: Layout } | { kind: 'running_mean' | 'running_var'; bn: string };
}

/**
 * The entries of the state_dict of a supernet of this plan (shapes as PyTorch has them), in
 * OFA's module order. `num_batches_tracked` (an int64 counter per BN) is not among them: it is
 * accepted and ignored. Needs no network: a checkpoint is checked before anything is built.
 */
export function ofaTorchEntries(plan: OfaPlan, spec: Pick<OfaSupernetSpec, 'inChannels' | 'classes'>): OfaTorchEntry[] {
  const out: OfaTorchEntry[] = [];
  const param = (key: string, name: string, layout: Layout, shape: number[]) => out.push({ key, shape, target: { kind: 'param', name, layout } });
  const bn = (prefix: string, ours: string, c: number) => {
    param(`${prefix}.weight`, `${ours}.gamma`, 'vector', [c]);
    param(`${prefix}.bias`, `${ours}.beta`, 'vector', [c]);
    out.push({ key: `${prefix}.running_mean`, shape: [c], target: { kind: 'running_mean', bn: ours } });
    out.push({ key: `${prefix}.running_var`, shape: [c], target: { kind: 'running_var', bn: ours } });
  };
  const { stem, first } = plan;
  param('first_conv.conv.weight', 'first_conv.w', 'conv', [stem, spec.inChannels, 3, 3]);
  bn('first_conv.bn', 'first_conv.bn', stem);
  param('blocks.0.conv.depth_conv.conv.weight', 'blocks.0.dw.w', 'depthwise', [stem, 1, 3, 3]);
  bn('blocks.0.conv.depth_conv.bn', 'blocks.0.dw.bn', stem);
  param('blocks.0.conv.point_linear.conv.weight', 'blocks.0.project.w', 'conv', [first, stem, 1, 1]);
  bn('blocks.0.conv.point_linear.bn', 'blocks.0.project.bn', first);
  const K = MAX_KERNEL;
  for (const b of plan.blocks) {
    const t = `blocks.${b.index}.conv`, o = `blocks.${b.index}`, m = b.midMax;
    param(`${t}.inverted_bottleneck.conv.conv.weight`, `${o}.expand.w`, 'conv', [m, b.cin, 1, 1]);
    bn(`${t}.inverted_bottleneck.bn.bn`, `${o}.expand.bn`, m);
    // A module's own parameters (the transform matrices) come before its submodules' in a state_dict.
    param(`${t}.depth_conv.conv.5to3_matrix`, `${o}.dw.5to3`, 'matrix', [9, 9]);
    param(`${t}.depth_conv.conv.7to5_matrix`, `${o}.dw.7to5`, 'matrix', [25, 25]);
    param(`${t}.depth_conv.conv.conv.weight`, `${o}.dw.w`, 'depthwise', [m, 1, K, K]);
    bn(`${t}.depth_conv.bn.bn`, `${o}.dw.bn`, m);
    if (b.se) {
      param(`${t}.depth_conv.se.fc.reduce.weight`, `${o}.se.reduce.w`, 'linear', [b.seMax, m, 1, 1]);
      param(`${t}.depth_conv.se.fc.reduce.bias`, `${o}.se.reduce.b`, 'vector', [b.seMax]);
      param(`${t}.depth_conv.se.fc.expand.weight`, `${o}.se.expand.w`, 'linear', [m, b.seMax, 1, 1]);
      param(`${t}.depth_conv.se.fc.expand.bias`, `${o}.se.expand.b`, 'vector', [m]);
    }
    param(`${t}.point_linear.conv.conv.weight`, `${o}.project.w`, 'conv', [b.cout, m, 1, 1]);
    bn(`${t}.point_linear.bn.bn`, `${o}.project.bn`, b.cout);
  }
  const cl = plan.blocks[plan.blocks.length - 1].cout;
  param('final_expand_layer.conv.weight', 'final_expand.w', 'conv', [plan.finalExpand, cl, 1, 1]);
  bn('final_expand_layer.bn', 'final_expand.bn', plan.finalExpand);
  param('feature_mix_layer.conv.weight', 'feature_mix.w', 'linear', [plan.lastChannel, plan.finalExpand, 1, 1]);
  param('classifier.linear.weight', 'classifier.w', 'linear', [spec.classes, plan.lastChannel]);
  param('classifier.linear.bias', 'classifier.b', 'vector', [spec.classes]);
  return out;
}

/** SE convs and the feature mix are 1×1 convs in PyTorch ([out, in, 1, 1]); a plain [out, in] is accepted too (same values). */
function shapeMatches(entry: OfaTorchEntry, shape: readonly number[]): boolean {
  const e = entry.shape;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  return same(e, shape) || (entry.target.kind === 'param' && entry.target.layout === 'linear' && e.length === 4 && same(e.slice(0, 2), shape));
}

/** PyTorch-layout values → ours (row-major both). */
function toOurs(layout: Layout, torchShape: readonly number[], v: Float32Array): Float32Array {
  if (layout === 'vector' || layout === 'matrix') return v;
  const out = new Float32Array(v.length);
  if (layout === 'linear') {
    const [o, i] = torchShape;
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[b * o + a] = v[a * i + b];
    return out;
  }
  if (layout === 'depthwise') {
    const [c, , kh, kw] = torchShape;
    for (let ch = 0; ch < c; ch++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) out[(h * kw + w) * c + ch] = v[(ch * kh + h) * kw + w];
    return out;
  }
  const [o, i, kh, kw] = torchShape;
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) out[((h * kw + w) * i + b) * o + a] = v[((a * i + b) * kh + h) * kw + w];
  return out;
}

/** Ours → PyTorch layout (the inverse of toOurs). */
function toTorch(layout: Layout, torchShape: readonly number[], v: Float32Array): Float32Array {
  if (layout === 'vector' || layout === 'matrix') return v;
  const out = new Float32Array(v.length);
  if (layout === 'linear') {
    const [o, i] = torchShape;
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) out[a * i + b] = v[b * o + a];
    return out;
  }
  if (layout === 'depthwise') {
    const [c, , kh, kw] = torchShape;
    for (let ch = 0; ch < c; ch++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) out[(ch * kh + h) * kw + w] = v[(h * kw + w) * c + ch];
    return out;
  }
  const [o, i, kh, kw] = torchShape;
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) out[((a * i + b) * kh + h) * kw + w] = v[((h * kw + w) * i + b) * o + a];
  return out;
}

/**
 * OFA's own key aliases (OFAMobileNetV3.load_state_dict): older checkpoints name the block's
 * layer `mobile_inverted_conv`, and dynamic and static layers differ by one level (`bn.bn.` vs
 * `bn.`, `conv.conv.weight` vs `conv.weight`, `linear.linear.` vs `linear.`). Returns the
 * key under which `expected` lists the tensor, or null.
 */
export function canonicalOfaKey(key: string, expected: ReadonlySet<string>): string | null {
  const k = key.replace('.mobile_inverted_conv.', '.conv.');
  if (expected.has(k)) return k;
  const tries = [
    k.replace('.bn.bn.', '.bn.'),
    k.replace('.conv.conv.weight', '.conv.weight'),
    k.replace('.linear.linear.', '.linear.'),
    k.replace('.linear.', '.linear.linear.'),
    k.replace(/bn\.(?!bn\.)/, 'bn.bn.'),
    k.replace('conv.weight', 'conv.conv.weight'),
  ];
  return tries.find((t) => t !== k && expected.has(t)) ?? null;
}

/** A tensor of the file, as the loader needs it. */
export interface LoadedTensor {
  shape: readonly number[];
  dtype: string;
  /** Its float32 values (called only for float32 tensors). */
  values(): Float32Array;
}

/** What is wrong with a state_dict for this supernet; each list names the keys. */
export class OfaStateDictError extends Error {
  constructor(
    readonly missing: string[],
    readonly extra: string[],
    readonly misShaped: string[],
    readonly wrongType: string[],
  ) {
    const part = (what: string, l: string[]) => (l.length ? [`${l.length} ${what}: ${l.slice(0, 8).join('; ')}${l.length > 8 ? `; … (${l.length - 8} more)` : ''}`] : []);
    super(`not the state_dict of this OFA MobileNetV3 supernet — ${[...part('missing', missing), ...part('unexpected', extra), ...part('of another shape', misShaped), ...part('of another dtype', wrongType)].join('; ')}`);
    this.name = 'OfaStateDictError';
  }
}

/**
 * Checks an OFAMobileNetV3 state_dict against a supernet of this plan: every key present, none
 * extra, every shape and dtype right; one error lists everything wrong. Returns the file's key
 * of each entry.
 */
export function checkOfaStateDict(plan: OfaPlan, spec: Pick<OfaSupernetSpec, 'inChannels' | 'classes'>, tensors: ReadonlyMap<string, Pick<LoadedTensor, 'shape' | 'dtype'>>): { entries: OfaTorchEntry[]; fileKey: Map<string, string> } {
  const entries = ofaTorchEntries(plan, spec);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const expected = new Set(byKey.keys());
  const found = new Map<string, string>(); // our key → file key
  const extra: string[] = [], misShaped: string[] = [], wrongType: string[] = [];
  for (const [fileKey, t] of tensors) {
    if (/(^|\.)num_batches_tracked$/.test(fileKey)) {
      if (t.dtype !== 'int64' || t.shape.length !== 0) wrongType.push(`${fileKey} (${t.dtype} [${t.shape.join(', ')}], expected an int64 scalar)`);
      continue;
    }
    const k = canonicalOfaKey(fileKey, expected);
    if (k === null || found.has(k)) {
      extra.push(fileKey);
      continue;
    }
    found.set(k, fileKey);
    const e = byKey.get(k)!;
    if (t.dtype !== 'float32') wrongType.push(`${fileKey} (${t.dtype}, expected float32)`);
    else if (!shapeMatches(e, t.shape)) misShaped.push(`${fileKey} [${t.shape.join(', ')}], expected [${e.shape.join(', ')}]`);
  }
  const missing = entries.filter((e) => !found.has(e.key)).map((e) => e.key);
  if (missing.length || extra.length || misShaped.length || wrongType.length) throw new OfaStateDictError(missing, extra, misShaped, wrongType);
  return { entries, fileKey: found };
}

/** Loads an OFAMobileNetV3 state_dict onto `net` (weights and BN running statistics), checked first (checkOfaStateDict): nothing is assigned unless everything fits. */
export function loadOfaStateDict(net: OfaSupernet, tensors: ReadonlyMap<string, LoadedTensor>): void {
  const { entries, fileKey } = checkOfaStateDict(net.plan, net.spec, tensors);
  const stats = new Map<string, { mean?: Float32Array; variance?: Float32Array }>();
  for (const e of entries) {
    const v = tensors.get(fileKey.get(e.key)!)!.values();
    if (e.target.kind === 'param') {
      assignValues(net.params.byName(e.target.name), toOurs(e.target.layout, e.shape, v));
    } else {
      const s = stats.get(e.target.bn) ?? {};
      if (e.target.kind === 'running_mean') s.mean = v;
      else s.variance = v;
      stats.set(e.target.bn, s);
    }
  }
  for (const [bn, s] of stats) net.setRunningStats(bn, s.mean!, s.variance!);
}

/** `net`'s weights and running statistics as an OFAMobileNetV3 state_dict (PyTorch layouts, OFA's key order). */
export function ofaStateDict(net: OfaSupernet): { key: string; shape: number[]; values: Float32Array }[] {
  return ofaTorchEntries(net.plan, net.spec).map((e) => {
    if (e.target.kind === 'param') {
      const v = net.params.byName(e.target.name).dataSync() as Float32Array;
      return { key: e.key, shape: e.shape, values: toTorch(e.target.layout, e.shape, v) };
    }
    const s = net.getRunningStats(e.target.bn);
    return { key: e.key, shape: e.shape, values: e.target.kind === 'running_mean' ? s.mean : s.variance };
  });
}
