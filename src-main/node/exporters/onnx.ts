import { onnx } from 'onnx-proto';
import { inputsOf, type NetNode, type NetworkDescription } from '../../core/network/network';
import type { NamedTensors } from '../../core/supernet/param-store';
import { liveNodes } from './live-nodes';

/*
 * An ONNX model (opset 14, IR 8) written from a network description with the onnx-proto schema
 * package (protobufjs). NCHW inside, as ONNX's operators are defined; the input is float32
 * [N, C, H, W] named `input` (transpose an NHWC image batch first), the output `logits`
 * [N, classes]. Inference only: BatchNormalization in inference mode with the running statistics
 * and the description's epsilon; drop-path and the auxiliary head are left out. Pads are explicit
 * (PyTorch's symmetric padding), AveragePool keeps count_include_pad of the description.
 */

export const ONNX_OPSET = 14;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

const attrInts = (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: A.INTS, ints });
const attrInt = (name: string, i: number): onnx.IAttributeProto => ({ name, type: A.INT, i });
const attrFloat = (name: string, f: number): onnx.IAttributeProto => ({ name, type: A.FLOAT, f });

/** HWIO (TF.js) → OIHW (ONNX); a depthwise [k, k, C, 1] becomes [C, 1, k, k]. */
function toOihw(values: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = values[((h * kw + w) * ci + i) * co + o];
  return out;
}

class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private n = 0;

  node(op: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): string {
    this.nodes.push({ opType: op, input: inputs, output: [output], name: `${output}/${op}${this.n++}`, attribute });
    return output;
  }

  float(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) });
    return name;
  }

  int64(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], dataType: INT64, int64Data: values });
    return name;
  }
}

/** The ONNX model of `desc` with `weights` (by tensor name), serialised. */
export function onnxModel(desc: NetworkDescription, weights: NamedTensors): Uint8Array {
  const g = new OnnxGraph();
  const out = new Map<string, string>([['input', 'input']]);
  const tensor = (name: string) => {
    const t = weights[name];
    if (!t) throw new Error(`onnx: no weights for tensor "${name}"`);
    return t;
  };
  const live = liveNodes(desc);
  for (const n of desc.nodes) {
    if (n.op === 'input' || n.aux || !live.has(n.id)) continue;
    const ins = inputsOf(n).map((i) => out.get(i)!);
    out.set(n.id, emit(g, n, ins, tensor));
  }
  g.node('Identity', [out.get(desc.output)!], 'logits');
  const [H, W, C] = desc.input;
  const dim = (d: number | string): onnx.TensorShapeProto.IDimension => (typeof d === 'string' ? { dimParam: d } : { dimValue: d });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'l2nas-studio',
    producerVersion: '0.1.0',
    docString: `${desc.space} network: ${desc.arch}. Input float32 [N, C, H, W] (NCHW) named "input"; output "logits" [N, ${desc.classes}].`,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: `l2nas_${desc.space}`,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: { dim: [dim('N'), dim(C), dim(H), dim(W)] } } } }],
      output: [{ name: 'logits', type: { tensorType: { elemType: FLOAT, shape: { dim: [dim('N'), dim(desc.classes)] } } } }],
    },
  };
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`onnx: ${err}`);
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function emit(g: OnnxGraph, n: NetNode, ins: string[], tensor: (name: string) => { shape: number[]; values: Float32Array }): string {
  const id = n.id;
  switch (n.op) {
    case 'input':
      return 'input';
    case 'conv': {
      const t = tensor(n.weight);
      const [k, , ci, co] = t.shape;
      const group = n.depthwise ? ci : 1;
      // A depthwise HWIO filter [k, k, C, 1] is, per group, one output of one input: OIHW [C, 1, k, k].
      const wt = n.depthwise ? g.float(n.weight, toOihw(t.values, [k, k, 1, ci]), [ci, 1, k, k]) : g.float(n.weight, toOihw(t.values, t.shape), [co, ci, k, k]);
      const [top, bottom, left, right] = n.pads;
      const inputs = [ins[0], wt];
      if (n.bias) inputs.push(g.float(n.bias, tensor(n.bias).values, [n.shape[2]]));
      return g.node('Conv', inputs, id, [attrInts('kernel_shape', [k, k]), attrInts('strides', [n.stride, n.stride]), attrInts('pads', [top, left, bottom, right]), attrInts('dilations', [n.dilation, n.dilation]), attrInt('group', group)]);
    }
    case 'bn': {
      const c = n.shape[2];
      const ts = [n.gamma, n.beta, n.mean, n.variance].map((name) => g.float(name, tensor(name).values, [c]));
      return g.node('BatchNormalization', [ins[0], ...ts], id, [attrFloat('epsilon', n.eps)]);
    }
    case 'relu':
      return g.node('Relu', ins, id);
    case 'sigmoid':
      return g.node('Sigmoid', ins, id);
    case 'hswish':
      return g.node('HardSwish', ins, id);
    case 'hsigmoid':
      return g.node('HardSigmoid', ins, id, [attrFloat('alpha', 1 / 6), attrFloat('beta', 0.5)]);
    case 'maxpool': {
      const [t, b, l, r] = n.pads;
      return g.node('MaxPool', ins, id, [attrInts('kernel_shape', [n.kernel, n.kernel]), attrInts('strides', [n.stride, n.stride]), attrInts('pads', [t, l, b, r])]);
    }
    case 'avgpool': {
      const [t, b, l, r] = n.pads;
      return g.node('AveragePool', ins, id, [attrInts('kernel_shape', [n.kernel, n.kernel]), attrInts('strides', [n.stride, n.stride]), attrInts('pads', [t, l, b, r]), attrInt('count_include_pad', n.countIncludePad ? 1 : 0)]);
    }
    case 'add': {
      let acc = ins[0];
      for (let i = 1; i < ins.length; i++) acc = g.node('Add', [acc, ins[i]], i === ins.length - 1 ? id : `${id}/${i}`);
      return acc;
    }
    case 'mul':
      return g.node('Mul', ins, id);
    case 'concat':
      return g.node('Concat', ins, id, [attrInt('axis', 1)]);
    case 'crop': {
      const big = 2 ** 31 - 1; // Slice clamps ends to the dimension
      return g.node('Slice', [ins[0], g.int64(`${id}/starts`, [n.top, n.left]), g.int64(`${id}/ends`, [big, big]), g.int64(`${id}/axes`, [2, 3])], id);
    }
    case 'zeros':
      return g.node('Mul', [ins[0], g.float(`${id}/zero`, Float32Array.from([0]), [])], id);
    case 'gap': {
      const pooled = g.node('GlobalAveragePool', ins, n.keepDims ? id : `${id}/pool`);
      return n.keepDims ? pooled : g.node('Flatten', [pooled], id, [attrInt('axis', 1)]);
    }
    case 'dense': {
      // Gemm's C is optional (opset ≥ 11): OFA's feature mix has no bias.
      const inputs = [ins[0], g.float(n.weight, tensor(n.weight).values, tensor(n.weight).shape)];
      if (n.bias) inputs.push(g.float(n.bias, tensor(n.bias).values, [n.shape[0]]));
      return g.node('Gemm', inputs, id);
    }
    case 'droppath':
      return ins[0];
  }
}
