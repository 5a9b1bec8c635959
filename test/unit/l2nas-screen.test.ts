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

describe('L²NAS screening a walker (screenFrom = walker)', () => {
  const walkerCfg = () => resolveAgentConfig('nb201-fast', { screenFrom: 'walker', epsilonStart: 0, epsilonEnd: 0, epsilonDecaySteps: 0 });
  const walkerOf = (a: L2nasAgent<Nb201Arch>) => a.snapshot().walker ?? null;

  it('is absent in every preset and validated', () => {
    for (const [name, p] of Object.entries(PRESETS)) expect('screenFrom' in p, name).toBe(false);
    expect(Object.keys(resolveAgentConfig('nb201-fast'))).not.toContain('screenFrom');
    expect(resolveAgentConfig('nb201-fast', { screenFrom: 'walker' }).screenFrom).toBe('walker');
    expect(() => resolveAgentConfig('nb201-fast', { screenFrom: 'best' as never })).toThrow(/screenFrom/);
    // Without the setting the snapshot carries no walker state (checkpoints as before).
    const a = new L2nasAgent(nb201Space, resolveAgentConfig('nb201-fast'), new Rng(1));
    step(a, 0);
    expect('walker' in a.snapshot()).toBe(false);
    a.dispose();
  });

  it('climbs from its walker, moves only to better architectures, and restarts at a local optimum', () => {
    const agent = new L2nasAgent(nb201Space, walkerCfg(), new Rng(23));
    const seen = new Set<string>();
    let restarts = 0, fromWalker = 0, exploit = 0;
    let sawOptimum = false;
    for (let t = 0; t < 400; t++) {
      const w = walkerOf(agent);
      const seenBefore = (n: Nb201Arch) => seen.has(nb201Space.key(n));
      const s = step(agent, t);
      expect(seen.has(s.key)).toBe(false);
      seen.add(s.key);
      const after = walkerOf(agent)!;
      if (s.acc === 90) sawOptimum = true;
      if (!w) {
        expect(after.key).toBe(s.key); // the first queried architecture is the walker
        continue;
      }
      exploit++;
      const wArch = nb201Space.discretize(Float32Array.from(w.onehot));
      const ns = [...Array(6).keys()].flatMap((e) => [0, 1, 2, 3, 4].filter((op) => op !== wArch[e]).map((op) => wArch.map((o, i) => (i === e ? op : o)) as Nb201Arch));
      // Known neighbours better than the walker move it without a query (then it may be exhausted).
      const exhausted = ns.every((n) => seen.has(nb201Space.key(n)) && !(seenBefore(n) && reward(toyAccuracy(n)) > w.reward)) || ns.some((n) => seenBefore(n) && reward(toyAccuracy(n)) > w.reward);
      if (diff(s.arch, wArch) === 1) fromWalker++;
      if (after.reward < w.reward) {
        // Only a restart makes the walker worse: its neighbourhood was exhausted (no better neighbour).
        restarts++;
        expect(after.key).toBe(s.key);
        expect(exhausted).toBe(true);
      } else expect(after.reward).toBe(Math.max(w.reward, reward(s.acc)));
    }
    // Hill climbing reaches the toy optimum (90), whose 24 neighbours are all worse: restarts follow.
    expect(sawOptimum).toBe(true);
    expect(restarts).toBeGreaterThan(0);
    expect(fromWalker).toBeGreaterThan(0.6 * exploit);
    agent.dispose();
  });

  it('restores a snapshot (walker included) and continues exactly like the original', () => {
    const cfg = walkerCfg();
    const rng = new Rng(24);
    const a = new L2nasAgent(nb201Space, cfg, rng);
    for (let t = 0; t < 150; t++) step(a, t);
    const real = a.snapshot();
    const rngState = rng.getState();
    const cont = Array.from({ length: 30 }, (_, k) => step(a, 150 + k).key);
    const rng2 = new Rng(rngState);
    const b = new L2nasAgent(nb201Space, cfg, rng2);
    rng2.setState(rngState);
    b.restore(real);
    expect(Array.from({ length: 30 }, (_, k) => step(b, 150 + k).key)).toEqual(cont);
    a.dispose();
    b.dispose();
  });
});
