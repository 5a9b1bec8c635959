import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src-main/common/rng';
import type { OfaConfig } from '../../src-main/common/spaces/ofa';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { SupernetTrainer, type SupernetTrainConfig } from '../../src-main/core/supernet/supernet-trainer';
import type { ImageData } from '../../src-main/core/supernet/image-data';
import { ofaSpace } from '../../src-main/common/spaces/ofa';
import { ofaStateDict, ofaTorchEntries } from '../../src-main/core/supernet/ofa-torch';
import { checkOfaCheckpointFile, loadOfaCheckpoint } from '../../src-main/node/ofa-checkpoint';
import { float32Values, readTorchCheckpoint, TorchCheckpointError } from '../../src-main/node/torch-checkpoint';
import { tempDir } from '../helpers/fixture-tables';
import { checkSupernetRun, supernetRunConfig } from '../../src-main/node/run-config';
import { useBackend } from '../helpers/tf-backend';
import { statePickle, storedZip, torchCheckpointBytes, torchLegacyBytes, type FixtureTensor } from '../helpers/torch-zip';

const fill = <T,>(n: number, v: T): T[] => new Array<T>(n).fill(v);
const config = (k: number, e: number, d: number): OfaConfig => ({ ks: fill(20, k), e: fill(20, e), d: fill(5, d) });
const MIXED: OfaConfig = { ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5], e: [6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4], d: [2, 3, 4, 3, 2] };

/** OFA's own layout (3 input channels, five stride-2 steps) at width 0.25 for speed. */
const spec = { inChannels: 3, classes: 10, widthMult: 0.25, downsamples: 5 };
const net = (seed: number) => new OfaSupernet(spec, new Rng(seed));

function input(seed: number, n = 4, size = 32): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).fillUniform(new Float32Array(n * size * size * 3), -2, 2), [n, size, size, 3]);
}

/** A supernet with trained-looking BN statistics: every BN recalibrated for the largest subnet. */
function calibrated(seed: number): OfaSupernet {
  const n = net(seed);
  const x = input(seed + 100, 8);
  n.recalibrate([x], config(7, 6, 4));
  x.dispose();
  return n;
}

const tensorsOf = (n: OfaSupernet): FixtureTensor[] => ofaStateDict(n).map((t) => ({ key: t.key, shape: t.shape, values: t.values }));
/** As PyTorch's state_dict has them: one int64 counter per BN. */
const withCounters = (ts: FixtureTensor[]): FixtureTensor[] => ts.flatMap((t) => (t.key.endsWith('.running_var') ? [t, { key: t.key.replace(/running_var$/, 'num_batches_tracked'), shape: [], dtype: 'int64' as const, values: [7] }] : [t]));

