import type { AgentConfig } from '../../contracts/agent-config';
import type { Rng } from '../../common/rng';
import type { SearchSpace } from '../../common/spaces/space';
import type { Proposal, SearchStrategy, StepInfo } from '../../common/strategy';
import { epsilonAt } from './exploration';
import type { AdamState } from './flat-adam';
import { createNetworks, type AgentNetworks, type L2nasPolicy, type NetworkEngine } from './networks';
import { ReplayBuffer, type ReplaySnapshot } from './replay-buffer';
import { TopKState } from '../../common/top-k-state';
import { neighbours } from '../baselines/local-search';

export interface L2nasSnapshot {
  actor: Float32Array;
  critic: Float32Array;
  actorAdam: AdamState;
  criticAdam: AdamState;
  replay: ReplaySnapshot;
  topK: { key: string; reward: number; onehot: number[] }[];
  seen: string[];
  /** screenFrom 'walker' only: the walker, the rewards of the queried architectures, a restart in flight. */
  walker?: { key: string; reward: number; onehot: number[] } | null;
  rewards?: [string, number][];
  pendingRestart?: string | null;
}

export type { L2nasPolicy } from './networks';

/** Most single-choice mutations tried to turn a repeated architecture into an unseen one. */
const DEDUPE_TRIES = 100;
/** Tournament size when a repeat is replaced from the top-K (as REA's sample size). */
const TOURNAMENT = 3;
/** Most known architectures a walker steps through (known better neighbours, seen restart points) in one proposal. */
const WALKER_MOVES = 1000;

/**
 * The L²NAS agent (paper §2): a deterministic actor μ(s) proposes α, a
 * quantile critic Q(α) — which does not see the state — learns the reward distribution's
 * τ-quantile with the check loss, and the actor climbs Q. Off-policy (DDPG-like) training on
 * a replay buffer, C batches per step.
 */
export class L2nasAgent<A> implements SearchStrategy<A> {
  readonly method = 'l2nas' as const;
  private readonly nets: AgentNetworks;
  private replay: ReplayBuffer;
  private topK: TopKState;
  private seen = new Set<string>();
  // screenFrom 'walker' (issue #14): local search's current architecture, the rewards of the
  // queried architectures (a known neighbour is judged without a query), and the key of a restart
  // point proposed and not yet observed.
  private walker: { arch: A; key: string; reward: number } | null = null;
  private rewards = new Map<string, number>();
  private pendingRestart: string | null = null;
  private readonly dim: number;
  private readonly state: Float32Array;
  private readonly onehot: Float32Array;
  // Reused batch buffers: no per-step allocation on the hot path.
  private readonly sBatch: Float32Array;
  private readonly aBatch: Float32Array;
  private readonly rBatch: Float32Array;

  constructor(
    private readonly space: SearchSpace<A>,
    readonly cfg: AgentConfig,
    private readonly rng: Rng,
    /**
     * Which implementation of the networks (networks.ts): by default the WebAssembly SIMD one on
     * the WASM and CPU backends, TF.js ops elsewhere. Both give the same bits on WASM; tests compare them.
     */
    opts: { engine?: NetworkEngine } = {},
  ) {
    const D = (this.dim = space.dim);
    this.nets = createNetworks(D, cfg, rng, opts.engine);
    this.replay = new ReplayBuffer(D, cfg.bufferSize);
    this.topK = new TopKState(cfg.topK, D);
    this.state = new Float32Array(D);
    this.onehot = new Float32Array(D);
    this.sBatch = new Float32Array(cfg.batchSize * D);
    this.aBatch = new Float32Array(cfg.batchSize * D);
    this.rBatch = new Float32Array(cfg.batchSize);
  }

  /** μ(s) for one state. */
  act(state: Float32Array): Float32Array {
    return this.nets.act(state);
  }

  /** Q(α) for `rows` α's (row-major): the critic's quantile estimates. */
  criticValues(alphas: Float32Array, rows: number): Float32Array {
    return this.nets.criticValues(alphas, rows);
  }

