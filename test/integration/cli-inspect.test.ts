import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DARTS_V2, formatGenotype } from '../../src-main/common/spaces/darts';
import { tempDir } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const ALL_CONV = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
  dir = tempDir('inspect');
});

describe('l2nas inspect', () => {
  it('DARTS_V2 at C=36, 20 cells, 10 classes, 32×32 prints integer params and MACs as JSON (the published 3.349342 M, ≈ 528 M)', () => {
    const r = l2nas('inspect', '--space', 'darts', '--arch', formatGenotype(DARTS_V2), '--layers', '20', '--channels', '36', '--classes', '10', '--input', '32', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Number.isInteger(j.params) && Number.isInteger(j.macs)).toBe(true);
    expect(Math.abs(j.params - 3349342) / 3349342).toBeLessThan(0.005);
    expect(Math.abs(j.macs - 528e6) / 528e6).toBeLessThan(0.01);
    expect(j.layers.length).toBeGreaterThan(100);
    expect(j.layers[1]).toMatchObject({ layer: 'stem.conv', op: 'conv', shape: [32, 32, 108], params: 2916 });
  });

  it('NB201 all-nor_conv_3x3 at C=16: 1.5313 M params, 220.11 M MACs; text output names both', () => {
    const j = JSON.parse(l2nas('inspect', '--space', 'nb201', '--arch', ALL_CONV, '--channels', '16', '--classes', '10', '--input', '32', '--json').out);
    expect(Math.abs(j.params - 1.5313e6) / 1.5313e6).toBeLessThan(0.005);
    expect(Math.abs(j.macs - 220.11e6) / 220.11e6).toBeLessThan(0.01);
    const t = l2nas('inspect', '--space', 'nb201', '--arch', ALL_CONV);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(new RegExp(`params: ${j.params} `));
    expect(t.out).toMatch(new RegExp(`MACs: +${j.macs} `));
  });

  it("OFA w1.0 at 224 px (the defaults): the largest and smallest subnets' params and MACs as OFA's own code counts them", () => {
    const cfg = (k: number, e: number, d: number) => JSON.stringify({ ks: new Array(20).fill(k), e: new Array(20).fill(e), d: new Array(5).fill(d) });
    const big = JSON.parse(l2nas('inspect', '--space', 'ofa', '--arch', cfg(7, 6, 4), '--json').out);
    // OFA's count_net_flops prints 566,170,688: its float32 sum of the same layers (test/unit/ofa-network.test.ts).
    expect(big).toMatchObject({ params: 7_664_760, macs: 566_170_656, input: [224, 224, 3], classes: 1000 });
    const small = JSON.parse(l2nas('inspect', '--space', 'ofa', '--arch', cfg(3, 3, 2), '--input', '224', '--classes', '1000', '--channels', '100', '--json').out);
    expect(small).toMatchObject({ params: 3_410_792, macs: 121_278_672 });
    const w12 = l2nas('inspect', '--space', 'ofa', '--arch', cfg(3, 3, 2), '--channels', '120', '--input', '160', '--classes', '10');
    expect(w12.code).toBe(0);
    expect(w12.out).toMatch(/blocks\.17\.se\.reduce/);
    expect(w12.out).toMatch(/widthMult=1\.2/);
  });

  it.each([
    [['--space', 'nb201', '--arch', '|nor_conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|'], /--arch: unknown NAS-Bench-201 operation "nor_conv_9x9"/],
    [['--space', 'darts', '--arch', 'Genotype(normal=[oops])'], /--arch: DARTS genotype/],
    [['--space', 'darts', '--arch', formatGenotype(DARTS_V2), '--channels', '35'], /C = 35 is odd/],
    [['--space', 'nb201', '--arch', ALL_CONV, '--channels', '0'], /--channels must be a whole number from 1/],
    [['--space', 'nb201', '--arch', ALL_CONV, '--layers', '999'], /--layers must be a whole number from 1 to 64/],
    [['--space', 'ofa', '--arch', '{}'], /--arch: OFA config: "ks" needs 20 kernel sizes, got no list/],
    [['--space', 'ofa', '--arch', JSON.stringify({ ks: new Array(20).fill(3), e: new Array(20).fill(3), d: [2, 2, 2, 2, 9] })], /--arch: OFA config: d\[4\] = 9/],
    [['--space', 'ofa', '--arch', JSON.stringify({ ks: new Array(20).fill(3), e: new Array(20).fill(3), d: new Array(5).fill(2) }), '--channels', '500'], /width multiplier must be from 0.1 to 4/],
    [['--space', 'lstm', '--arch', '{}'], /--space/],
    [['--space', 'nb201', '--arch', ALL_CONV, '--export', 'pickle', '--out', 'x'], /--export: unknown export format "pickle"/],
    [['--space', 'nb201', '--arch', ALL_CONV, '--export', 'onnx'], /--export needs --out/],
  ])('bad input %j exits 2 naming what', (args, msg) => {
    const r = l2nas('inspect', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
  });

  it('--export writes an untrained network end to end (ONNX runs in onnxruntime-node; same seed, same bytes)', async () => {
    const arch = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';
    const common = ['inspect', '--space', 'nb201', '--arch', arch, '--channels', '4', '--layers', '1', '--classes', '5', '--input', '8', '--in-channels', '1', '--seed', '7'];
    const a = path.join(dir, 'a'), b = path.join(dir, 'b');
    const r = l2nas(...common, '--export', 'tfjs,onnx,arch,layers', '--out', a);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(a).sort()).toEqual(['README.txt', 'architecture.txt', 'group1-shard1of1.bin', 'layers.csv', 'model.json', 'model.onnx']);
    expect(l2nas(...common, '--export', 'onnx', '--out', b).code).toBe(0);
    expect(fs.readFileSync(path.join(b, 'model.onnx')).equals(fs.readFileSync(path.join(a, 'model.onnx')))).toBe(true);
    const s = await ort.InferenceSession.create(path.join(a, 'model.onnx'));
    const out = await s.run({ input: new ort.Tensor('float32', new Float32Array(2 * 64).fill(0.5), [2, 1, 8, 8]) });
    expect(out.logits.dims).toEqual([2, 5]);
    // Into a non-empty folder: refused, exit 2, the folder untouched.
    const again = l2nas(...common, '--export', 'arch', '--out', a);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/not empty/);
  });
});
