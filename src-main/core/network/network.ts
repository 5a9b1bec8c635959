/*
 * One explicit description of a discrete network (the Netron idea: one model, many views): a
 * topologically ordered list of nodes (layers/ops) over NHWC feature maps, and the named weight
 * tensors they read with their shapes and initialisation. Everything else is derived from it:
 * the TF.js executor, parameter and MAC counts, the per-layer table, the TF.js graph-model and
 * ONNX writers. Plain data (JSON-serialisable), so it can be written beside an export.
 *
 * Conventions: feature maps are NHWC without the batch axis in `shape`; conv filters are HWIO
 * ([k, k, C_in, C_out]; depthwise [k, k, C, 1]) as TF.js keeps them; dense weights [in, out].
 * Padding is explicit (top, bottom, left, right), as PyTorch's symmetric `padding`, never TF's
 * 'same' (which pads a stride-2 op only at the bottom/right of an even image).
 */

export type Pads = readonly [top: number, bottom: number, left: number, right: number];

/** How a tensor is initialised: U(±1/√fanIn) (PyTorch's default for conv/linear) or a constant. */
export type TensorInit = { kind: 'uniform'; fanIn: number } | { kind: 'const'; value: number };

export interface TensorSpec {
  name: string;
  shape: number[];
  init: TensorInit;
  /** false for batch-norm running statistics (buffers, not parameters). */
  trainable: boolean;
  /** Belongs to the auxiliary head (training only; not counted, not exported). */
  aux: boolean;
}

interface NodeBase {
  id: string;
  /** Output shape [H, W, C] of a feature map, or [F] after the global pool / dense layer. */
  shape: number[];
  /** Part of the auxiliary head (training only). */
  aux?: boolean;
}

export type ActivationOp = 'relu' | 'hswish' | 'hsigmoid' | 'sigmoid';

export type NetNode =
  | (NodeBase & { op: 'input' })
  | (NodeBase & { op: 'conv'; input: string; weight: string; bias?: string; kernel: number; stride: number; dilation: number; pads: Pads; depthwise: boolean })
  | (NodeBase & { op: 'bn'; input: string; gamma: string; beta: string; mean: string; variance: string; eps: number; momentum: number })
  | (NodeBase & { op: ActivationOp; input: string })
  | (NodeBase & { op: 'maxpool'; input: string; kernel: number; stride: number; pads: Pads })
  /** Average pool; `countIncludePad: false` averages only the cells inside the image (PyTorch's count_include_pad=False). */
  | (NodeBase & { op: 'avgpool'; input: string; kernel: number; stride: number; pads: Pads; countIncludePad: boolean })
  | (NodeBase & { op: 'add'; inputs: string[] })
  /** Elementwise product; the second input may be [1, 1, C] (squeeze-and-excitation's scale). */
  | (NodeBase & { op: 'mul'; inputs: string[] })
  | (NodeBase & { op: 'concat'; inputs: string[] })
  /** x[top:, left:] (FactorizedReduce's second half reads the odd pixels). */
  | (NodeBase & { op: 'crop'; input: string; top: number; left: number })
  /** NAS-Bench-201's `none` (Zero): x · 0. */
  | (NodeBase & { op: 'zeros'; input: string })
  /** Global average pool over H, W: [C], or [1, 1, C] with keepDims (squeeze-and-excitation). */
  | (NodeBase & { op: 'gap'; input: string; keepDims: boolean })
  /** Linear layer; OFA's feature mix (a 1×1 conv on the pooled 1×1 map, no bias) has no bias. */
  | (NodeBase & { op: 'dense'; input: string; weight: string; bias?: string })
  /** DARTS's drop_path: identity at inference; in training zeroes whole samples with probability p and scales by 1/(1 − p). */
  | (NodeBase & { op: 'droppath'; input: string });

export type NetOp = NetNode['op'];