  propose(step: number): Proposal<A> {
    const { cfg, rng } = this;
    let alpha: Float32Array;
    let phase: Proposal<A>['phase'];
    const epsilon = step < cfg.warmupSteps ? 1 : epsilonAt(step, cfg.epsilonStart, cfg.epsilonEnd, cfg.epsilonDecaySteps);
    if (step < cfg.warmupSteps) {
      phase = 'warmup';
      alpha = rng.fillUniform(new Float32Array(this.dim));
    } else if (rng.next() < epsilon) {
      phase = 'explore';
      alpha = rng.fillUniform(new Float32Array(this.dim));
    } else {
      phase = 'exploit';
      alpha = this.act(this.state);
      for (let i = 0; i < alpha.length; i++) alpha[i] += rng.uniform(-cfg.xi, cfg.xi);
    }
    let arch = this.space.discretize(alpha);
    if (phase === 'exploit' && (cfg.screen ?? 0) > 0) {
      const pick = this.cfg.screenFrom === 'walker' ? this.walkerScreened(arch) : this.screened(arch);
      if (pick) {
        arch = pick;
        // The critic is then trained on what it screened: the queried architecture's α^d.
        alpha = this.space.encode(pick, new Float32Array(this.dim));
      }
    }
    let deduped = false;
    if (cfg.dedupe !== 'off' && this.seen.has(this.space.key(arch))) {
      arch = cfg.dedupe === 'top-k' ? this.unseenFromTopK(arch) : this.unseenNear(arch);
      deduped = true;
      // Keep α consistent with the queried architecture: its entries become the row maxima.
      let max = -Infinity;
      for (const v of alpha) max = Math.max(max, v);
      const onehot = this.space.encode(arch, this.onehot);
      for (let i = 0; i < alpha.length; i++) if (onehot[i] === 1) alpha[i] = max + 1e-3;
    }
    return { arch, alpha, phase, epsilon, deduped };
  }

  /**
   * cfg.screen > 0: of the unseen one-choice neighbours of the best `screen` top-K architectures
   * that have one, and the actor's own proposal, the one whose α^d the critic rates highest (first on ties); null when
   * every one is known. The critic is a learned surrogate of the reward quantile, so this is a
   * local search around the best architectures with a learned move order (BANANAS-style
   * screening, issue #14); the actor is still trained and still competes through its proposal.
   */
  private screened(own: A): A | null {
    const cands: A[] = [];
    const keys = new Set<string>();
    const add = (a: A) => {
      const k = this.space.key(a);
      if (!this.seen.has(k) && !keys.has(k)) {
        keys.add(k);
        cands.push(a);
      }
    };
    add(own);
    // Parents: the best `screen` top-K architectures that still have an unseen neighbour (an
    // exhausted one is a local optimum: the search moves down the top-K, as local search restarts).
    let parents = 0;
    for (const t of this.topK.list()) {
      if (parents >= (this.cfg.screen ?? 0)) break;
      const before = cands.length;
      for (const n of neighbours(this.space, this.space.discretize(t.onehot), this.rng)) add(n);
      if (cands.length > before) parents++;
    }
    return this.bestRated(cands);
  }

  /** The candidate whose α^d the critic rates highest (first on ties); null for none. */
  private bestRated(cands: A[]): A | null {
    if (cands.length === 0) return null;
    const D = this.dim;
    const enc = new Float32Array(cands.length * D);
    cands.forEach((a, i) => this.space.encode(a, enc.subarray(i * D, (i + 1) * D)));
    const q = this.nets.criticValues(enc, cands.length);
    let best = 0;
    for (let i = 1; i < q.length; i++) if (q[i] > q[best]) best = i;
    return cands[best];
  }

  /**
   * cfg.screenFrom 'walker': the screen of a local search's walker instead of the top-K. The
   * walker first moves to its best known neighbour while one is better than it (no query spent,
   * as local search judges a known neighbour by its value); then, of its unseen one-choice
   * neighbours and the actor's own proposal, the one Q rates highest is queried. A walker
   * without an unseen neighbour is a local optimum: the search restarts from a uniformly random
   * architecture (queried as is; a known one becomes the walker at once). observe() moves the
   * walker to the first queried architecture better than it. Null before the first observation.
   */
  private walkerScreened(own: A): A | null {
    const { space } = this;
    for (let moves = 0; this.walker && moves < WALKER_MOVES; moves++) {
      const w = this.walker;
      const ns = neighbours(space, w.arch, this.rng);
      let better: { arch: A; key: string; reward: number } | null = null;
      const unseen: A[] = [];
      for (const n of ns) {
        const k = space.key(n);
        const r = this.rewards.get(k);
        if (r === undefined) {
          if (!this.seen.has(k)) unseen.push(n);
        } else if (r > w.reward && (!better || r > better.reward)) better = { arch: n, key: k, reward: r };
      }
      if (better) {
        this.walker = better;
        continue;
      }
      if (unseen.length > 0) {
        const ownKey = space.key(own);
        const cands = this.seen.has(ownKey) || unseen.some((n) => space.key(n) === ownKey) ? unseen : [own, ...unseen];
        return this.bestRated(cands);
      }
      const x = space.sample(this.rng);
      const k = space.key(x);
      const r = this.rewards.get(k);
      if (r === undefined) {
        this.pendingRestart = k;
        return x;
      }
      this.walker = { arch: x, key: k, reward: r };
    }
    return null;
  }

