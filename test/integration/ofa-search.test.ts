import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunConfigSchema, RunEventSchema, RunResultSchema } from '../../src-main/contracts/run';
import { parseOfaConfig } from '../../src-main/common/spaces/ofa';
import { ofaCostModel } from '../../src-main/core/supernet/ofa-cost';
import { tempDir } from '../helpers/fixture-tables';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'l2nas.cjs');

function l2nas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const readEvents = (dir: string) => fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => RunEventSchema.parse(JSON.parse(l)));

/**
 * A small OFA search from the CLI on the embedded MNIST (28×28): w0.25 with OFA's five stride-2
 * steps (N = 5: MACs 0.40–1.5 M per image, median ~0.94 M), so a 0.9 M budget rejects about half
 * of what the methods propose.
 */
describe('OFA supernet search from the CLI (demo --space ofa)', () => {
  const small = (out: string, ...more: string[]) => ['demo', '--space', 'ofa', '--epochs', '1', '--train-images', '128', '--cells', '5', '--steps', '8', '--random', '2', '--out', out, ...more];

  it('trains, searches under a MAC budget, and records every query\'s MACs and params; over-budget subnets are never queried nor best', () => {
    const dir = path.join(tempDir('ofa-cli-'), 'run');
    const r = l2nas(...small(dir, '--method', 'random', '--max-macs', '0.9'));
    expect(r.code, r.out).toBe(0);
    const config = RunConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
    expect(config.estimator).toMatchObject({ kind: 'supernet', C: 25, N: 5, maxMacs: 0.9 });
    const model = ofaCostModel({ inChannels: 1, classes: 10 }, 25, 5);
    const events = readEvents(dir);
    expect(events).toHaveLength(8);
    for (const e of events) {
      const cost = model.cost(parseOfaConfig(e.arch), 28, 28);
      expect({ macs: e.macs, params: e.params }).toEqual(cost);
      expect(e.overBudget === true, `step ${e.step}: ${cost.macs} MACs`).toBe(cost.macs > 0.9e6);
      if (e.overBudget) expect(e.value).toBe(0);
    }
    expect(events.some((e) => e.overBudget) && events.some((e) => !e.overBudget)).toBe(true); // the budget binds here
    const result = RunResultSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')));
    expect(result.best.metrics.macs).toBeLessThanOrEqual(0.9e6);
    expect(events[result.best.step].overBudget).toBeUndefined();
    expect(r.out).toMatch(/million MACs per image \(budget 0\.9 M\)/);
    expect(r.out).toMatch(/2 random architectures within 0\.9 million MACs on the same supernet/); // the comparison obeys the budget too
  }, 120_000);

  it('a run whose every query was over the budget ends with an error saying so (not a bare "no query")', () => {
    const dir = path.join(tempDir('ofa-cli-'), 'run');
    // 0.401 M: only subnets within a thousand MACs of the smallest fit; L²NAS's random warm-up proposes none of them in 2 steps.
    const r = l2nas(...small(dir, '--method', 'l2nas', '--max-macs', '0.401', '--steps', '2'));
    expect(r.code).not.toBe(0);
    const events = readEvents(dir);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.overBudget === true)).toBe(true);
    expect(r.out).toMatch(/none of the 2 queried architectures was within the budget .*raise the budget \(--max-macs \/ maxMacs\) or search with more steps/);
    expect(fs.existsSync(path.join(dir, 'result.json'))).toBe(false);
  }, 120_000);

  it('refuses a budget no subnet meets, before any folder is written, naming the smallest subnet\'s cost', () => {
    const dir = path.join(tempDir('ofa-cli-'), 'run');
    const r = l2nas(...small(dir, '--max-macs', '0.3'));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/--max-macs 0\.3: no subnet fits; the smallest ofa subnet \(C = 25, N = 5\) needs 0\.400 million MACs per 28×28 image/);
    expect(fs.existsSync(dir)).toBe(false);
    const nb = l2nas('demo', '--space', 'nb201', '--max-macs', '5', '--out', dir);
    expect(nb.code).not.toBe(0);
    expect(nb.out).toMatch(/the nb201 supernet has no MAC model here; budgets apply to: ofa/);
    expect(fs.existsSync(dir)).toBe(false);
    expect(l2nas('demo', '--help').out).toMatch(/rejected before querying/);
  });
});