export interface NetworkDescription {
  /** Format version of this description. */
  version: 1;
  space: string;
  /** The architecture in its native text (arch string / Genotype). */
  arch: string;
  /** Input [H, W, C] (NHWC). */
  input: [number, number, number];
  classes: number;
  nodes: NetNode[];
  tensors: TensorSpec[];
  /** The logits node. */
  output: string;
  /** The auxiliary head's logits node (DARTS), if built. */
  auxOutput?: string;
  /** Builder settings, for the README and the per-layer table. */
  settings: Record<string, number | string | boolean>;
  /**
   * Whether MACs count one per output element for a bias, as AutoDL-Projects' counter behind
   * NAS-Bench-201's "FLOPs" and DARTS's figures does (absent: true). OFA's flops_counter counts
   * no bias (false), so an OFA network's MACs equal OFA's own figures.
   */
  biasMacs?: boolean;
}

/** A bad architecture or builder setting, named (the CLI maps it to exit 2). */
export class NetworkSpecError extends Error {
  override name = 'NetworkSpecError';
}

export function inputsOf(n: NetNode): string[] {
  if (n.op === 'input') return [];
  if ('inputs' in n) return n.inputs;
  return [n.input];
}

/**
 * Appends nodes with their shapes computed here (one place for the output-size rules), and the
 * tensors they read. Ids are the weight-name prefixes, so a layer and its tensors share a name.
 */
export class NetBuilder {
  readonly nodes: NetNode[] = [];
  readonly tensors: TensorSpec[] = [];
  private readonly byId = new Map<string, NetNode>();
  private readonly tensorNames = new Set<string>();
  /** Nodes and tensors made while true belong to the auxiliary head. */
  aux = false;

  constructor(input: [number, number, number]) {
    this.push({ op: 'input', id: 'input', shape: [...input] });
  }

  shape(id: string): number[] {
    const n = this.byId.get(id);
    if (!n) throw new Error(`network: no node "${id}"`);
    return n.shape;
  }

  private push<N extends NetNode>(n: N): string {
    if (this.byId.has(n.id)) throw new Error(`network: duplicate node id "${n.id}"`);
    for (const d of n.shape) if (!(Number.isInteger(d) && d >= 1)) throw new NetworkSpecError(`network: layer ${n.id} (${n.op}) would have output shape [${n.shape.join(', ')}]; the input is too small for this network`);
    if (this.aux) n.aux = true;
    this.nodes.push(n);
    this.byId.set(n.id, n);
    return n.id;
  }

  private tensor(name: string, shape: number[], init: TensorInit, trainable = true): string {
    if (this.tensorNames.has(name)) throw new Error(`network: duplicate tensor "${name}"`);
    this.tensorNames.add(name);
    this.tensors.push({ name, shape, init, trainable, aux: this.aux });
    return name;
  }

  private map(x: string): [number, number, number] {
    const s = this.shape(x);
    if (s.length !== 3) throw new Error(`network: ${x} is not a feature map`);
    return s as [number, number, number];
  }

  /** PyTorch's Conv2d(C_in, C_out, k, stride, padding=d·(k−1)/2 or `pad`, dilation=d, bias=False[, groups=C_in]). */
  conv(id: string, x: string, cOut: number, k: number, opts: { stride?: number; dilation?: number; pad?: number; depthwise?: boolean; bias?: boolean } = {}): string {
    const [h, w, cin] = this.map(x);
    const stride = opts.stride ?? 1, d = opts.dilation ?? 1, depthwise = opts.depthwise ?? false;
    const p = opts.pad ?? (d * (k - 1)) / 2;
    if (depthwise && cOut !== cin) throw new Error(`network: depthwise conv ${id} keeps the channels (${cin}), ${cOut} asked`);
    const out = (n: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / stride) + 1;
    const fanIn = depthwise ? k * k : k * k * cin;
    const weight = this.tensor(`${id}.w`, depthwise ? [k, k, cin, 1] : [k, k, cin, cOut], { kind: 'uniform', fanIn });
    const bias = opts.bias ? this.tensor(`${id}.b`, [cOut], { kind: 'uniform', fanIn }) : undefined;
    return this.push({ op: 'conv', id, input: x, weight, ...(bias ? { bias } : {}), kernel: k, stride, dilation: d, pads: [p, p, p, p], depthwise, shape: [out(h), out(w), cOut] });
  }