const dir = tempDir('ofa-ckpt');
let count = 0;
function write(bytes: Buffer): string {
  const f = path.join(dir, `c${count++}.pth`);
  fs.writeFileSync(f, bytes);
  return f;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

beforeAll(() => useBackend('cpu'));

describe('PyTorch checkpoints of OFA MobileNetV3 (issue #11 item 2)', () => {
  it('a state_dict written in torch.save\'s format loads back: same weights, same running statistics, same logits in eval mode', async () => {
    const a = calibrated(1);
    const file = write(torchCheckpointBytes(withCounters(tensorsOf(a)), { wrap: true }));
    const b = net(2);
    const x = input(9);
    a.bnMode = b.bnMode = 'running';
    const before = tf.tidy(() => tf.max(tf.abs(tf.sub(a.forward(x, MIXED), b.forward(x, MIXED)))).dataSync()[0]);
    expect(before).toBeGreaterThan(1e-3); // different seeds: the test can fail
    await loadOfaCheckpoint(file, b);
    for (const name of a.params.names()) expect(Array.from(b.params.byName(name).dataSync()), name).toEqual(Array.from(a.params.byName(name).dataSync()));
    expect(b.getRunningStats('blocks.7.dw.bn')).toEqual(a.getRunningStats('blocks.7.dw.bn'));
    for (const c of [config(7, 6, 4), config(3, 3, 2), MIXED]) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a.forward(x, c), b.forward(x, c)))).dataSync()[0]);
      expect(d).toBe(0);
    }
    a.dispose();
    b.dispose();
    x.dispose();
  });

  it('maps PyTorch layouts onto ours: conv [out, in, kh, kw], depthwise [C, 1, k, k], 1×1 SE convs and linear [out, in]', async () => {
    const b = net(3);
    // Every value codes its own PyTorch index, so a position in our layout says where it came from.
    const ts = ofaTorchEntries(b.plan, spec).map((e) => ({ key: e.key, shape: e.shape, values: Float32Array.from({ length: e.shape.reduce((p, q) => p * q, 1) }, (_, i) => i) }));
    await loadOfaCheckpoint(write(torchCheckpointBytes(ts)), b);
    const at = (name: string, idx: number[]) => {
      const v = b.params.byName(name);
      return (v.arraySync() as unknown as number[][][][])[idx[0]][idx[1]][idx[2]][idx[3]];
    };
    const first = b.plan.stem; // first_conv.conv.weight [stem, 3, 3, 3]; ours [3, 3, 3, stem]
    expect(at('first_conv.w', [1, 2, 0, 5])).toBe(((5 * 3 + 0) * 3 + 1) * 3 + 2);
    const m = b.plan.blocks[0].midMax; // blocks.1 depthwise [m, 1, 7, 7]; ours [7, 7, m, 1]
    expect(at('blocks.1.dw.w', [3, 6, m - 1, 0])).toBe((m - 1) * 49 + 3 * 7 + 6);
    const se = b.plan.blocks[4]; // blocks.5 (unit 2, SE): reduce [seMax, mid, 1, 1]; ours [mid, seMax]
    const reduce = b.params.byName('blocks.5.se.reduce.w').arraySync() as number[][];
    expect(reduce[se.midMax - 1][1]).toBe(1 * se.midMax + se.midMax - 1);
    const cls = b.params.byName('classifier.w').arraySync() as number[][]; // [10, last] → [last, 10]
    expect(cls[2][7]).toBe(7 * b.plan.lastChannel + 2);
    expect(Array.from(b.getRunningStats('first_conv.bn').mean)).toEqual(Array.from({ length: first }, (_, i) => i));
    b.dispose();
  });

  it('reads OFA\'s older key names (mobile_inverted_conv, bn.bn / bn, conv.conv.weight / conv.weight) as OFA\'s load_state_dict does', async () => {
    const a = calibrated(4);
    const renamed = tensorsOf(a).map((t) => ({ ...t, key: t.key.replace('.conv.inverted_bottleneck.', '.mobile_inverted_conv.inverted_bottleneck.').replace('point_linear.bn.bn.', 'point_linear.bn.') }));
    expect(renamed.some((t) => t.key.includes('mobile_inverted_conv'))).toBe(true);
    const b = net(5);
    await loadOfaCheckpoint(write(torchCheckpointBytes(renamed)), b);
    expect(Array.from(b.params.byName('blocks.9.expand.w').dataSync())).toEqual(Array.from(a.params.byName('blocks.9.expand.w').dataSync()));
    expect(b.getRunningStats('blocks.9.project.bn')).toEqual(a.getRunningStats('blocks.9.project.bn'));
    a.dispose();
    b.dispose();
  });

  it('names every missing, unexpected, mis-shaped or mis-typed key, and loads nothing then', async () => {
    const a = calibrated(6);
    const ts = tensorsOf(a);
    const b = net(7);
    const w0 = Array.from(b.params.byName('first_conv.w').dataSync());
    const broken = ts.filter((t) => t.key !== 'blocks.3.conv.depth_conv.conv.7to5_matrix').map((t) => (t.key === 'classifier.linear.bias' ? { ...t, dtype: 'float64' as const } : t));
    broken.push({ key: 'blocks.21.conv.point_linear.conv.conv.weight', shape: [1], values: [0] });
    const e = await failure(loadOfaCheckpoint(write(torchCheckpointBytes(broken)), b));
    expect(e).toBeInstanceOf(TorchCheckpointError);
    expect(e.message).toMatch(/1 missing: blocks\.3\.conv\.depth_conv\.conv\.7to5_matrix/);
    expect(e.message).toMatch(/1 unexpected: blocks\.21\.conv\.point_linear\.conv\.conv\.weight/);
    expect(e.message).toMatch(/1 of another dtype: classifier\.linear\.bias \(float64, expected float32\)/);
    expect(Array.from(b.params.byName('first_conv.w').dataSync())).toEqual(w0); // nothing assigned
    // Another width: every widened tensor is named, with the width the file has.
    const wide = new OfaSupernet({ ...spec, widthMult: 0.5 }, new Rng(8));
    const f = write(torchCheckpointBytes(ts));
    const w = await failure(loadOfaCheckpoint(f, wide));
    expect(w.message).toMatch(/\d+ of another shape: blocks\.1\.conv\.point_linear\.conv\.conv\.weight \[8, 48, 1, 1\], expected \[16, 48, 1, 1\]; .*… \(\d+ more\)/);
    expect(w.message).toMatch(/its widths are those of C = 25; this supernet has C = 50, 10 classes, 3 input channels/);
    // The same check runs without building a network (before a run folder is made).
    await expect(checkOfaCheckpointFile(f, { ...spec, classes: 100 })).rejects.toThrow(/classifier\.linear\.weight \[10, \d+\], expected \[100, \d+\]/);
    await expect(checkOfaCheckpointFile(f, spec)).resolves.toBeUndefined();
    a.dispose();
    b.dispose();
    wide.dispose();
  });
});

