import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunManager } from '../../src-main/node/run-manager';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { mesaInstalled } from '../helpers/webgpu';
import { writeIdxPair } from '../helpers/idx';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');
const WORKERS = path.join(ROOT, 'out', 'node', 'workers');

function l2nas(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** 200 images of 8×8 in IDX, 3 classes by which third is bright: seconds per run even on llvmpipe. */
function idxDataset(dir: string): string[] {
  return writeIdxPair(dir, 'bright-third', 200, 8, (i, p) => (Math.floor(p / 22) === i % 3 ? 160 : 60) + ((i * 7 + p * 13) % 40), (i) => i % 3);
}

interface Doctor {
  chosen: string;
  backends: { backend: string; ok: boolean; reason: string; tried: boolean }[];
  webgpu: { adapters: { dawnBackend: string; featureLevel: string; vendor: string; architecture: string; device: string; description: string; software: boolean }[]; notFound: { dawnBackend: string; reason: string }[]; error?: string };
}

describe('WebGPU from the CLI', () => {
  const d = l2nas('doctor', '--json');
  const info = JSON.parse(d.out) as Doctor;
  const hasAdapter = info.webgpu.adapters.length > 0;

  it('doctor --json names every backend tried and each WebGPU adapter (vendor, architecture, Dawn backend, software or not); Dawn stays off stderr', () => {
    expect(d.code).toBe(0);
    expect(d.err).toBe('');
    expect(info.backends.map((b) => b.backend)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    for (const a of info.webgpu.adapters) {
      expect(Object.keys(a).sort()).toEqual(['architecture', 'dawnBackend', 'description', 'device', 'featureLevel', 'software', 'vendor']);
      expect(typeof a.software).toBe('boolean');
    }
    // Each Dawn backend is either an adapter or a reason.
    expect(info.webgpu.adapters.length + info.webgpu.notFound.length + (info.webgpu.error ? 1 : 0)).toBeGreaterThan(0);
    const webgpu = info.backends.find((b) => b.backend === 'webgpu')!;
    if (hasAdapter && info.webgpu.adapters.every((a) => a.software)) {
      // A software rasteriser is never chosen automatically.
      expect(webgpu.ok).toBe(false);
      expect(webgpu.reason).toMatch(/only a software adapter .* never chosen automatically, use --backend webgpu/);
      expect(info.chosen).not.toBe('webgpu');
    }
    if (process.env.CI && mesaInstalled()) expect(hasAdapter, `CI installed Mesa but: ${JSON.stringify(info.webgpu)}`).toBe(true);
  });

  it('search --estimator supernet and train with --backend webgpu run on WebGPU; result.json says so', (ctx) => {
    if (!hasAdapter) ctx.skip(`no WebGPU adapter: ${JSON.stringify(info.webgpu)}`);
    const dir = tempDir('webgpu-cli');
    const [img, lab] = idxDataset(dir);
    const data = ['--dataset', 'idx', '--data', img, '--data', lab];
    const s = l2nas('search', '--estimator', 'supernet', ...data, '--epochs', '1', '--channels', '2', '--cells', '1', '--train-images', '64', '--batch', '16', '--steps', '4', '--random', '2', '--backend', 'webgpu', '--out', path.join(dir, 'search'), '-q');
    expect(s.code, s.out + s.err).toBe(0);
    const search = JSON.parse(fs.readFileSync(path.join(dir, 'search', 'result.json'), 'utf8'));
    expect(search.backend).toBe('webgpu');
    expect(search.status).toBe('completed');
    expect(search.best.value).toBeGreaterThan(0);
    const t = l2nas('train', '--space', 'nb201', '--arch', '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|', ...data, '--epochs', '1', '--channels', '2', '--cells', '1', '--batch', '16', '--train-images', '64', '--backend', 'webgpu', '--out', path.join(dir, 'train'), '-q');
    expect(t.code, t.out + t.err).toBe(0);
    const train = JSON.parse(fs.readFileSync(path.join(dir, 'train', 'result.json'), 'utf8'));
    expect(train.backend).toBe('webgpu');
    expect(Number.isFinite(train.epochs[0].trainLoss)).toBe(true);
  });

  it('the API: doctor reports the adapters, and a supernet search asked for on webgpu runs there in the training worker', async (ctx) => {
    const runs = tempDir('webgpu-api');
    const manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, workerEntry: path.join(WORKERS, 'search-worker.js'), trainingWorkerEntry: path.join(WORKERS, 'training-worker.js'), log: () => {} });
    try {
      const doctor = await manager.doctor();
      expect(doctor.webgpu.adapters).toEqual(info.webgpu.adapters);
      expect(doctor.backends.find((b) => b.backend === 'webgpu')).toBeDefined();
      if (!hasAdapter) ctx.skip(`no WebGPU adapter: ${JSON.stringify(info.webgpu)}`);
      const [img, lab] = idxDataset(runs);
      const { id } = manager.startSupernetSearch({
        seed: 1,
        settings: { randomArchitectures: 1 },
        options: { space: 'nb201', dataset: { kind: 'idx', images: img, labels: lab }, method: 'l2nas', epochs: 1, steps: 3, C: 2, N: 1, batchSize: 16, trainImages: 64, backend: 'webgpu' },
      });
      expect(await manager.whenSettled(id)).toBe('completed');
      const detail = manager.get(id);
      expect(detail.config.backend).toBe('webgpu');
      expect(detail.result?.backend).toBe('webgpu');
    } finally {
      manager.dispose();
    }
  }, 300_000);
});
