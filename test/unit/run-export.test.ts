import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src-main/contracts/run';
import type { RunDetail } from '../../src-main/contracts/studio-api';
import { DARTS_V2, formatGenotype } from '../../src-main/common/spaces/darts';
import { exportRun, historyCsv } from '../../src-main/node/run-export';
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
});
