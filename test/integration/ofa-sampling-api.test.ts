import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../src-main/contracts/run';
import { RunManager } from '../../src-main/node/run-manager';
import { dispatchStudioCall } from '../../src-main/node/studio-dispatch';
import { readSupernetCheckpoint } from '../../src-main/node/supernet-checkpoint';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { tempDir } from '../helpers/fixture-tables';
import { invalidRequest } from '../helpers/studio-calls';

/**
 * OFA's progressive shrinking from the app (issue #11 item 5, the API side of the CLI's
 * --sampling): `startSupernetSearch` with `sampling` writes it to config.json as the CLI does
 * (only when not uniform) and the run trains and searches to the end; a supernet whose spec
 * lists no such sampling (nb201) and a value outside SUPERNET_SAMPLINGS are refused as
 * invalid-request naming the field, before any run folder exists. A w0.25 OFA supernet on 128
 * embedded MNIST digits, 1 epoch of 8 steps.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'out', 'node', 'workers', 'training-worker.js');

let runs: string;
let manager: RunManager;

beforeAll(() => {
  if (!fs.existsSync(ENTRY)) throw new Error('run `npm run build` first (npm test does)');
  runs = path.join(tempDir('ofa-sampling-api'), 'runs');
  fs.mkdirSync(runs);
  manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, trainingWorkerEntry: ENTRY, log: () => {} });
});
afterAll(() => manager?.dispose());

const call = (c: unknown) => dispatchStudioCall(manager, c);
const search = (o: Record<string, unknown> = {}) =>
  call({ method: 'startSupernetSearch', seed: 3, options: { space: 'ofa', dataset: { kind: 'mnist-embedded' }, method: 'random', epochs: 1, trainImages: 128, batchSize: 16, steps: 2, randomArchitectures: 1, ...o } });
const configOf = (id: string) => RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(runs, id, 'config.json'), 'utf8')));
const refusal = invalidRequest;

describe('supernet sampling from the API', () => {
  it('progressive shrinking: config.json records it, the run completes; uniform from the same seed is not recorded and trains other paths', async () => {
    const started = await search({ sampling: 'progressive-shrinking' });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const id = (started as { value: { id: string } }).value.id;
    const uniform = await search({ sampling: 'uniform' });
    expect(uniform.ok, JSON.stringify(uniform)).toBe(true);
    const uid = (uniform as { value: { id: string } }).value.id;
    expect(await manager.whenSettled(id)).toBe('completed');
    expect(await manager.whenSettled(uid)).toBe('completed');

    expect(configOf(id).estimator).toMatchObject({ kind: 'supernet', sampling: 'progressive-shrinking', epochs: 1, trainImages: 128 });
    expect(configOf(uid).estimator).not.toHaveProperty('sampling');
    expect(fs.readFileSync(path.join(runs, id, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    // The sampler reached the trainer: the same seed and data, other paths trained, other losses.
    const [ps, u] = [readSupernetCheckpoint(path.join(runs, id))!, readSupernetCheckpoint(path.join(runs, uid))!];
    expect(ps.reports).toHaveLength(1);
    expect(ps.reports.map((r) => r.loss)).not.toEqual(u.reports.map((r) => r.loss));
  }, 300_000);

  it('refuses, naming sampling, progressive shrinking for nb201 and an unknown sampling; no folder is written', async () => {
    const before = fs.readdirSync(runs).length;
    expect(await refusal(search({ space: 'nb201', sampling: 'progressive-shrinking' }))).toMatch(/^sampling progressive-shrinking: the nb201 supernet trains with uniform sampling only/);
    expect(await refusal(search({ sampling: 'shrinking' }))).toMatch(/^invalid call at options\.sampling: /);
    expect(fs.readdirSync(runs).length).toBe(before);
  }, 60_000);
});