  /** A random walk of one-choice mutations from `arch` until an unseen architecture. */
  private unseenNear(arch: A): A {
    for (let i = 0; i < DEDUPE_TRIES && this.seen.has(this.space.key(arch)); i++) arch = this.space.mutate(arch, this.rng);
    return arch;
  }

  /** An unseen one-choice mutation of the best of 3 top-K architectures drawn at random. */
  private unseenFromTopK(fallback: A): A {
    const top = this.topK.list();
    for (let i = 0; i < DEDUPE_TRIES && top.length > 0; i++) {
      let parent = top[this.rng.int(top.length)];
      for (let k = 1; k < TOURNAMENT; k++) {
        const c = top[this.rng.int(top.length)];
        if (c.reward > parent.reward) parent = c;
      }
      const child = this.space.mutate(this.space.discretize(parent.onehot), this.rng);
      if (!this.seen.has(this.space.key(child))) return child;
    }
    return this.unseenNear(fallback);
  }

  observe(p: Proposal<A>, _value: number, reward: number): StepInfo {
    if (!p.alpha) throw new Error('L2nasAgent.observe: the proposal has no α');
    const key = this.space.key(p.arch);
    this.seen.add(key);
    if (this.cfg.screenFrom === 'walker') {
      this.rewards.set(key, reward);
      if (!this.walker || this.pendingRestart === key || reward > this.walker.reward) this.walker = { arch: p.arch, key, reward };
      this.pendingRestart = null;
    }
    this.replay.push(this.state, p.alpha, reward);
    if (this.topK.offer(key, reward, this.space.encode(p.arch, this.onehot))) this.topK.state(this.state);
    const B = this.cfg.batchSize;
    if (this.replay.size < B) return { criticLoss: null, actorLoss: null };
    const C = Math.min(Math.floor(this.replay.size / B), this.cfg.cMax);
    let losses: [number, number] = [NaN, NaN];
    for (let c = 0; c < C; c++) losses = this.trainBatch(c === C - 1) ?? losses;
    return { criticLoss: losses[0], actorLoss: losses[1] };
  }

  /** One critic and one actor update on a batch sampled with replacement from R. */
  private trainBatch(wantLoss: boolean): [number, number] | null {
    this.replay.sample(this.rng, this.cfg.batchSize, this.sBatch, this.aBatch, this.rBatch);
    return this.nets.train(this.sBatch, this.aBatch, this.rBatch, wantLoss);
  }

  snapshot(): L2nasSnapshot {
    return {
      ...this.nets.policy(),
      replay: this.replay.snapshot(),
      topK: this.topK.snapshot(),
      seen: [...this.seen],
      ...(this.cfg.screenFrom === 'walker'
        ? {
            walker: this.walker && { key: this.walker.key, reward: this.walker.reward, onehot: [...this.space.encode(this.walker.arch, new Float32Array(this.dim))] },
            rewards: [...this.rewards],
            pendingRestart: this.pendingRestart,
          }
        : {}),
    };
  }

  restore(snap: unknown): void {
    const s = snap as L2nasSnapshot;
    this.nets.setPolicy(s);
    this.replay = ReplayBuffer.restore(s.replay);
    this.topK = TopKState.restore(this.cfg.topK, this.dim, s.topK);
    this.topK.state(this.state);
    this.seen = new Set(s.seen);
    this.rewards = new Map(s.rewards ?? []);
    this.walker = s.walker ? { arch: this.space.discretize(Float32Array.from(s.walker.onehot)), key: s.walker.key, reward: s.walker.reward } : null;
    this.pendingRestart = s.pendingRestart ?? null;
  }

  // --- Policy transfer (issue #12, paper §2.4): the learned networks without the run's history. ---

  /** Actor, critic and their Adam states: what a policy file carries (node/policy-file.ts). */
  policy(): L2nasPolicy {
    return this.nets.policy();
  }

  /**
   * Starts from a saved policy: both networks and their Adam moments (so fine-tuning continues
   * the optimiser, paper §4.4); replay buffer, top-K and seen set stay this run's. Sizes are
   * checked first, so a refused policy leaves the agent untouched.
   */
  loadPolicy(p: L2nasPolicy): void {
    const want = { actor: this.nets.actorParams, critic: this.nets.criticParams };
    for (const [name, theta, adam] of [['actor', p.actor, p.actorAdam], ['critic', p.critic, p.criticAdam]] as const) {
      const n = want[name];
      if (theta.length !== n || adam.m.length !== n || adam.v.length !== n) {
        throw new Error(`the policy's ${name} has ${theta.length} parameters (Adam ${adam.m.length}/${adam.v.length}), this agent's has ${n}`);
      }
    }
    this.nets.setPolicy(p);
  }

  // --- end of policy transfer ---

  dispose(): void {
    this.nets.dispose();
  }
}