describe('the PyTorch checkpoint reader refuses bad files with a clear error and runs nothing', () => {
  const tiny: FixtureTensor[] = [{ key: 'w', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }];

  it('reads a state_dict: keys, shapes, strides and values', async () => {
    const c = await readTorchCheckpoint(write(torchCheckpointBytes(tiny, {}, 'my_model')));
    expect([...c.tensors.keys()]).toEqual(['w']);
    expect(c.tensors.get('w')).toMatchObject({ dtype: 'float32', shape: [2, 3], stride: [3, 1], offset: 0 });
  });

  it('a pickle that names anything but the tensor rebuilders is refused at that byte', async () => {
    for (const [mod, name] of [['os', 'system'], ['builtins', 'eval'], ['torch', 'load'], ['torch.nn.modules.conv', 'Conv2d']]) {
      const e = await failure(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { rebuilder: [mod, name] }))));
      expect(e).toBeInstanceOf(TorchCheckpointError);
      expect(e.message).toMatch(new RegExp(`archive/data\\.pkl \\(byte \\d+\\): the pickle refers to ${mod.replace(/\./g, '\\.')}\\.${name}, which this reader does not load`));
    }
  });

  it('a truncated zip, a file that is neither a zip nor a legacy stream, and a pickle without torch\'s magic number are named as such', async () => {
    const good = torchCheckpointBytes(tiny);
    for (const bytes of [good.subarray(0, good.length - 30), good.subarray(0, 100), Buffer.from('not a checkpoint at all')]) {
      const e = await failure(readTorchCheckpoint(write(bytes)));
      expect(e).toBeInstanceOf(TorchCheckpointError);
      expect(e.message).toMatch(/not a PyTorch checkpoint \(not a readable zip archive/);
    }
    const pickle = await failure(readTorchCheckpoint(write(Buffer.from([0x80, 0x02, 0x4b, 0x01, 0x2e]))));
    expect(pickle.message).toMatch(/a pickle but not a PyTorch checkpoint \(no torch\.save magic number\)/);
    const other = await failure(readTorchCheckpoint(write(storedZip([{ name: 'a/b.txt', data: Buffer.from('x') }]))));
    expect(other.message).toMatch(/expected one <name>\/data\.pkl, found 0/);
  });

  it('a storage record of the wrong size, a tensor beyond its storage, a big-endian file, and a truncated pickle are refused', async () => {
    const short = await failure(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { shortStorage: { w: 4 } }))));
    expect(short.message).toMatch(/storage record archive\/data\/0 has 20 bytes, its 6 float32 elements need 24/);
    const beyond = statePickle([{ key: 'w', shape: [3, 3], values: [] }]).toString('latin1').replace(/J\t\0\0\0t/, 'J\x06\0\0\0t'); // numel 9 → 6
    const e = await failure(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { pickle: Buffer.from(beyond, 'latin1') }))));
    expect(e.message).toMatch(/tensor reaches element 8 of storage 0, which has 6/);
    await expect(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { byteorder: 'big' })))).rejects.toThrow(/only little-endian checkpoints/);
    const cut = statePickle(tiny).subarray(0, 40);
    await expect(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { pickle: cut })))).rejects.toThrow(/data\.pkl \(byte \d+\): truncated pickle/);
  });

  it('reads torch.save\'s legacy format (torch < 1.6) too, with the same checks', async () => {
    const c = await readTorchCheckpoint(write(torchLegacyBytes([...tiny, { key: 'n', shape: [], dtype: 'int64', values: [3] }], { wrap: true })));
    expect([...c.tensors.keys()]).toEqual(['w', 'n']);
    expect(Array.from(float32Values(c, 'w'))).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(readTorchCheckpoint(write(torchLegacyBytes(tiny, { truncate: 3 })))).rejects.toThrow(/truncated: storage 0 needs 24 bytes, the file has 21 left/);
    await expect(readTorchCheckpoint(write(torchLegacyBytes(tiny, { bigEndian: true })))).rejects.toThrow(/not written on a little-endian machine/);
    await expect(readTorchCheckpoint(write(torchLegacyBytes(tiny, { rebuilder: ['subprocess', 'Popen'] })))).rejects.toThrow(/byte \d+: the pickle refers to subprocess\.Popen, which this reader does not load/);
    // A whole OFA supernet round trip through the legacy format.
    const a = calibrated(31);
    const b = net(32);
    await loadOfaCheckpoint(write(torchLegacyBytes(withCounters(tensorsOf(a)), { wrap: true })), b);
    expect(Array.from(b.params.byName('blocks.20.project.w').dataSync())).toEqual(Array.from(a.params.byName('blocks.20.project.w').dataSync()));
    expect(b.getRunningStats('final_expand.bn')).toEqual(a.getRunningStats('final_expand.bn'));
    a.dispose();
    b.dispose();
  });

  it('a state_dict entry that is not a tensor is named', async () => {
    const p = Buffer.concat([Buffer.from([0x80, 0x02, 0x7d, 0x28]), Buffer.from('X\x03\0\0\0abcK\x05u.', 'latin1')]);
    await expect(readTorchCheckpoint(write(torchCheckpointBytes(tiny, { pickle: p })))).rejects.toThrow(/state_dict entry "abc" is not a tensor/);
  });
});

