import { poolCountScale } from '../../core/network/pool-scale';
import { inputsOf, type NetNode, type NetworkDescription, type Pads } from '../../core/network/network';
import type { NamedTensors } from '../../core/supernet/param-store';
import { liveNodes } from './live-nodes';

/*
 * A TF.js graph model (`model.json` + one weight shard) written straight from a network
 * description, without tfjs-node or the Python converter: a TensorFlow GraphDef in its JSON form
 * (string attributes base64, lists as {list: {i: [...]}}) whose Const nodes take their values
 * from the weights manifest by name, as tfjs-converter's own output does. Inference only:
 * batch norm uses the running statistics (FusedBatchNormV3, is_training false); drop-path and
 * the auxiliary head are left out. Padding is explicit (Pad / PadV2 → 'VALID' kernels), so
 * windows sit where PyTorch puts them. The input is NHWC float32 [N, H, W, C] named `input`,
 * the output `logits` [N, classes].
 */

export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

type Attr = { type: string } | { list: { i: string[] } } | { s: string } | { f: number } | { b: boolean } | { i: string } | { shape: { dim: { size: string }[] } } | { tensor: { dtype: string; tensorShape: { dim: { size: string }[] } } };
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, Attr>;
}
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const T_FLOAT: Attr = { type: 'DT_FLOAT' };
const ints = (v: number[]): Attr => ({ list: { i: v.map(String) } });
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });

class GraphWriter {
  readonly nodes: GraphNode[] = [];
  readonly specs: WeightSpec[] = [];
  readonly chunks: Uint8Array[] = [];
  private readonly names = new Set<string>();

  node(n: GraphNode): string {
    if (this.names.has(n.name)) throw new Error(`tfjs graph: duplicate node name "${n.name}"`);
    this.names.add(n.name);
    this.nodes.push(n);
    return n.name;
  }

