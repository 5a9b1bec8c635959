import { OFA_UNITS, OFA_LAYERS_PER_UNIT } from '../../common/spaces/ofa';
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

type Layout = 'conv' | 'depthwise' | 'linear' | 'vector' | 'matrix';

/** One tensor of the state_dict and where it lives in our supernet. */
export interface OfaTorchEntry {
  key: string;
  /** PyTorch's shape. */
  shape: number[];
  /** A parameter (our name, its layout), or a BN's running statistic (our BN name). */
  target: { kind: 'param'; name: string; layout: Layout } | { kind: 'running_mean' | 'running_var'; bn: string };
}

/** The entries of the state_dict of `net`'s shape, in OFA's module order. `num_batches_tracked` (an int64 counter per BN) is not among them: it is accepted and ignored. */
export function ofaTorchEntries(net: OfaSupernet): OfaTorchEntry[] {
  const out: OfaTorchEntry[] = [];
  const param = (key: string, name: string, layout: Layout) => {
    const v = net.params.byName(name);
    const s = v.shape as number[];
    const shape = layout === 'conv' ? [s[3], s[2], s[0], s[1]] : layout === 'depthwise' ? [s[2], 1, s[0], s[1]] : layout === 'linear' ? [s[1], s[0]] : [...s];
    out.push({ key, shape, target: { kind: 'param', name, layout } });
  };
  const channels = new Map(net.bnLayers().map((b) => [b.name, b.channels]));
  const bn = (prefix: string, ours: string) => {
    param(`${prefix}.weight`, `${ours}.gamma`, 'vector');
    param(`${prefix}.bias`, `${ours}.beta`, 'vector');
    const c = channels.get(ours);
    if (c === undefined) throw new Error(`OFA supernet: no batch norm "${ours}"`);
    out.push({ key: `${prefix}.running_mean`, shape: [c], target: { kind: 'running_mean', bn: ours } });
    out.push({ key: `${prefix}.running_var`, shape: [c], target: { kind: 'running_var', bn: ours } });
  };
  param('first_conv.conv.weight', 'first_conv.w', 'conv');
  bn('first_conv.bn', 'first_conv.bn');
  param('blocks.0.conv.depth_conv.conv.weight', 'blocks.0.dw.w', 'depthwise');
  bn('blocks.0.conv.depth_conv.bn', 'blocks.0.dw.bn');
  param('blocks.0.conv.point_linear.conv.weight', 'blocks.0.project.w', 'conv');
  bn('blocks.0.conv.point_linear.bn', 'blocks.0.project.bn');
  for (const b of net.plan.blocks) {
    const t = `blocks.${b.index}.conv`, o = `blocks.${b.index}`;
    param(`${t}.inverted_bottleneck.conv.conv.weight`, `${o}.expand.w`, 'conv');
    bn(`${t}.inverted_bottleneck.bn.bn`, `${o}.expand.bn`);
    // A module's own parameters (the transform matrices) come before its submodules' in a state_dict.
    param(`${t}.depth_conv.conv.5to3_matrix`, `${o}.dw.5to3`, 'matrix');
    param(`${t}.depth_conv.conv.7to5_matrix`, `${o}.dw.7to5`, 'matrix');
    param(`${t}.depth_conv.conv.conv.weight`, `${o}.dw.w`, 'depthwise');
    bn(`${t}.depth_conv.bn.bn`, `${o}.dw.bn`);
    if (b.se) {
      param(`${t}.depth_conv.se.fc.reduce.weight`, `${o}.se.reduce.w`, 'linear');
      param(`${t}.depth_conv.se.fc.reduce.bias`, `${o}.se.reduce.b`, 'vector');
      param(`${t}.depth_conv.se.fc.expand.weight`, `${o}.se.expand.w`, 'linear');
      param(`${t}.depth_conv.se.fc.expand.bias`, `${o}.se.expand.b`, 'vector');
    }
    param(`${t}.point_linear.conv.conv.weight`, `${o}.project.w`, 'conv');
    bn(`${t}.point_linear.bn.bn`, `${o}.project.bn`);
  }
  param('final_expand_layer.conv.weight', 'final_expand.w', 'conv');
  bn('final_expand_layer.bn', 'final_expand.bn');
  param('feature_mix_layer.conv.weight', 'feature_mix.w', 'linear');
  param('classifier.linear.weight', 'classifier.w', 'linear');
  param('classifier.linear.bias', 'classifier.b', 'vector');
  if (net.plan.blocks.length !== OFA_UNITS * OFA_LAYERS_PER_UNIT) throw new Error('OFA supernet: unexpected block count');
  return out;
}

/** SE convs and the feature mix are 1×1 convs in PyTorch ([out, in, 1, 1]); a plain [out, in] is accepted too. */
function shapeMatches(entry: OfaTorchEntry, shape: readonly number[]): boolean {
  const e = entry.shape;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (same(e, shape)) return true;
  return entry.target.kind === 'param' && entry.target.layout === 'linear' && !entry.key.startsWith('classifier.') && same([...e, 1, 1], shape);
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
 * Loads an OFAMobileNetV3 state_dict onto `net`: every parameter and running statistic, checked
 * first (every key present, none extra, every shape and dtype right; an error lists them all),
 * then assigned. Nothing is assigned unless everything fits.
 */
export function loadOfaStateDict(net: OfaSupernet, tensors: ReadonlyMap<string, LoadedTensor>): void {
  const entries = ofaTorchEntries(net);
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
  const stats = new Map<string, { mean?: Float32Array; variance?: Float32Array }>();
  for (const e of entries) {
    const t = tensors.get(found.get(e.key)!)!;
    const v = t.values();
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
  return ofaTorchEntries(net).map((e) => {
    if (e.target.kind === 'param') {
      const v = net.params.byName(e.target.name).dataSync() as Float32Array;
      return { key: e.key, shape: e.shape, values: toTorch(e.target.layout, e.shape, v) };
    }
    const s = net.getRunningStats(e.target.bn);
    return { key: e.key, shape: e.shape, values: e.target.kind === 'running_mean' ? s.mean : s.variance };
  });
}
