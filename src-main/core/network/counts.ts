import { inputsOf, type NetNode, type NetworkDescription } from './network';

export interface LayerRow {
  layer: string;
  op: string;
  /** Output shape [H, W, C] or [F], one image. */
  shape: number[];
  /** Trainable parameters this layer owns (weights, bias, γ, β). */
  params: number;
  /** Multiply-accumulates of this layer for one image (conv and dense only). */
  macs: number;
  aux: boolean;
}

export interface NetworkCounts {
  /** Trainable parameters, auxiliary head excluded (as DARTS's `count_parameters_in_MB`). */
  params: number;
  /** Multiply-accumulates of conv and dense layers for one image, auxiliary head excluded. */
  macs: number;
  auxParams: number;
  auxMacs: number;
  layers: LayerRow[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * MACs as NAS-Bench-201's and DARTS's figures count them (AutoDL-Projects' flop hooks: a conv
 * is H_out·W_out·k²·C_in/groups·C_out, a linear layer in·out, plus one per output for a bias;
 * NAS-Bench-201 calls this "FLOPs"; no bias term when the description says `biasMacs: false`, as
 * OFA's flops_counter); pools, BN, activations, adds and SE's scaling product are not counted.
 */
function macsOf(n: NetNode, net: Map<string, NetNode>, biasMacs: boolean): number {
  if (n.op === 'conv') {
    const [oh, ow, cout] = n.shape;
    const cin = net.get(n.input)!.shape[2];
    const perOut = n.kernel * n.kernel * (n.depthwise ? 1 : cin);
    return oh * ow * cout * perOut + (n.bias && biasMacs ? oh * ow * cout : 0);
  }
  if (n.op === 'dense') {
    const fin = net.get(n.input)!.shape[0];
    return fin * n.shape[0] + (n.bias && biasMacs ? n.shape[0] : 0);
  }
  return 0;
}

function tensorsOf(n: NetNode): string[] {
  switch (n.op) {
    case 'conv':
      return n.bias ? [n.weight, n.bias] : [n.weight];
    case 'bn':
      return [n.gamma, n.beta];
    case 'dense':
      return n.bias ? [n.weight, n.bias] : [n.weight];
    default:
      return [];
  }
}

/** Parameters and MACs of a description, and the per-layer table they add up from. */
export function countNetwork(d: NetworkDescription): NetworkCounts {
  const byId = new Map(d.nodes.map((n) => [n.id, n] as const));
  const shapes = new Map(d.tensors.map((t) => [t.name, t.shape] as const));
  const out: NetworkCounts = { params: 0, macs: 0, auxParams: 0, auxMacs: 0, layers: [] };
  for (const n of d.nodes) {
    for (const i of inputsOf(n)) if (!byId.has(i)) throw new Error(`network: node ${n.id} reads unknown node ${i}`);
    const params = tensorsOf(n).reduce((a, t) => a + size(shapes.get(t) ?? [0]), 0);
    const macs = macsOf(n, byId, d.biasMacs ?? true);
    const aux = n.aux ?? false;
    out.layers.push({ layer: n.id, op: n.op === 'conv' && n.depthwise ? 'conv-depthwise' : n.op, shape: n.shape, params, macs, aux });
    if (aux) {
      out.auxParams += params;
      out.auxMacs += macs;
    } else {
      out.params += params;
      out.macs += macs;
    }
  }
  return out;
}

/** The per-layer table as CSV: layer, op, output shape (H×W×C), params, MACs, aux. */
export function layersCsv(c: NetworkCounts): string {
  const rows = ['layer,op,output_shape,params,macs,aux'];
  for (const r of c.layers) rows.push(`${r.layer},${r.op},${r.shape.join('x')},${r.params},${r.macs},${r.aux ? 1 : 0}`);
  rows.push(`total,,,${c.params},${c.macs},0`);
  return rows.join('\n') + '\n';
}
