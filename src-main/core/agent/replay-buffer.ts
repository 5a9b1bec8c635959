import type { Rng } from '../../common/rng';

export interface ReplaySnapshot {
  dim: number;
  capacity: number;
  size: number;
  head: number;
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
}

/**
 * Replay buffer R of (s_t, α_t, r_t) (paper §2.3) in flat Float32Arrays. Capacity 0 keeps every
 * transition (grows by doubling); otherwise it is a ring holding the last `capacity`.
 */
export class ReplayBuffer {
  private states: Float32Array;
  private actions: Float32Array;
  private rewards: Float32Array;
  private alloc: number;
  private head = 0;
  size = 0;

  constructor(
    readonly dim: number,
    readonly capacity: number,
  ) {
    this.alloc = capacity > 0 ? capacity : 256;
    this.states = new Float32Array(this.alloc * dim);
    this.actions = new Float32Array(this.alloc * dim);
    this.rewards = new Float32Array(this.alloc);
  }

  push(state: ArrayLike<number>, action: ArrayLike<number>, reward: number): void {
    if (this.capacity === 0 && this.size === this.alloc) this.grow();
    const i = this.head;
    this.states.set(state, i * this.dim);
    this.actions.set(action, i * this.dim);
    this.rewards[i] = reward;
    this.head = (this.head + 1) % this.alloc;
    this.size = Math.min(this.size + 1, this.alloc);
  }

  private grow(): void {
    const n = this.alloc * 2;
    const s = new Float32Array(n * this.dim);
    const a = new Float32Array(n * this.dim);
    const r = new Float32Array(n);
    s.set(this.states);
    a.set(this.actions);
    r.set(this.rewards);
    this.states = s;
    this.actions = a;
    this.rewards = r;
    this.head = this.alloc;
    this.alloc = n;
  }

  /** Samples `n` transitions uniformly with replacement into the given arrays. */
  sample(rng: Rng, n: number, s: Float32Array, a: Float32Array, r: Float32Array): void {
    const d = this.dim;
    for (let k = 0; k < n; k++) {
      const i = rng.int(this.size);
      s.set(this.states.subarray(i * d, (i + 1) * d), k * d);
      a.set(this.actions.subarray(i * d, (i + 1) * d), k * d);
      r[k] = this.rewards[i];
    }
  }

  snapshot(): ReplaySnapshot {
    return {
      dim: this.dim,
      capacity: this.capacity,
      size: this.size,
      head: this.head,
      states: this.states.slice(0, this.alloc * this.dim),
      actions: this.actions.slice(0, this.alloc * this.dim),
      rewards: this.rewards.slice(0, this.alloc),
    };
  }

  static restore(s: ReplaySnapshot): ReplayBuffer {
    const b = new ReplayBuffer(s.dim, s.capacity);
    b.alloc = s.rewards.length;
    b.states = Float32Array.from(s.states);
    b.actions = Float32Array.from(s.actions);
    b.rewards = Float32Array.from(s.rewards);
    b.size = s.size;
    b.head = s.head;
    return b;
  }
}