  const(name: string, values: Float32Array | Int32Array, shape: number[]): string {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    this.specs.push({ name, shape, dtype });
    this.chunks.push(new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
    return this.node({ name, op: 'Const', attr: { value: { tensor: { dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: dims(shape) } }, dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
  }

  /** Zero (or `value`) padding of H and W; x itself when there is none. */
  pad(name: string, x: string, [t, b, l, r]: Pads, value?: number): string {
    if (!(t || b || l || r)) return x;
    const paddings = this.const(`${name}/paddings`, Int32Array.from([0, 0, t, b, l, r, 0, 0]), [4, 2]);
    if (value === undefined) return this.node({ name, op: 'Pad', input: [x, paddings], attr: { T: T_FLOAT, Tpaddings: { type: 'DT_INT32' } } });
    const v = this.const(`${name}/value`, Float32Array.from([value]), []);
    return this.node({ name, op: 'PadV2', input: [x, paddings, v], attr: { T: T_FLOAT, Tpaddings: { type: 'DT_INT32' } } });
  }
}

export interface TfjsGraphModel {
  /** model.json, as an object. */
  modelJson: Record<string, unknown>;
  /** The one weight shard (the manifest's path is TFJS_WEIGHTS_FILE). */
  weights: Uint8Array;
}

function tensorOf(weights: NamedTensors, name: string): { shape: number[]; values: Float32Array } {
  const t = weights[name];
  if (!t) throw new Error(`tfjs graph: no weights for tensor "${name}"`);
  return t;
}

/** The graph model of `desc` with `weights` (by tensor name, e.g. NetworkWeights.snapshot()). */
export function tfjsGraphModel(desc: NetworkDescription, weights: NamedTensors): TfjsGraphModel {
  const g = new GraphWriter();
  const [H, W, C] = desc.input;
  const out = new Map<string, string>(); // description id → graph tensor name
  const shapes = new Map(desc.nodes.map((n) => [n.id, n.shape] as const));
  g.node({ name: 'input', op: 'Placeholder', attr: { dtype: T_FLOAT, shape: { shape: dims([-1, H, W, C]) } } });
  out.set('input', 'input');
  const w = (name: string) => {
    const t = tensorOf(weights, name);
    return g.const(`w/${name}`, t.values, t.shape);
  };
  const live = liveNodes(desc);
  for (const n of desc.nodes) {
    if (n.op === 'input' || n.aux || !live.has(n.id)) continue;
    const ins = inputsOf(n).map((i) => {
      const v = out.get(i);
      if (!v) throw new Error(`tfjs graph: node ${n.id} reads ${i} before it is written`);
      return v;
    });
    out.set(n.id, emit(g, n, ins, w, shapes));
  }
  g.node({ name: 'logits', op: 'Identity', input: [out.get(desc.output)!], attr: { T: T_FLOAT } });
  const total = g.chunks.reduce((a, c) => a + c.byteLength, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const c of g.chunks) {
    data.set(c, off);
    off += c.byteLength;
  }
  return {
    modelJson: {
      format: 'graph-model',
      generatedBy: 'l2nas-studio network description',
      convertedBy: 'l2nas-studio (no converter: GraphDef written from the description)',
      modelTopology: { node: g.nodes, library: {}, versions: { producer: 1 } },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: g.specs }],
      userDefinedMetadata: { space: desc.space, arch: desc.arch, input: 'float32 [N, H, W, C] (NHWC) named "input"', output: 'logits [N, classes]' },
    },
    weights: data,
  };
}

function emit(g: GraphWriter, n: NetNode, ins: string[], w: (name: string) => string, shapes: Map<string, number[]>): string {
  const id = n.id;
  switch (n.op) {
    case 'input':
      return 'input';
    case 'conv': {
      const x = g.pad(`${id}/pad`, ins[0], n.pads);
      // TF.js runs a depthwise conv with dilation only at stride 1 ("either strides or
      // dilations must be 1"): a strided dilated conv is the stride-1 one read every s pixels
      // (output i of a stride-s conv with symmetric padding is output s·i at stride 1).
      const split = n.dilation > 1 && n.stride > 1;
      const s = split ? 1 : n.stride;
      let y = g.node({
        name: split ? `${id}/stride1` : n.bias ? `${id}/conv` : id,
        op: n.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
        input: [x, w(n.weight)],
        attr: { T: T_FLOAT, strides: ints([1, s, s, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') }, dilations: ints([1, n.dilation, n.dilation, 1]) },
      });
      if (split) {
        const begin = g.const(`${id}/begin`, Int32Array.from([0, 0, 0, 0]), [4]);
        const end = g.const(`${id}/end`, Int32Array.from([0, 0, 0, 0]), [4]);
        const strides = g.const(`${id}/strides`, Int32Array.from([1, n.stride, n.stride, 1]), [4]);
        y = g.node({ name: n.bias ? `${id}/conv` : id, op: 'StridedSlice', input: [y, begin, end, strides], attr: { T: T_FLOAT, Index: { type: 'DT_INT32' }, begin_mask: { i: '15' }, end_mask: { i: '15' } } });
      }
      return n.bias ? g.node({ name: id, op: 'BiasAdd', input: [y, w(n.bias)], attr: { T: T_FLOAT, data_format: { s: b64('NHWC') } } }) : y;
    }
    case 'bn':
      return g.node({ name: id, op: 'FusedBatchNormV3', input: [ins[0], w(n.gamma), w(n.beta), w(n.mean), w(n.variance)], attr: { T: T_FLOAT, U: T_FLOAT, epsilon: { f: n.eps }, is_training: { b: false }, data_format: { s: b64('NHWC') } } });
    case 'relu':
      return g.node({ name: id, op: 'Relu', input: ins, attr: { T: T_FLOAT } });
    case 'sigmoid':
      return g.node({ name: id, op: 'Sigmoid', input: ins, attr: { T: T_FLOAT } });
    case 'hswish':
    case 'hsigmoid': {
      // h-sigmoid(x) = relu6(x + 3) / 6; h-swish(x) = x · h-sigmoid(x) (MobileNetV3).
      const plus3 = g.node({ name: `${id}/plus3`, op: 'AddV2', input: [ins[0], g.const(`${id}/three`, Float32Array.from([3]), [])], attr: { T: T_FLOAT } });
      const r6 = g.node({ name: `${id}/relu6`, op: 'Relu6', input: [plus3], attr: { T: T_FLOAT } });
      const hs = g.node({ name: n.op === 'hsigmoid' ? id : `${id}/hsigmoid`, op: 'Mul', input: [r6, g.const(`${id}/sixth`, Float32Array.from([1 / 6]), [])], attr: { T: T_FLOAT } });
      return n.op === 'hsigmoid' ? hs : g.node({ name: id, op: 'Mul', input: [ins[0], hs], attr: { T: T_FLOAT } });
    }
    case 'maxpool': {
      const x = g.pad(`${id}/pad`, ins[0], n.pads, -Infinity); // PyTorch pads max pools with −∞
      return g.node({ name: id, op: 'MaxPool', input: [x], attr: { T: T_FLOAT, ksize: ints([1, n.kernel, n.kernel, 1]), strides: ints([1, n.stride, n.stride, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } } });
    }
    case 'avgpool': {
      const exclude = !n.countIncludePad && n.pads.some((p) => p > 0);
      const x = g.pad(`${id}/pad`, ins[0], n.pads);
      const pool = g.node({ name: exclude ? `${id}/sum` : id, op: 'AvgPool', input: [x], attr: { T: T_FLOAT, ksize: ints([1, n.kernel, n.kernel, 1]), strides: ints([1, n.stride, n.stride, 1]), padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } } });
      if (!exclude) return pool;
      // count_include_pad=False: rescale each window by k² / (its cells inside the image).
      const [h, wd] = shapes.get(n.input)!;
      const s = poolCountScale(h, wd, n.kernel, n.stride, n.pads);
      return g.node({ name: id, op: 'Mul', input: [pool, g.const(`${id}/scale`, s.values, [1, s.oh, s.ow, 1])], attr: { T: T_FLOAT } });
    }
    case 'add': {
      let acc = ins[0];
      for (let i = 1; i < ins.length; i++) acc = g.node({ name: i === ins.length - 1 ? id : `${id}/${i}`, op: 'AddV2', input: [acc, ins[i]], attr: { T: T_FLOAT } });
      return acc;
    }
    case 'mul':
      return g.node({ name: id, op: 'Mul', input: ins, attr: { T: T_FLOAT } });
    case 'concat':
      return g.node({ name: id, op: 'ConcatV2', input: [...ins, g.const(`${id}/axis`, Int32Array.from([3]), [])], attr: { T: T_FLOAT, N: { i: String(ins.length) }, Tidx: { type: 'DT_INT32' } } });
    case 'crop': {
      const begin = g.const(`${id}/begin`, Int32Array.from([0, n.top, n.left, 0]), [4]);
      const size = g.const(`${id}/size`, Int32Array.from([-1, -1, -1, -1]), [4]);
      return g.node({ name: id, op: 'Slice', input: [ins[0], begin, size], attr: { T: T_FLOAT, Index: { type: 'DT_INT32' } } });
    }
    case 'zeros':
      return g.node({ name: id, op: 'ZerosLike', input: ins, attr: { T: T_FLOAT } });
    case 'gap':
      return g.node({ name: id, op: 'Mean', input: [ins[0], g.const(`${id}/axes`, Int32Array.from([1, 2]), [2])], attr: { T: T_FLOAT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: n.keepDims } } });
    case 'dense': {
      const mm = g.node({ name: n.bias ? `${id}/matmul` : id, op: 'MatMul', input: [ins[0], w(n.weight)], attr: { T: T_FLOAT, transpose_a: { b: false }, transpose_b: { b: false } } });
      return n.bias ? g.node({ name: id, op: 'BiasAdd', input: [mm, w(n.bias)], attr: { T: T_FLOAT, data_format: { s: b64('NHWC') } } }) : mm;
    }
    case 'droppath':
      return ins[0]; // identity at inference
  }
}
