import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import { directConv2d, directConv2dFilterGrad } from '../../src-main/core/kernels/wasm-conv';
import { CONV2D_KERNEL, wasmConvAvailable } from '../../src-main/core/kernels/wasm-conv-kernel';
import { winogradCovers, winogradFilterGrad } from '../../src-main/core/kernels/wasm-winograd';
import { composedConv2dBackpropFilter, registerWasmConvGradients } from '../../src-main/core/kernels/wasm-conv-gradients';
import { conv2dSame } from '../../src-main/core/supernet/fast-ops';
import { readOutput as read, sameBits as bits, useBackend } from '../helpers/tf-backend';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function values(shape: number[], seed: number): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(new Rng(seed).fillUniform(new Float32Array(n), -2, 2), shape as Shape4);
}

describe('direct WASM SIMD convolutions (core/kernels/wasm-conv.ts) against TF.js WASM', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerWasmConvGradients();
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  // The supernets' shapes (NB201 demo, the stride-2 phases, 1×1 edges), then odd ones: widths
  // that are not a multiple of the 4-column tile, 1 and 3 input channels, explicit and 'valid' pads.
  const convCases: [Shape4, Shape4, Pad][] = [
    [[16, 28, 28, 8], [3, 3, 8, 8], 'same'],
    [[16, 14, 14, 16], [3, 3, 16, 16], 'same'],
    [[16, 7, 7, 32], [3, 3, 32, 32], 'same'],
    [[16, 28, 28, 8], [1, 1, 8, 8], 'same'],
    [[16, 28, 28, 1], [3, 3, 1, 8], 'same'],
    [[16, 14, 14, 16], [2, 2, 16, 8], [[0, 0], [1, 0], [1, 0], [0, 0]]],
    [[16, 7, 7, 32], [1, 2, 32, 16], [[0, 0], [0, 0], [1, 0], [0, 0]]],
    [[3, 5, 6, 3], [3, 3, 3, 8], 'valid'],
    [[2, 9, 5, 5], [5, 5, 5, 16], 'same'],
    [[1, 1, 1, 4], [3, 3, 4, 8], 'same'],
    [[2, 6, 7, 4], [2, 3, 4, 8], [[0, 0], [2, 1], [0, 3], [0, 0]]],
    // Read in place (no padded copy): 1×1 and a 'valid' conv; widths 1–3 past a tile of 4.
    [[3, 7, 5, 8], [1, 1, 8, 16], 'valid'],
    [[2, 6, 9, 4], [3, 2, 4, 8], 'valid'],
    [[2, 3, 1, 4], [1, 1, 4, 8], 'same'],
  ];
  // Strided: the supernets' reductions (3×3 stride 2 'same' on even sides), odd sides, stride 3.
  const stridedCases: [Shape4, Shape4, Pad, number][] = [
    [[16, 28, 28, 8], [3, 3, 8, 16], 'same', 2],
    [[16, 14, 14, 16], [3, 3, 16, 32], 'same', 2],
    [[2, 9, 7, 3], [3, 3, 3, 8], 'same', 2],
    [[2, 11, 10, 4], [5, 5, 4, 16], 'valid', 3],
    [[3, 8, 8, 8], [1, 1, 8, 8], 'valid', 2],
  ];
  for (const [xs, fs, pad, stride] of [...convCases.map(([a, b, c]) => [a, b, c, 1] as [Shape4, Shape4, Pad, number]), ...stridedCases]) {
    it(`conv2d x [${xs.join(', ')}] ⊛ [${fs.join(', ')}] stride ${stride} (${typeof pad === 'string' ? pad : 'explicit pads'}): the same float32 bits as TF.js WASM's Conv2D`, () => {
      const x = values(xs, 1), f = values(fs, 2);
      const ref = tf.conv2d(x, f, stride, pad);
      const ids = tf.backend().numDataIds();
      const out = directConv2d(tf.backend(), x, f, pad, undefined, stride);
      expect(out).not.toBeNull();
      expect(tf.backend().numDataIds(), 'only the output is left (the padded copy is freed)').toBe(ids + 1);
      expect(out!.shape).toEqual(ref.shape);
      expect(bits(read(out!), ref.dataSync() as Float32Array)).toBe(true);
      tf.dispose([x, f, ref]);
    });
  }

  const gradCases: [Shape4, Shape4, number, 'same' | 'valid'][] = [
    [[16, 28, 28, 8], [3, 3, 8, 8], 1, 'same'],
    [[16, 14, 14, 16], [3, 3, 16, 16], 1, 'same'],
    [[16, 7, 7, 32], [3, 3, 32, 32], 1, 'same'],
    [[16, 28, 28, 8], [3, 3, 8, 16], 2, 'same'],
    [[16, 14, 14, 16], [3, 3, 16, 32], 2, 'same'],
    [[16, 14, 14, 8], [1, 1, 8, 16], 1, 'same'],
    [[3, 5, 6, 4], [3, 3, 4, 8], 1, 'valid'],
    [[2, 7, 5, 4], [3, 3, 4, 8], 2, 'same'],
    [[2, 9, 8, 12], [5, 5, 12, 24], 2, 'same'],
    [[1, 3, 2, 4], [3, 3, 4, 8], 1, 'same'],
    // The stems: 1 (MNIST) and 3 (CIFAR) input channels (patchFilterGrad: the sums of x padded to 4 channels).
    [[16, 28, 28, 1], [3, 3, 1, 8], 1, 'same'],
    [[3, 8, 8, 3], [3, 3, 3, 16], 1, 'same'],
    [[2, 7, 6, 6], [3, 3, 6, 8], 2, 'same'],
    // Patch rows whose length is already a multiple of 4 (2×2 on 1 channel), and 2 channels.
    [[2, 5, 5, 1], [2, 2, 1, 8], 1, 'valid'],
    [[2, 6, 6, 2], [3, 3, 2, 16], 1, 'same'],
  ];
  for (const [xs, fs, s, pad] of gradCases) {
    it(`filter gradient x [${xs.join(', ')}], filter [${fs.join(', ')}], stride ${s}, ${pad}: the same float32 bits as the composed Conv2DBackpropFilter`, () => {
      const info = tf.backend_util.computeConv2DInfo(xs, fs, s, 1, pad);
      const x = values(xs, 3), dy = values(info.outShape, 4);
      const attrs = { strides: [s, s], pad, filterShape: fs, dataFormat: 'NHWC', dilations: [1, 1] };
      const ref = read(composedConv2dBackpropFilter({ inputs: { x, dy }, backend: tf.backend(), attrs }));
      const ids = tf.backend().numDataIds();
      const out = directConv2dFilterGrad(tf.backend(), x, dy, attrs);
      expect(out).not.toBeNull();
      expect(tf.backend().numDataIds()).toBe(ids + 1);
      expect(out!.shape).toEqual(fs);
      expect(bits(read(out!), ref)).toBe(true);
      // The registered kernel (what tf.grad reaches) takes the direct path, or Winograd's for the
      // stride-1 3×3 filters it covers (test/unit/wasm-winograd.test.ts): the same bits as that.
      const viaKernel = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor;
      const wino = s === 1 && winogradCovers(xs, fs) ? winogradFilterGrad(tf.backend(), x, dy, attrs) : null;
      expect(bits(viaKernel.dataSync() as Float32Array, wino ? read(wino) : ref)).toBe(true);
      tf.dispose([x, dy, viaKernel]);
    });
  }

  it('declines the shapes it does not cover (the callers then use TF.js\'s kernels), and the kernel refuses them by name', () => {
    const b = tf.backend();
    const x = values([2, 5, 5, 4], 5), f6 = values([3, 3, 4, 6], 6), xi = tf.cast(x, 'int32');
    expect(directConv2d(b, x, f6, 'same'), 'output channels not a multiple of 8').toBeNull();
    expect(directConv2d(b, xi, values([3, 3, 4, 8], 7), 'same'), 'int32').toBeNull();
    const f8 = values([3, 3, 4, 8], 13);
    expect(directConv2d(b, x, f8, 'same', undefined, 0), 'stride 0').toBeNull();
    expect(directConv2d(b, x, f8, 'same', undefined, 1.5), 'stride 1.5').toBeNull();
    f8.dispose();
    const dy = values([2, 5, 5, 8], 8);
    const attrs = (o: Record<string, unknown>) => ({ strides: [1, 1], pad: 'same', filterShape: [3, 3, 4, 8], dataFormat: 'NHWC', dilations: [1, 1], ...o });
    expect(directConv2dFilterGrad(b, x, dy, attrs({ dilations: [2, 2] })), 'dilated').toBeNull();
    expect(directConv2dFilterGrad(b, x, dy, attrs({ dataFormat: 'NCHW' })), 'NCHW').toBeNull();
    const x3 = values([2, 5, 5, 3], 9), dy6 = values([2, 5, 5, 6], 12);
    expect(directConv2dFilterGrad(b, x3, dy6, attrs({ filterShape: [3, 3, 3, 6] })), 'output channels not a multiple of 8').toBeNull();
    expect(wasmConvAvailable(b)).toBe(true);
    expect(() => tf.engine().runKernel(CONV2D_KERNEL, { x, filter: f6 }, { pad: 'same' } as never)).toThrow(/L2nasConv2D: .*\[3, 3, 4, 6\]/);
    tf.dispose([x, f6, xi, dy, x3, dy6]);
  });

  it('conv2dSame trains on our kernels (no Transpose, no XNNPACK Conv2D for covered shapes) with the values of tf.conv2d\'s gradients', async () => {
    const x = tf.variable(values([4, 6, 6, 8], 10)), w = tf.variable(values([3, 3, 8, 16], 11));
    const loss = () => tf.sum(tf.square(conv2dSame(x as unknown as tf.Tensor4D, w as unknown as tf.Tensor4D, 1))) as tf.Scalar;
    const p = await tf.profile(() => tf.variableGrads(loss, [x, w]).grads);
    const names = p.kernels.map((k) => k.name);
    expect(names.filter((n) => n === CONV2D_KERNEL).length, 'forward and input gradient').toBe(2);
    expect(names).not.toContain('Conv2D');
    expect(names).not.toContain('Transpose');
    const before = tf.memory().numTensors;
    const ours = tf.tidy(() => tf.variableGrads(loss, [x, w]).grads);
    const ref = tf.tidy(() => tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x as unknown as tf.Tensor4D, w as unknown as tf.Tensor4D, 1, 'same'))) as tf.Scalar, [x, w]).grads);
    // Normwise: the input gradient (16 input channels) and the filter gradient run as Winograd
    // F(2×2, 3×3), whose rounding errors scale with the largest values, not each element's.
    for (const k of [x.name, w.name]) {
      const a = ours[k].dataSync(), r = ref[k].dataSync();
      let worst = 0, scale = 0;
      for (let i = 0; i < r.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - r[i]));
        scale = Math.max(scale, Math.abs(r[i]));
      }
      expect(worst / scale, k).toBeLessThan(1e-5);
    }
    tf.dispose([...Object.values(ours), ...Object.values(ref)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});