describe('OFA batch-norm recalibration (set_running_statistics)', () => {
  it('running statistics recalibrated on a batch give that batch exactly what batch statistics give', () => {
    const n = net(11);
    const x = input(12, 6);
    const batch = tf.tidy(() => n.forward(x, MIXED).arraySync());
    n.recalibrate([x], MIXED);
    n.bnMode = 'running';
    const running = tf.tidy(() => n.forward(x, MIXED).arraySync());
    running.flat().forEach((v, i) => expect(v).toBeCloseTo(batch.flat()[i], 4));
    n.dispose();
    x.dispose();
  });

  it('averages batch means and biased variances weighted by batch size, only on the path, only in its first channels', () => {
    const n = net(13);
    const xs = [input(14, 4), input(15, 2)];
    const c = config(3, 3, 2);
    n.recalibrate(xs, c);
    // first_conv.bn sees conv3×3/2 of the input (PyTorch padding 1): its statistics by hand.
    const w = n.params.byName('first_conv.w') as unknown as tf.Tensor4D;
    const stats = xs.map((x) => tf.tidy(() => {
      const y = tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), w, 2, 'valid');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      return { mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync()), n: x.shape[0] };
    }));
    const got = n.getRunningStats('first_conv.bn');
    for (let ch = 0; ch < got.mean.length; ch++) {
      expect(got.mean[ch]).toBeCloseTo((4 * stats[0].mean[ch] + 2 * stats[1].mean[ch]) / 6, 5);
      expect(got.variance[ch]).toBeCloseTo((4 * stats[0].variance[ch] + 2 * stats[1].variance[ch]) / 6, 5);
    }
    // Expand ratio 3 of 6: the first mid channels are recalibrated, the rest keep PyTorch's initial 0 / 1.
    const b = n.plan.blocks[0];
    const mid = b.midMax / 2;
    const e1 = n.getRunningStats('blocks.1.expand.bn');
    expect(Array.from(e1.variance.slice(mid)).every((v) => v === 1) && Array.from(e1.mean.slice(mid)).every((v) => v === 0)).toBe(true);
    expect(Array.from(e1.mean.slice(0, mid)).some((v) => v !== 0)).toBe(true);
    // Depth 2: the third block of unit 1 is not on the path and keeps its statistics.
    expect(Array.from(n.getRunningStats('blocks.3.expand.bn').variance).every((v) => v === 1)).toBe(true);
    n.dispose();
    xs.forEach((x) => x.dispose());
  });
});

