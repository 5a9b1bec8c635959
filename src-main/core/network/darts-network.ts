import { DARTS_OPS, formatGenotype, type DartsGenotype, type DartsPair } from '../../common/spaces/darts';
import { NetBuilder, NetworkSpecError, type NetworkDescription } from './network';

export interface DartsNetworkSpec {
  /** Input [H, W, C] (CIFAR: [32, 32, 3]). */
  input: [number, number, number];
  classes: number;
  /** Initial channels (DARTS CIFAR evaluation: 36). */
  C: number;
  /** Cells (DARTS CIFAR evaluation: 20); reductions at ⌊L/3⌋ and ⌊2L/3⌋. */
  layers: number;
  /** Build the auxiliary head at cell ⌊2L/3⌋ (training only; needs an 8×8 map there, as CIFAR). */
  auxiliary?: boolean;
}

export const DARTS_LIMITS = { C: [2, 1024], layers: [1, 64], classes: [2, 100000] } as const;

/** DARTS's stem_multiplier and the 4 intermediate nodes a cell concatenates. */
const STEM_MULTIPLIER = 3;
const STEPS = 4;

function checkRange(what: string, v: number, [lo, hi]: readonly [number, number]): void {
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new NetworkSpecError(`DARTS network: ${what} must be a whole number from ${lo} to ${hi} (got ${v})`);
}

function checkGenotype(g: DartsGenotype): void {
  for (const [cell, pairs] of [['normal', g.normal], ['reduce', g.reduce]] as const) {
    if (pairs.length !== 2 * STEPS) throw new NetworkSpecError(`DARTS network: ${cell} cell has ${pairs.length} (op, input) pairs, expected ${2 * STEPS}`);
    pairs.forEach(([op, input], p) => {
      const k = p >> 1;
      if (!DARTS_OPS.includes(op)) throw new NetworkSpecError(`DARTS network: ${cell} node ${k}: unknown operation "${op}" (expected one of ${DARTS_OPS.join(', ')})`);
      if (!Number.isInteger(input) || input < 0 || input > k + 1) throw new NetworkSpecError(`DARTS network: ${cell} node ${k}: input ${input} out of range 0..${k + 1}`);
    });
    for (let k = 0; k < STEPS; k++) if (pairs[2 * k][1] === pairs[2 * k + 1][1]) throw new NetworkSpecError(`DARTS network: ${cell} node ${k}: both pairs read input ${pairs[2 * k][1]}`);
  }
}

/**
 * DARTS's evaluation network (Liu et al. 2019, `model.py` NetworkCIFAR and `operations.py`):
 * stem conv 3×3 (3C) → BN; L cells, reductions (channels ×2, stride 2 on the cell inputs) at
 * ⌊L/3⌋ and ⌊2L/3⌋; each cell preprocesses s0 with FactorizedReduce after a reduction cell,
 * else ReLU-conv1×1-BN, and s1 with ReLU-conv1×1-BN; node k = op(state i) + op(state j) with
 * drop-path on every op that is not the identity; the output concatenates the 4 nodes; global
 * average pool → linear. Every batch norm is affine (the evaluation network's `affine=True`);
 * pools have no batch norm after them (that is the search network's MixedOp). Weight names
 * follow DartsSupernet's, so weights move between the two.
 */
