import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src-main/contracts/run';
import type { RunDetail } from '../../src-main/contracts/studio-api';
import { DARTS_V2, formatGenotype } from '../../src-main/common/spaces/darts';
import { exportRun, historyCsv, isOfaSupernetSearch } from '../../src-main/node/run-export';
import { buildOfaNetwork } from '../../src-main/core/network/ofa-network';
import { OFA_SUBNET_FILE, writeNetworkExports } from '../../src-main/node/exporters/network-export';
import { datasetResolution, ofaSubnetFileText } from '../../src-main/node/ofa-subnet-config';
import { UsageError } from '../../src-main/node/run-config';
import { tempDir } from '../helpers/fixture-tables';

const A = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|';
const B = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const ev = (step: number, arch: string, value: number, phase = 'explore'): RunEvent => ({
  step, arch, key: arch, value, reward: 100 ** (value / 100), best: value, phase, epsilon: 0.5, criticLoss: null, actorLoss: 1.5, seconds: step / 10,
});

function detail(space: 'nb201' | 'darts', dir: string, result: RunDetail['result'] = null): RunDetail {
  return {
    summary: { id: 'r', dir, status: 'completed', error: null, space, estimator: 'table', method: 'l2nas', preset: 'nb201', metric: 'acc', steps: 2, stepsDone: 2, best: 1, seconds: 1, createdAt: '' },
    config: { space } as RunDetail['config'],
    result,
    training: [],
  };
}

