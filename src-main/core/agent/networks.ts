import * as tf from '@tensorflow/tfjs-core';
import type { AgentConfig } from '../../contracts/agent-config';
import type { Rng } from '../../common/rng';
import { FlatAdam, type AdamState } from './flat-adam';
import { FlatMlp } from './flat-mlp';
import { SimdMlp, simdMlpAvailable } from './simd-mlp';

/** The learned part of an agent: networks and optimiser states (policy files, issue #12). */
export interface L2nasPolicy {
  actor: Float32Array;
  critic: Float32Array;
  actorAdam: AdamState;
  criticAdam: AdamState;
}

/**
 * The agent's actor μ(s) and quantile critic Q(α) with their optimisers, and one training
 * update (paper §2.3, Eqs. 5–6). Two engines with the same arithmetic (issue #14):
 * - `SimdNetworks` (WASM and CPU backends, where WebAssembly SIMD exists: every runtime the
 *   project supports): the whole update in hand-written SIMD kernels (simd-mlp.ts).
 * - `TfNetworks` (GPU backends, or no SIMD): TF.js ops on flat θ tensors (flat-mlp.ts).
 * On the WASM backend both give the same bits (test/unit/simd-mlp.test.ts).
 */
export interface AgentNetworks {
  readonly actorParams: number;
  readonly criticParams: number;
  /** μ(s) for one state. */
  act(state: Float32Array): Float32Array;
  /** Q(α) for `rows` α's (row-major). */
  criticValues(alphas: Float32Array, rows: number): Float32Array;
  /**
   * One critic and one actor update on the batch (s, α, r) of B rows; the check loss and the
   * actor's loss when asked.
   */
  train(s: Float32Array, a: Float32Array, r: Float32Array, wantLoss: boolean): [number, number] | null;
  policy(): L2nasPolicy;
  /** Sizes are checked by the caller. */
  setPolicy(p: L2nasPolicy): void;
  dispose(): void;
}

export type NetworkEngine = 'simd' | 'tf';

/** The engine an agent uses by default on the current backend. */
export function defaultEngine(): NetworkEngine {
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && simdMlpAvailable() ? 'simd' : 'tf';
}

export function createNetworks(D: number, cfg: AgentConfig, rng: Rng, engine: NetworkEngine = defaultEngine()): AgentNetworks {
  return engine === 'simd' ? new SimdNetworks(D, cfg, rng) : new TfNetworks(D, cfg, rng);
}

/** The losses, through TF.js ops on the batch's few values exactly as before (their bits too). */
function lossesOf(d: Float32Array, q: Float32Array, tau: number): [number, number] {
  const out: [number, number] = [NaN, NaN];
  tf.tidy(() => {
    const dt = tf.tensor2d(d, [d.length, 1]);
    const closs = tf.mean(tf.maximum(tf.mul(dt, tau), tf.mul(dt, tau - 1)));
    const aloss = tf.neg(tf.mean(tf.tensor2d(q, [q.length, 1])));
    const v = tf.stack([closs, aloss]).dataSync();
    // Read inside the tidy: a typed array returned from tf.tidy is walked for tensors.
    out[0] = v[0];
    out[1] = v[1];
  });
  return out;
}

export class SimdNetworks implements AgentNetworks {
  private readonly actor: SimdMlp;
  private readonly critic: SimdMlp;
  private readonly d: Float32Array;
  private readonly q: Float32Array;

  constructor(
    private readonly D: number,
    private readonly cfg: AgentConfig,
    rng: Rng,
  ) {
    const hidden = Array.from({ length: cfg.hiddenLayers }, () => cfg.hidden);
    // 64 rows: the largest preset batch; screening and longer inputs run in chunks.
    const rows = Math.max(cfg.batchSize, 64);
    this.actor = new SimdMlp([D, ...hidden, D], 'sigmoid', rng, rows, cfg.actorLr, cfg.beta1, cfg.beta2);
    this.critic = new SimdMlp([D, ...hidden, 1], 'linear', rng, rows, cfg.criticLr, cfg.beta1, cfg.beta2);
    this.d = new Float32Array(cfg.batchSize);
    this.q = new Float32Array(cfg.batchSize);
  }

  get actorParams(): number {
    return this.actor.numParams;
  }

  get criticParams(): number {
    return this.critic.numParams;
  }

  act(state: Float32Array): Float32Array {
    return this.actor.predict(state, 1);
  }

  criticValues(alphas: Float32Array, rows: number): Float32Array {
    return this.critic.predict(alphas, rows);
  }

  train(s: Float32Array, a: Float32Array, r: Float32Array, wantLoss: boolean): [number, number] | null {
    const { D, cfg, actor, critic } = this;
    const B = cfg.batchSize;
    const P = critic.width(0);
    const tau = cfg.tau;
    // Critic: minimise mean ρ_τ(r − Q(α)) (check loss, paper Eq. 5).
    const cin = critic.input();
    for (let i = 0; i < B; i++) cin.set(a.subarray(i * D, (i + 1) * D), i * P);
    critic.forward(B);
    const QP = critic.width(critic.sizes.length - 1);
    const qOut = critic.outputs();
    const dq = critic.outputGrad();
    const oneMinusTau = Math.fround(1 - tau), invB = Math.fround(1 / B);
    for (let i = 0; i < B; i++) {
      const d = (this.d[i] = Math.fround(r[i] - qOut[i * QP]));
      // dρ/dQ = −τ where d > 0, (1 − τ) elsewhere; averaged over the batch (FlatMlp path: (1−τ − step(d))·(1/B)).
      dq[i * QP] = Math.fround(Math.fround(oneMinusTau - (d > 0 ? 1 : 0)) * invB);
    }
    critic.backward(B);
    critic.adamStep();
    // Actor: maximise mean Q(μ(s)) through the updated critic (paper Eq. 6).
    const ain = actor.input();
    for (let i = 0; i < B; i++) ain.set(s.subarray(i * D, (i + 1) * D), i * P);
    actor.forward(B);
    cin.set(actor.outputs().subarray(0, B * P));
    critic.forward(B);
    for (let i = 0; i < B; i++) this.q[i] = qOut[i * QP];
    dq.fill(0, 0, B * QP);
    const dQ = Math.fround(-1 / B);
    for (let i = 0; i < B; i++) dq[i * QP] = dQ;
    critic.inputGrad(B);
    actor.outputGrad().set(critic.inputGradient().subarray(0, B * P));
    actor.backward(B);
    actor.adamStep();
    return wantLoss ? lossesOf(this.d, this.q, tau) : null;
  }

