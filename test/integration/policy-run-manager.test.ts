import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartSearchRequest } from '../../src-main/contracts/studio-api';
import { readRunConfig } from '../../src-main/node/run-folder';
import { readPolicyFile, RUN_POLICY_FILES } from '../../src-main/node/policy-file';
import { RunManager } from '../../src-main/node/run-manager';
import { forkNodeWorker } from '../../src-main/node/worker-host';
import { compatiblePolicyRuns, initialForm, applyPreset, withPolicyRun } from '../../src-renderer/lib/search-form';
import { tempDir, writeSyntheticNb201 } from '../helpers/fixture-tables';

/** "Start from the policy of run X" through the run manager (what the app and serve call). */
const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'out', 'node', 'workers', 'search-worker.js');

let runs: string;
let csv: string;
let manager: RunManager;
const request = (preset: string, metric: string, steps: number, policyRun?: string): StartSearchRequest => ({
  space: 'nb201', method: 'l2nas', preset, benchmark: [csv], metric, report: [], steps, seed: 1, ...(policyRun ? { policyRun } : {}),
});

beforeAll(() => {
  if (!fs.existsSync(ENTRY)) throw new Error('run `npm run build` first (npm test does)');
  runs = tempDir('policy-runs');
  csv = writeSyntheticNb201(path.join(tempDir('policy-table'), 't.csv'), ['src', 'dst']);
  manager = new RunManager({ runsDir: runs, launch: forkNodeWorker, workerEntry: ENTRY, log: () => {} });
});
afterAll(() => manager.dispose());

describe('fine-tuning runs in the app (issue #12 item 3)', () => {
  it('the form lists compatible runs; a search started from one records the policy; an incompatible one is refused before any folder', async () => {
    const pre = manager.start(request('transfer-pretrain-short', 'src', 30));
    expect(await manager.whenSettled(pre.id)).toBe('completed');
    const other = manager.start({ ...request('nb201', 'src', 10), method: 'rea' });
    expect(await manager.whenSettled(other.id)).toBe('completed');
    const list = manager.list();
    const form = initialForm();
    applyPreset(form, 'transfer-finetune-short');
    // Only the L²NAS run of the same space and network shape is offered.
    expect(compatiblePolicyRuns(list, form).map((r) => r.id)).toEqual([pre.id]);
    applyPreset(form, 'transfer-finetune'); // 256-unit networks: the 128-unit policy does not fit
    expect(compatiblePolicyRuns(list, form)).toEqual([]);
    expect(withPolicyRun(request('transfer-finetune-short', 'dst', 10), pre.id, list).policyRun).toBe(pre.id);
    expect(withPolicyRun(request('transfer-finetune-short', 'dst', 10), 'gone', list).policyRun).toBeUndefined();

    const ft = manager.start(request('transfer-finetune-short', 'dst', 15, pre.id));
    expect(await manager.whenSettled(ft.id)).toBe('completed');
    const c = readRunConfig(path.join(runs, ft.id));
    const { sha256 } = readPolicyFile(path.join(runs, pre.id, RUN_POLICY_FILES.final));
    expect(c.policy).toMatchObject({ from: path.join(runs, pre.id), sha256, preset: 'transfer-pretrain-short', steps: 30 });
    expect(c.reward).toMatchObject({ kind: 'eq7', accEnvFrom: 'table-max', column: 'dst' });

    const before = fs.readdirSync(runs).length;
    expect(() => manager.start(request('transfer-finetune', 'dst', 10, pre.id))).toThrow(/final\.policy: the policy's networks have 3 hidden layers of 128 units/);
    expect(() => manager.start({ ...request('nb201', 'dst', 10, pre.id), method: 'random' })).toThrow(/L²NAS runs only/);
    expect(() => manager.start(request('transfer-finetune-short', 'dst', 10, other.id))).toThrow(/a rea run has no policy/);
    expect(fs.readdirSync(runs).length).toBe(before);
  });
});