describe('queries as OFA makes them (SupernetTrainer evalBatchNorm)', () => {
  const data = (seed: number, n: number): ImageData => {
    const r = new Rng(seed);
    return { images: Uint8Array.from({ length: n * 16 * 16 * 3 }, () => r.int(256)), labels: Uint16Array.from({ length: n }, (_, i) => i % 10), n, height: 16, width: 16, channels: 3, classes: 10 };
  };
  const cfg = (o: Partial<SupernetTrainConfig>): SupernetTrainConfig => ({ epochs: 1, batchSize: 8, lrMax: 0.1, lrMin: 1e-3, momentum: 0.9, weightDecay: 0, cutout: 0, evalPaths: 1, evalBatches: 2, evalBatchSize: 16, ...o });

  it('recalibrates per subnet on a fixed subset, draws nothing from the run\'s Rng, caches by subnet key, and trains on batch statistics after', () => {
    const n = net(21);
    const train = data(22, 40), val = data(23, 32);
    const rng = new Rng(24);
    const t = new SupernetTrainer(n, ofaSpace, train, val, cfg({ evalBatchNorm: 'recalibrate', calibrationImages: 24 }), rng);
    const before = rng.getState();
    const a = t.evaluate(MIXED);
    expect(rng.getState()).toEqual(before);
    expect(n.bnMode).toBe('batch');
    const statsA = n.getRunningStats('blocks.1.dw.bn');
    t.evaluate(config(5, 3, 2)); // another kernel in block 1 recalibrates its depthwise BN
    expect(n.getRunningStats('blocks.1.dw.bn')).not.toEqual(statsA);
    expect(t.evaluate(MIXED)).toBe(a); // cached by key
    // A fresh trainer on the same weights recalibrates on the same images: the same accuracy, and the same statistics.
    const t2 = new SupernetTrainer(n, ofaSpace, train, val, cfg({ evalBatchNorm: 'recalibrate', calibrationImages: 24 }), new Rng(99));
    expect(t2.evaluate(MIXED)).toBe(a);
    expect(n.getRunningStats('blocks.1.dw.bn')).toEqual(statsA);
    // 'running' uses the statistics as they are; batch mode ignores them.
    const logits = (mode: 'batch' | 'running') => {
      n.bnMode = mode;
      const x = input(25, 4, 16);
      const out = tf.tidy(() => n.forward(x, MIXED).arraySync());
      x.dispose();
      n.bnMode = 'batch';
      return out;
    };
    expect(logits('running')).not.toEqual(logits('batch'));
    const bad = new SupernetTrainer(n, ofaSpace, train, val, cfg({ evalBatchNorm: 'recalibrate' }), rng);
    expect(() => bad.evaluate(MIXED)).toThrow(/needs at least one calibration image/);
    t.dispose();
    t2.dispose();
    bad.dispose();
    n.dispose();
  });
});

