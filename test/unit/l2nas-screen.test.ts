import { beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../../src-main/contracts/agent-config';
import { L2nasAgent } from '../../src-main/core/agent/l2nas-agent';
import { PRESETS, resolveAgentConfig } from '../../src-main/common/presets';
import { reward } from '../../src-main/common/rewards';
import { Rng } from '../../src-main/common/rng';
import { nb201Space, type Nb201Arch } from '../../src-main/common/spaces/nb201';
import { useBackend } from '../helpers/tf-backend';

const toyAccuracy = (a: Nb201Arch) => 60 + 5 * a.filter((op) => op === 3).length + a.filter((op) => op === 2).length;
const diff = (a: Nb201Arch, b: Nb201Arch) => a.filter((op, e) => op !== b[e]).length;

function step(agent: L2nasAgent<Nb201Arch>, t: number) {
  const p = agent.propose(t);
  const acc = toyAccuracy(p.arch);
  agent.observe(p, acc, reward(acc));
  return { arch: p.arch, key: nb201Space.key(p.arch), phase: p.phase, acc, alpha: Array.from(p.alpha!) };
}

beforeAll(() => useBackend('wasm'));

describe('L²NAS with critic screening (nb201-fast)', () => {
  it('is off in every other preset, and a config written before the setting existed reads as off', () => {
    // Absent, not 0, in the other presets: their config.json and checkpoints are byte-for-byte
    // what they were before the setting existed, so runs paused then still resume.
    for (const [name, p] of Object.entries(PRESETS)) expect('screen' in p, name).toBe(name === 'nb201-fast');
    expect(PRESETS['nb201-fast'].screen).toBe(1);
    expect(Object.keys(resolveAgentConfig('nb201-tuned'))).not.toContain('screen');
    expect(AgentConfigSchema.parse({ ...resolveAgentConfig('nb201-tuned') })).toEqual(resolveAgentConfig('nb201-tuned'));
    expect(() => resolveAgentConfig('nb201-fast', { screen: -1 })).toThrow(/screen/);
  });

  it('an exploit step queries an unseen neighbour of a top architecture (or the actor proposal), with α = its α^d', () => {
    const cfg = resolveAgentConfig('nb201-fast', { screen: 1, epsilonStart: 0, epsilonEnd: 0, epsilonDecaySteps: 0 });
    const agent = new L2nasAgent(nb201Space, cfg, new Rng(21));
    const trace = Array.from({ length: 120 }, (_, t) => step(agent, t));
    expect(new Set(trace.map((s) => s.key)).size).toBe(trace.length);
    let best = trace[0];
    let nearBest = 0, beforeOptimum = 0;
    for (const s of trace.slice(1)) {
      expect(s.phase).toBe('exploit');
      if (best.acc < 90) {
        // Until the optimum, the best's neighbourhood is never exhausted, so screening always picks.
        beforeOptimum++;
        expect(s.alpha).toEqual(Array.from(nb201Space.encode(s.arch)));
        if (diff(s.arch, best.arch) === 1) nearBest++;
      }
      if (s.acc > best.acc) best = s;
    }
    // Hill climbing on the toy landscape: all six edges nor_conv_3x3 (90) well within 120 queries.
    expect(best.acc).toBe(90);
    // With screen = 1 every candidate but the actor's own proposal is a neighbour of the best.
    expect(beforeOptimum).toBeGreaterThan(5);
    expect(nearBest).toBeGreaterThanOrEqual(0.7 * beforeOptimum);
    agent.dispose();
  });

  it('restores a snapshot and continues exactly like the original', () => {
    const cfg = resolveAgentConfig('nb201-fast');
    const rng = new Rng(22);
    const a = new L2nasAgent(nb201Space, cfg, rng);
    for (let t = 0; t < 130; t++) step(a, t);
    const snap = a.snapshot();
    const rngState = rng.getState();
    const cont = Array.from({ length: 20 }, (_, k) => step(a, 130 + k).key);
    const rng2 = new Rng(rngState);
    const b = new L2nasAgent(nb201Space, cfg, rng2);
    rng2.setState(rngState);
    b.restore(snap);
    expect(Array.from({ length: 20 }, (_, k) => step(b, 130 + k).key)).toEqual(cont);
    a.dispose();
    b.dispose();
  });
});