export function buildDartsNetwork(g: DartsGenotype, spec: DartsNetworkSpec): NetworkDescription {
  const { C, layers, classes, input } = spec;
  checkRange('C (channels)', C, DARTS_LIMITS.C);
  checkRange('layers (cells)', layers, DARTS_LIMITS.layers);
  checkRange('classes', classes, DARTS_LIMITS.classes);
  checkGenotype(g);
  const reductionAt = [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
  // FactorizedReduce splits C_out into two halves, and each reduction doubles C: every cell's C
  // after a reduction must stay even, and so must C itself when a reduction precedes a cell.
  if (C % 2 !== 0) throw new NetworkSpecError(`DARTS network: C = ${C} is odd; FactorizedReduce (the cell after a reduction, and skip_connect in a reduction cell) halves the channels, so C must be even`);
  const nRed = new Set(reductionAt).size;
  const side = 1 << nRed;
  if (input[0] % side !== 0 || input[1] % side !== 0) {
    throw new NetworkSpecError(`DARTS network: input ${input[0]}×${input[1]} must divide by ${side} (${nRed} reductions; FactorizedReduce needs even sizes)`);
  }
  const b = new NetBuilder(input);

  const reluConvBn1x1 = (name: string, x: string, cOut: number) => b.bn(`${name}.bn`, b.conv(`${name}.conv`, b.relu(`${name}.relu`, x), cOut, 1, { pad: 0 }));
  const factorizedReduce = (name: string, x: string, cOut: number) => {
    const r = b.relu(`${name}.relu`, x);
    const a = b.conv(`${name}.conv1`, r, cOut / 2, 1, { stride: 2, pad: 0 });
    const c = b.conv(`${name}.conv2`, b.crop(`${name}.crop`, r, 1, 1), cOut / 2, 1, { stride: 2, pad: 0 });
    return b.bn(`${name}.bn`, b.concat(`${name}.cat`, [a, c]));
  };
  const sepConv = (name: string, x: string, k: number, stride: number) => {
    const c = b.shape(x)[2];
    const p = (k - 1) / 2;
    let h = b.conv(`${name}.dw1`, b.relu(`${name}.relu1`, x), c, k, { stride, pad: p, depthwise: true });
    h = b.bn(`${name}.bn1`, b.conv(`${name}.pw1`, h, c, 1, { pad: 0 }));
    h = b.conv(`${name}.dw2`, b.relu(`${name}.relu2`, h), c, k, { stride: 1, pad: p, depthwise: true });
    return b.bn(`${name}.bn2`, b.conv(`${name}.pw2`, h, c, 1, { pad: 0 }));
  };
  const dilConv = (name: string, x: string, k: number, stride: number) => {
    const c = b.shape(x)[2];
    const h = b.conv(`${name}.dw`, b.relu(`${name}.relu`, x), c, k, { stride, dilation: 2, pad: k - 1, depthwise: true });
    return b.bn(`${name}.bn`, b.conv(`${name}.pw`, h, c, 1, { pad: 0 }));
  };
  /** OPS[name](C, stride, affine=True); null when the op is the identity (no drop-path). */
  const op = (name: string, kind: DartsPair[0], x: string, stride: number): { y: string; identity: boolean } => {
    switch (kind) {
      case 'max_pool_3x3':
        return { y: b.pool(`${name}.maxpool`, 'max', x, 3, stride, 1), identity: false };
      case 'avg_pool_3x3':
        return { y: b.pool(`${name}.avgpool`, 'avg', x, 3, stride, 1, false), identity: false };
      case 'skip_connect':
        return stride === 1 ? { y: x, identity: true } : { y: factorizedReduce(name, x, b.shape(x)[2]), identity: false };
      case 'sep_conv_3x3':
        return { y: sepConv(name, x, 3, stride), identity: false };
      case 'sep_conv_5x5':
        return { y: sepConv(name, x, 5, stride), identity: false };
      case 'dil_conv_3x3':
        return { y: dilConv(name, x, 3, stride), identity: false };
      case 'dil_conv_5x5':
        return { y: dilConv(name, x, 5, stride), identity: false };
    }
  };

  const stemC = STEM_MULTIPLIER * C;
  let s0 = b.bn('stem.bn', b.conv('stem.conv', 'input', stemC, 3));
  let s1 = s0;
  let cCur = C;
  let reductionPrev = false;
  let auxInput: string | null = null;
  for (let i = 0; i < layers; i++) {
    const reduction = reductionAt.includes(i);
    if (reduction) cCur *= 2;
    const pairs = reduction ? g.reduce : g.normal;
    const name = `cell${i}`;
    const states = [reductionPrev ? factorizedReduce(`${name}.pre0`, s0, cCur) : reluConvBn1x1(`${name}.pre0`, s0, cCur), reluConvBn1x1(`${name}.pre1`, s1, cCur)];
    for (let k = 0; k < STEPS; k++) {
      const terms = [pairs[2 * k], pairs[2 * k + 1]].map(([kind, from]) => {
        const opName = `${name}.n${k}.i${from}.${kind}`;
        const { y, identity } = op(opName, kind, states[from], reduction && from < 2 ? 2 : 1);
        return identity ? y : b.dropPath(`${opName}.droppath`, y);
      });
      states.push(b.add(`${name}.n${k}`, terms));
    }
    [s0, s1] = [s1, b.concat(`${name}.out`, states.slice(2))];
    reductionPrev = reduction;
    if (i === reductionAt[1]) auxInput = s1;
  }
  const logits = b.dense('fc', b.gap('gap', s1), classes);

  let auxOutput: string | undefined;
  if (spec.auxiliary && auxInput) {
    // AuxiliaryHeadCIFAR: ReLU → AvgPool 5×5 stride 3 (count_include_pad=False; 8×8 → 2×2) →
    // conv 1×1 (128) → BN → ReLU → conv 2×2 (768) → BN → ReLU → linear.
    const [h, w] = b.shape(auxInput);
    if (h < 8 || w < 8) throw new NetworkSpecError(`DARTS network: the auxiliary head needs an 8×8 map at cell ${reductionAt[1]} (got ${h}×${w}; CIFAR-size input 32×32)`);
    b.aux = true;
    let a = b.pool('aux.pool', 'avg', b.relu('aux.relu0', auxInput), 5, 3, 0, false);
    a = b.relu('aux.relu1', b.bn('aux.bn1', b.conv('aux.conv1', a, 128, 1, { pad: 0 })));
    a = b.relu('aux.relu2', b.bn('aux.bn2', b.conv('aux.conv2', a, 768, 2, { pad: 0 })));
    // 8×8 (CIFAR's 32×32 input) leaves 1×1 here, where DARTS's view(N, −1) is this mean.
    auxOutput = b.dense('aux.fc', b.gap('aux.flat', a), classes);
    b.aux = false;
  }
  return {
    version: 1,
    space: 'darts',
    arch: formatGenotype(g),
    input: [...input],
    classes,
    nodes: b.nodes,
    tensors: b.tensors,
    output: logits,
    ...(auxOutput ? { auxOutput } : {}),
    settings: { C, layers, auxiliary: Boolean(auxOutput) },
  };
}