describe('run configs: batch norm in queries and loaded checkpoints', () => {
  const base = { dataset: { kind: 'mnist-embedded' as const }, method: 'random', seed: 0 };
  const est = (o: Parameters<typeof supernetRunConfig>[0]) => {
    const e = supernetRunConfig(o).estimator;
    if (e.kind !== 'supernet') throw new Error('not a supernet run');
    return e;
  };

  it('OFA queries recalibrate by default (256 images trained here, OFA\'s 2,000 for a loaded file); NB201 and DARTS keep batch statistics', () => {
    expect(est({ ...base, space: 'ofa' })).toMatchObject({ evalBatchNorm: 'recalibrate', calibrationImages: 256, epochs: 1 });
    for (const space of ['nb201', 'darts']) {
      const e = est({ ...base, space });
      expect([e.evalBatchNorm, e.calibrationImages, e.pretrained]).toEqual([undefined, undefined, undefined]);
    }
    const f = write(torchCheckpointBytes(tensorsOf(calibratedSmall())));
    const e = est({ ...base, space: 'ofa', pretrained: f });
    expect(e).toMatchObject({ evalBatchNorm: 'recalibrate', calibrationImages: 2000, epochs: 0, pretrained: { file: f } });
    expect(e.pretrained?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(est({ ...base, space: 'ofa', pretrained: f, evalBatchNorm: 'running' })).toMatchObject({ evalBatchNorm: 'running', epochs: 0 });
    expect(est({ ...base, space: 'ofa', pretrained: f, settings: { epochs: 2 } }).epochs).toBe(2); // fine-tuning
    expect(() => est({ ...base, space: 'ofa', evalBatchNorm: 'running' })).toThrow(/--bn running needs statistics to run on/);
    expect(() => est({ ...base, space: 'nb201', evalBatchNorm: 'recalibrate' })).toThrow(/the nb201 supernet has no running statistics/);
    expect(() => est({ ...base, space: 'ofa', evalBatchNorm: 'batch', calibrationImages: 10 })).toThrow(/--calibration-images belongs to --bn recalibrate/);
    const zero = supernetRunConfig({ ...base, space: 'ofa' });
    if (zero.estimator.kind === 'supernet') zero.estimator.epochs = 0;
    expect(() => checkSupernetRun(zero, { name: 'mnist', images: 10000, height: 28, width: 28, channels: 1, classes: 10 })).toThrow(/epochs = 0 needs a loaded supernet/);
  });
});

/** A w0.25 OFA supernet of the embedded MNIST's shape (1 channel, 10 classes) with calibrated statistics. */
function calibratedSmall(): OfaSupernet {
  const n = new OfaSupernet({ inChannels: 1, classes: 10, widthMult: 0.25, downsamples: 4 }, new Rng(41));
  const x = tf.tensor4d(new Rng(42).fillUniform(new Float32Array(4 * 28 * 28), -1, 1), [4, 28, 28, 1]);
  n.recalibrate([x], config(7, 6, 4));
  x.dispose();
  return n;
}
