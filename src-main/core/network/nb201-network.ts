import { NB201_EDGES, NB201_OPS, nb201ToString, type Nb201Arch } from '../../common/spaces/nb201';
import { NetBuilder, NetworkSpecError, type NetworkDescription } from './network';

export interface Nb201NetworkSpec {
  /** Input [H, W, C] (CIFAR: [32, 32, 3]). */
  input: [number, number, number];
  classes: number;
  /** Channels of the first stage (NAS-Bench-201: 16). */
  C: number;
  /** Cells per stage (NAS-Bench-201: 5). */
  N: number;
}

export const NB201_LIMITS = { C: [1, 1024], N: [1, 64], classes: [2, 100000] } as const;

function checkRange(what: string, v: number, [lo, hi]: readonly [number, number]): void {
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new NetworkSpecError(`NAS-Bench-201 network: ${what} must be a whole number from ${lo} to ${hi} (got ${v})`);
}

/**
 * The NAS-Bench-201 network (Dong & Yang 2020; AutoDL-Projects `TinyNetwork` with `InferCell`):
 * stem conv 3×3 → BN (C), three stages of N cells at C, 2C, 4C, a ResNet basic block between
 * stages (ReLU-conv3×3 stride 2-BN → ReLU-conv3×3-BN, plus avg-pool 2×2 → conv 1×1 shortcut),
 * BN → ReLU → global average pool → linear. Node i of a cell is the sum over j < i of
 * op_{j→i}(node j), the output is node 3 (operations as Nb201Supernet.edge, same weight names,
 * but with PyTorch's symmetric padding in the stride-2 convs, as the benchmark trained them).
 */
export function buildNb201Network(arch: Nb201Arch, spec: Nb201NetworkSpec): NetworkDescription {
  const { C, N, classes, input } = spec;
  checkRange('C (channels)', C, NB201_LIMITS.C);
  checkRange('N (cells per stage)', N, NB201_LIMITS.N);
  checkRange('classes', classes, NB201_LIMITS.classes);
  if (arch.length !== NB201_EDGES.length || arch.some((o) => !Number.isInteger(o) || o < 0 || o >= NB201_OPS.length)) {
    throw new NetworkSpecError(`NAS-Bench-201 network: an architecture has ${NB201_EDGES.length} edges with an operation index 0..${NB201_OPS.length - 1} each (got [${arch.join(', ')}])`);
  }
  if (input[0] < 4 || input[1] < 4) throw new NetworkSpecError(`NAS-Bench-201 network: input ${input[0]}×${input[1]} is below 4×4 (two stride-2 reductions)`);
  const b = new NetBuilder(input);

  const reluConvBn = (name: string, x: string, k: number, cOut: number, stride = 1) => b.bn(`${name}.bn`, b.conv(`${name}.conv`, b.relu(`${name}.relu`, x), cOut, k, { stride }));

  const cell = (name: string, x: string): string => {
    const nodes = [x];
    for (let to = 1; to <= 3; to++) {
      const terms: string[] = [];
      NB201_EDGES.forEach(([t, from], e) => {
        if (t !== to) return;
        const en = `${name}.e${e}`;
        const src = nodes[from];
        switch (NB201_OPS[arch[e]]) {
          case 'none':
            return; // Zero: adds nothing
          case 'skip_connect':
            terms.push(src);
            return;
          case 'nor_conv_1x1':
            terms.push(reluConvBn(`${en}.conv1x1`, src, 1, C_cur));
            return;
          case 'nor_conv_3x3':
            terms.push(reluConvBn(`${en}.conv3x3`, src, 3, C_cur));
            return;
          case 'avg_pool_3x3':
            terms.push(b.pool(`${en}.avgpool`, 'avg', src, 3, 1, 1, false));
            return;
        }
      });
      nodes.push(terms.length === 0 ? b.zeros(`${name}.n${to}.zeros`, x) : b.add(`${name}.n${to}`, terms));
    }
    return nodes[3];
  };

  let C_cur = C;
  let h = b.bn('stem.bn', b.conv('stem.conv', 'input', C, 3));
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const name = `red${stage}`;
      C_cur = C << stage;
      const a = reluConvBn(`${name}.a`, h, 3, C_cur, 2);
      const bb = reluConvBn(`${name}.b`, a, 3, C_cur, 1);
      const short = b.conv(`${name}.short`, b.pool(`${name}.pool`, 'avg', h, 2, 2, 0, true), C_cur, 1);
      h = b.add(`${name}.add`, [bb, short]);
    }
    for (let i = 0; i < N; i++) h = cell(`s${stage}.c${i}`, h);
  }
  h = b.relu('last.relu', b.bn('last.bn', h));
  const logits = b.dense('fc', b.gap('gap', h), classes);
  return {
    version: 1,
    space: 'nb201',
    arch: nb201ToString(arch),
    input: [...input],
    classes,
    nodes: b.nodes,
    tensors: b.tensors,
    output: logits,
    settings: { C, N },
  };
}
