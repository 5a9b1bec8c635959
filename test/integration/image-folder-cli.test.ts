import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainResultSchema } from '../../src-main/contracts/train';
import { readTrainConfig } from '../../src-main/node/train-session';
import { tempDir } from '../helpers/fixture-tables';
import { makeImageFolder } from '../helpers/image-folder';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const ARCH = '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|';

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'out', 'node', 'cli', 'main.js'))) throw new Error('run `npm run build` first (npm test does)');
});

describe('--dataset image-folder from the CLI', () => {
  it('trains on a folder of class sub-folders at --image-size; config.json records the folder; bad flags exit 2 with no folder', () => {
    const data = makeImageFolder(4); // 3 classes × 12 images
    const out = path.join(tempDir('imgfolder-cli'), 'run');
    const r = l2nas('train', '--space', 'nb201', '--arch', ARCH, '--dataset', 'image-folder', '--data', data, '--image-size', '12', '--epochs', '6', '--channels', '2', '--cells', '1', '--batch', '4', '--out', out, '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readTrainConfig(out).dataset).toEqual({ kind: 'image-folder', root: data, size: 12 });
    const result = TrainResultSchema.parse(JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')));
    expect(result.epochs).toHaveLength(6);
    // Three solid colours: six epochs of a tiny network (18 training images) separates them better than chance.
    expect(result.valAccuracy).toBeGreaterThan(100 / 3);

    const bad = path.join(tempDir('imgfolder-cli'), 'bad');
    for (const [args, re] of [
      [['--dataset', 'image-folder', '--data', data], /needs --image-size/],
      [['--dataset', 'image-folder', '--data', data, '--image-size', '4'], /--image-size/],
      [['--dataset', 'image-folder', '--image-size', '12'], /needs one --data <folder>/],
      [['--dataset', 'mnist', '--image-size', '12'], /apply to --dataset image-folder only/],
      [['--dataset', 'image-folder', '--data', path.join(data, 'a-cat'), '--image-size', '12'], /a-cat: has no class sub-folders/],
    ] as const) {
      const b = l2nas('train', '--space', 'nb201', '--arch', ARCH, '--epochs', '1', ...args, '--out', bad);
      expect(b.code, b.err).toBe(2);
      expect(b.err).toMatch(re);
      expect(fs.existsSync(bad)).toBe(false);
    }
  });
});