  policy(): L2nasPolicy {
    return { actor: this.actor.values(), critic: this.critic.values(), actorAdam: this.actor.getAdamState(), criticAdam: this.critic.getAdamState() };
  }

  setPolicy(p: L2nasPolicy): void {
    this.actor.setValues(p.actor);
    this.critic.setValues(p.critic);
    this.actor.setAdamState(p.actorAdam);
    this.critic.setAdamState(p.criticAdam);
  }

  dispose(): void {
    // WebAssembly memory is garbage-collected with the instances.
  }
}

/** The TF.js-op engine (flat θ tensors, hand-written backward pass): GPU backends. */
export class TfNetworks implements AgentNetworks {
  private readonly actor: FlatMlp;
  private readonly critic: FlatMlp;
  private readonly actorOpt: FlatAdam;
  private readonly criticOpt: FlatAdam;
  private readonly dQ: tf.Tensor2D;

  constructor(
    private readonly D: number,
    private readonly cfg: AgentConfig,
    rng: Rng,
  ) {
    const hidden = Array.from({ length: cfg.hiddenLayers }, () => cfg.hidden);
    this.actor = new FlatMlp([D, ...hidden, D], 'sigmoid', rng);
    this.critic = new FlatMlp([D, ...hidden, 1], 'linear', rng);
    const impl = (m: FlatMlp) => (m.onHost ? 'host' : 'tensor');
    this.actorOpt = new FlatAdam(this.actor.numParams, cfg.actorLr, cfg.beta1, cfg.beta2, undefined, impl(this.actor));
    this.criticOpt = new FlatAdam(this.critic.numParams, cfg.criticLr, cfg.beta1, cfg.beta2, undefined, impl(this.critic));
    // d(−mean Q)/dQ for the actor's objective; constant, so made once.
    this.dQ = tf.keep(tf.fill([cfg.batchSize, 1], -1 / cfg.batchSize) as tf.Tensor2D);
  }

  get actorParams(): number {
    return this.actor.numParams;
  }

  get criticParams(): number {
    return this.critic.numParams;
  }

  act(state: Float32Array): Float32Array {
    return tf.tidy(() => {
      const acts = this.actor.forward(tf.tensor2d(state, [1, this.D]));
      return acts[acts.length - 1].dataSync() as Float32Array;
    });
  }

  criticValues(alphas: Float32Array, rows: number): Float32Array {
    return tf.tidy(() => {
      const acts = this.critic.forward(tf.tensor2d(alphas, [rows, this.D]));
      return acts[acts.length - 1].dataSync() as Float32Array;
    });
  }

  train(sBatch: Float32Array, aBatch: Float32Array, rBatch: Float32Array, wantLoss: boolean): [number, number] | null {
    const { cfg, D } = this;
    const B = cfg.batchSize;
    const tau = cfg.tau;
    const losses = tf.tidy((): tf.Tensor | undefined => {
      const S = tf.tensor2d(sBatch, [B, D]);
      const A = tf.tensor2d(aBatch, [B, D]);
      const R = tf.tensor2d(rBatch, [B, 1]);
      // Critic: minimise mean ρ_τ(r − Q(α)), ρ_τ(d) = max(τd, (τ−1)d) (check loss, paper Eq. 5).
      const cActs = this.critic.forward(A);
      const d = tf.sub(R, cActs[cActs.length - 1]);
      // dρ/dQ = −τ where d > 0, (1 − τ) elsewhere; averaged over the batch.
      const dq = tf.mul(tf.sub(1 - tau, tf.step(d)), 1 / B) as tf.Tensor2D;
      const { grad: cg } = this.critic.backward(cActs, dq);
      this.critic.update(cg, this.criticOpt);
      // Actor: maximise mean Q(μ(s)) through the updated critic (paper Eq. 6).
      const aActs = this.actor.forward(S);
      const qActs = this.critic.forward(aActs[aActs.length - 1]);
      const dmu = this.critic.inputGrad(qActs, this.dQ);
      const { grad: ag } = this.actor.backward(aActs, dmu);
      this.actor.update(ag, this.actorOpt);
      if (!wantLoss) return undefined;
      const closs = tf.mean(tf.maximum(tf.mul(d, tau), tf.mul(d, tau - 1)));
      const aloss = tf.neg(tf.mean(qActs[qActs.length - 1]));
      return tf.stack([closs, aloss]);
    });
    if (!losses) return null;
    const v = losses.dataSync();
    losses.dispose();
    return [v[0], v[1]];
  }

  policy(): L2nasPolicy {
    return { actor: this.actor.values(), critic: this.critic.values(), actorAdam: this.actorOpt.getState(), criticAdam: this.criticOpt.getState() };
  }

  setPolicy(p: L2nasPolicy): void {
    this.actor.setValues(p.actor);
    this.critic.setValues(p.critic);
    this.actorOpt.setState(p.actorAdam);
    this.criticOpt.setState(p.criticAdam);
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.dQ.dispose();
  }
}