  /** BatchNorm2d (affine, eps 1e-5, PyTorch momentum 0.1): γ, β trainable; running mean/var buffers. */
  bn(id: string, x: string, eps = 1e-5, momentum = 0.1): string {
    const c = this.map(x)[2];
    const gamma = this.tensor(`${id}.gamma`, [c], { kind: 'const', value: 1 });
    const beta = this.tensor(`${id}.beta`, [c], { kind: 'const', value: 0 });
    const mean = this.tensor(`${id}.mean`, [c], { kind: 'const', value: 0 }, false);
    const variance = this.tensor(`${id}.var`, [c], { kind: 'const', value: 1 }, false);
    return this.push({ op: 'bn', id, input: x, gamma, beta, mean, variance, eps, momentum, shape: this.shape(x).slice() });
  }

  act(id: string, op: ActivationOp, x: string): string {
    return this.push({ op, id, input: x, shape: this.shape(x).slice() });
  }

  relu(id: string, x: string): string {
    return this.act(id, 'relu', x);
  }

  pool(id: string, kind: 'max' | 'avg', x: string, k: number, stride: number, pad: number, countIncludePad = false): string {
    const [h, w, c] = this.map(x);
    const out = (n: number) => Math.floor((n + 2 * pad - k) / stride) + 1;
    const pads: Pads = [pad, pad, pad, pad];
    const shape = [out(h), out(w), c];
    return kind === 'max' ? this.push({ op: 'maxpool', id, input: x, kernel: k, stride, pads, shape }) : this.push({ op: 'avgpool', id, input: x, kernel: k, stride, pads, countIncludePad, shape });
  }

  add(id: string, inputs: string[]): string {
    if (inputs.length === 1) return inputs[0];
    const s = this.shape(inputs[0]);
    for (const i of inputs) if (this.shape(i).join() !== s.join()) throw new Error(`network: add ${id}: shapes [${this.shape(i)}] and [${s}] differ`);
    return this.push({ op: 'add', id, inputs, shape: s.slice() });
  }

  mul(id: string, x: string, scale: string): string {
    return this.push({ op: 'mul', id, inputs: [x, scale], shape: this.shape(x).slice() });
  }

  concat(id: string, inputs: string[]): string {
    const [h, w] = this.map(inputs[0]);
    let c = 0;
    for (const i of inputs) {
      const s = this.map(i);
      if (s[0] !== h || s[1] !== w) throw new Error(`network: concat ${id}: sizes ${s[0]}×${s[1]} and ${h}×${w} differ`);
      c += s[2];
    }
    return this.push({ op: 'concat', id, inputs, shape: [h, w, c] });
  }

  crop(id: string, x: string, top: number, left: number): string {
    const [h, w, c] = this.map(x);
    return this.push({ op: 'crop', id, input: x, top, left, shape: [h - top, w - left, c] });
  }

  zeros(id: string, x: string): string {
    return this.push({ op: 'zeros', id, input: x, shape: this.shape(x).slice() });
  }

  gap(id: string, x: string, keepDims = false): string {
    const c = this.map(x)[2];
    return this.push({ op: 'gap', id, input: x, keepDims, shape: keepDims ? [1, 1, c] : [c] });
  }

  dense(id: string, x: string, units: number, opts: { bias?: boolean } = {}): string {
    const s = this.shape(x);
    if (s.length !== 1) throw new Error(`network: dense ${id} needs a vector input, got [${s}]`);
    const weight = this.tensor(`${id}.w`, [s[0], units], { kind: 'uniform', fanIn: s[0] });
    const bias = (opts.bias ?? true) ? this.tensor(`${id}.b`, [units], { kind: 'uniform', fanIn: s[0] }) : undefined;
    return this.push({ op: 'dense', id, input: x, weight, ...(bias ? { bias } : {}), shape: [units] });
  }

  dropPath(id: string, x: string): string {
    return this.push({ op: 'droppath', id, input: x, shape: this.shape(x).slice() });
  }
}