describe('run exports', () => {
  it('writes the history as RFC 4180 CSV: arch strings with commas are quoted, nulls empty', () => {
    const g = formatGenotype(DARTS_V2); // contains commas and quotes
    const csv = historyCsv([ev(0, g, 50, 'warm"up')]).split('\n');
    expect(csv[0]).toBe('step,arch,key,value,reward,best,phase,epsilon,criticLoss,actorLoss,seconds');
    expect(csv[1]).toBe(`0,"${g.replace(/"/g, '""')}","${g.replace(/"/g, '""')}",50,${100 ** 0.5},50,"warm""up",0.5,,1.5,0`);
  });

  it('writes the best architecture in its space text form, from result.json or the best event', () => {
    const dir = tempDir('export');
    const running = exportRun(detail('nb201', dir), [ev(0, A, 70), ev(1, B, 94), ev(2, A, 80)], 'arch');
    expect(running.path).toBe(path.join(dir, 'exports', 'best-arch.txt'));
    expect(fs.readFileSync(running.path, 'utf8')).toBe(`${B}\n`);
    const done = exportRun(detail('nb201', dir, { version: 1, status: 'completed', best: { arch: A, key: A, value: 1, metrics: {}, step: 0 }, steps: 1, seconds: 1, backend: 'wasm', queriesToOptimum: null }), [], 'arch');
    expect(fs.readFileSync(done.path, 'utf8')).toBe(`${A}\n`);
    const darts = exportRun(detail('darts', dir), [ev(0, formatGenotype(DARTS_V2), 97)], 'arch');
    expect(path.basename(darts.path)).toBe('best-genotype.txt');
    expect(() => exportRun(detail('nb201', dir), [], 'arch')).toThrow(/no queries yet/);
  });

  it('accepts only a script-free SVG and a real PNG as figures', () => {
    const dir = tempDir('export-fig');
    const d = detail('nb201', dir);
    const svg = exportRun(d, [], 'figure-svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    expect(fs.readFileSync(svg.path, 'utf8')).toContain('<rect/>');
    for (const bad of ['<html></html>', '<svg><script>alert(1)</script></svg>', '<svg onload="x()"></svg>', undefined]) {
      expect(() => exportRun(d, [], 'figure-svg', bad)).toThrow(UsageError);
    }
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const out = exportRun(d, [], 'figure-png', png.toString('base64'));
    expect(fs.readFileSync(out.path)).toEqual(png);
    expect(() => exportRun(d, [], 'figure-png', Buffer.from('GIF89a....').toString('base64'))).toThrow(/not a base64 PNG/);
  });

  it("writes an OFA run's best subnet as OFA's set_active_subnet config with the run's resolution r, the same text as l2nas export --format ofa", async () => {
    const dir = tempDir('export-ofa');
    const ks = Array.from({ length: 20 }, (_, i) => [3, 5, 7][i % 3]);
    const e = Array.from({ length: 20 }, (_, i) => [3, 4, 6][(i + 1) % 3]);
    const d = [2, 3, 4, 2, 3];
    const arch = JSON.stringify({ ks, e, d });
    const ofa: RunDetail = {
      ...detail('nb201', dir),
      config: { space: 'ofa', estimator: { kind: 'supernet', dataset: { kind: 'mnist-embedded' } } } as unknown as RunDetail['config'],
    };
    expect(isOfaSupernetSearch(ofa)).toBe(true);
    const out = exportRun(ofa, [ev(0, arch, 40), { ...ev(1, JSON.stringify({ ks: e.map(() => 7), e, d }), 90), overBudget: true as const }], 'arch', undefined, { resolution: 28 });
    expect(path.basename(out.path)).toBe('best-arch.json');
    const text = fs.readFileSync(out.path, 'utf8');
    expect(text).toBe(`{"ks":[${ks}],"e":[${e}],"d":[${d}],"r":28}\n`); // the over-budget subnet is never the best
    expect(JSON.parse(text)).toEqual({ ks, e, d, r: 28 });
    // The CLI's --format ofa writes the same text for the same subnet at the same resolution (one function).
    const desc = buildOfaNetwork({ ks, e, d }, { input: [28, 28, 1], classes: 10, widthMult: 0.25, downsamples: 3 });
    const cli = path.join(dir, 'cli');
    writeNetworkExports(desc, null, ['ofa'], cli, 'described only');
    expect(fs.readFileSync(path.join(cli, OFA_SUBNET_FILE), 'utf8')).toBe(text);
    expect(ofaSubnetFileText(text, 28, 'x')).toBe(text);
    // Without the resolution there is nothing honest to write; a subnet naming another resolution is refused.
    expect(() => exportRun(ofa, [ev(0, arch, 40)], 'arch')).toThrow(/resolution is needed/);
    expect(() => ofaSubnetFileText(JSON.stringify({ ks, e, d, r: 224 }), 28, 'run r: best subnet')).toThrow(/run r: best subnet: the subnet names resolution 224, but it was measured at 28×28/);
    expect(() => ofaSubnetFileText(JSON.stringify({ ks: [3], e, d }), 28, 'run r')).toThrow(/run r: OFA config: "ks" needs 20 kernel sizes, got 1/);
    // Model exports of an OFA search are made by a worker, never inline here.
    expect(() => exportRun(ofa, [ev(0, arch, 40)], 'model-onnx')).toThrow(/made in a worker/);
    expect(() => exportRun(detail('nb201', dir), [ev(0, A, 40)], 'model-onnx')).toThrow(UsageError);
  });

  it("knows a run's resolution from its dataset spec, reading the files only when the spec does not say it", async () => {
    const never = () => {
      throw new Error('read');
    };
    expect(await datasetResolution({ kind: 'cifar10', files: ['a.bin'] }, never)).toBe(32);
    expect(await datasetResolution({ kind: 'imagenet-downsampled', files: ['b'], size: 16 }, never)).toBe(16);
    expect(await datasetResolution({ kind: 'image-folder', root: '/x', size: 40 }, never)).toBe(40);
    expect(await datasetResolution({ kind: 'mnist-embedded' }, () => ({ name: 'mnist', images: 10, height: 28, width: 28, channels: 1, classes: 10 }))).toBe(28);
    await expect(datasetResolution({ kind: 'idx', images: 'i', labels: 'l' }, () => ({ name: 'idx', images: 10, height: 28, width: 20, channels: 1, classes: 10 }))).rejects.toThrow(/28×20; an OFA subnet takes square images/);
  });
});
