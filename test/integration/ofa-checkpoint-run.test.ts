import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../src-main/contracts/run';
import { Rng } from '../../src-main/common/rng';
import { OfaSupernet } from '../../src-main/core/supernet/ofa-supernet';
import { ofaStateDict } from '../../src-main/core/supernet/ofa-torch';
import { sha256OfTorchCheckpoint } from '../../src-main/node/torch-checkpoint';
import * as tf from '@tensorflow/tfjs-core';
import { tempDir } from '../helpers/fixture-tables';
import { killAfterEvents } from '../helpers/kill-run';
import { useBackend } from '../helpers/tf-backend';
import { torchCheckpointBytes } from '../helpers/torch-zip';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * `l2nas search --estimator supernet --supernet-checkpoint`: a PyTorch checkpoint of OFA's
 * MobileNetV3 searched as it is (no training), with OFA's queries (BN recalibrated per subnet).
 * Real published checkpoints are not on this machine; the fixture is a w0.25 supernet in
 * torch.save's format (test/helpers/torch-zip.ts), on 256 generated CIFAR-10 records.
 */
describe('searching a loaded OFA checkpoint from the CLI', () => {
  const dir = tempDir('ofa-ckpt-run');
  const ckpt = path.join(dir, 'ofa_mbv3_w0.25.pth');
  const data = path.join(dir, 'data_batch_1.bin');
  const args = (out: string, ...more: string[]) => ['search', '--space', 'ofa', '--estimator', 'supernet', '--supernet-checkpoint', ckpt, '--channels', '25', '--cells', '5', '--dataset', 'cifar10', '--data', data, '--steps', '5', '--random', '2', '--method', 'random', '--checkpoint-every', '1', '--out', out, ...more];

  beforeAll(async () => {
    await useBackend('cpu');
    const rng = new Rng(5);
    const rec = Buffer.alloc(256 * 3073);
    for (let i = 0; i < 256; i++) {
      rec[i * 3073] = i % 10;
      for (let j = 1; j < 3073; j++) rec[i * 3073 + j] = rng.int(256);
    }
    fs.writeFileSync(data, rec);
    const net = new OfaSupernet({ inChannels: 3, classes: 10, widthMult: 0.25, downsamples: 5 }, new Rng(3));
    const x = tf.randomNormal([8, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    net.recalibrate([x], { ks: new Array(20).fill(7), e: new Array(20).fill(6), d: new Array(5).fill(4) });
    fs.writeFileSync(ckpt, torchCheckpointBytes(ofaStateDict(net), { wrap: true }));
    x.dispose();
    net.dispose();
  });

  it('searches without training, records the file\'s SHA-256, and a killed run resumes to the uninterrupted result', async () => {
    const whole = path.join(dir, 'whole');
    const r = l2nas(...args(whole));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Acc\(Env\) of the loaded supernet \(best of 5 sampled subnets\)/);
    const config = RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(whole, 'config.json'), 'utf8')));
    expect(config.estimator).toMatchObject({ kind: 'supernet', epochs: 0, evalBatchNorm: 'recalibrate', calibrationImages: 2000, pretrained: { file: ckpt, sha256: sha256OfTorchCheckpoint(ckpt) } });
    expect(fs.existsSync(path.join(whole, 'supernet-checkpoint.bin'))).toBe(false); // nothing trained, nothing copied
    const events = fs.readFileSync(path.join(whole, 'events.jsonl'), 'utf8');
    expect(events.trim().split('\n')).toHaveLength(5);

    const cut = path.join(dir, 'cut');
    await killAfterEvents(BIN, ROOT, args(cut, '-q'), cut, 2);
    const resumed = l2nas('resume', cut, '-q');
    expect(resumed.code, resumed.out).toBe(0);
    const strip = (s: string) => s.trim().split('\n').map((l) => { const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>; return rest; });
    expect(strip(fs.readFileSync(path.join(cut, 'events.jsonl'), 'utf8'))).toEqual(strip(events));

    // A checkpoint that changed since the run began is refused on resume (the result would not be this run's).
    const changed = path.join(dir, 'changed');
    await killAfterEvents(BIN, ROOT, args(changed, '-q'), changed, 1);
    const original = fs.readFileSync(ckpt);
    try {
      fs.writeFileSync(ckpt, Buffer.concat([original, Buffer.from([0])]));
      const c = l2nas('resume', changed, '-q');
      expect(c.code).not.toBe(0);
      expect(c.out).toMatch(/the checkpoint changed since this run was made/);
    } finally {
      fs.writeFileSync(ckpt, original);
    }
  }, 240_000);

  it('refuses a checkpoint of another width, and settings that need one, before any folder is written', () => {
    const out = path.join(dir, 'refused');
    const wide = l2nas(...args(out).map((a) => (a === '25' ? '50' : a)));
    expect(wide.code).not.toBe(0);
    expect(wide.out).toMatch(/not the state_dict of this OFA MobileNetV3 supernet — \d+ of another shape: .*its widths are those of C = 25; this supernet has C = 50/);
    expect(fs.existsSync(out)).toBe(false);
    const nb = l2nas('demo', '--space', 'nb201', '--supernet-checkpoint', ckpt, '--out', out);
    expect(nb.out).toMatch(/the nb201 supernet cannot load PyTorch checkpoints/);
    const running = l2nas('demo', '--space', 'ofa', '--bn', 'running', '--out', out);
    expect(running.out).toMatch(/--bn running needs statistics to run on: a --supernet-checkpoint/);
    const missing = l2nas(...args(out).map((a) => (a === ckpt ? path.join(dir, 'nope.pth') : a)));
    expect(missing.out).toMatch(/nope\.pth: cannot read the file/);
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);
});
