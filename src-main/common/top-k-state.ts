export interface TopKEntry {
  key: string;
  reward: number;
  onehot: Float32Array;
}

/**
 * The state s_t (paper §2.2): the element-wise mean of the α^d of the top-K architectures seen
 * so far, by reward; all zeros before any query.
 *
 * Repeats: the top-K holds DISTINCT architectures, each at its best reward seen. Re-querying an
 * architecture never adds a second copy (otherwise one lucky architecture queried K times would
 * collapse the state onto itself). Ties keep the earlier architecture first.
 */
export class TopKState {
  private readonly entries: TopKEntry[] = [];
  private readonly sum: Float64Array;

  constructor(
    readonly k: number,
    readonly dim: number,
  ) {
    this.sum = new Float64Array(dim);
  }

  /** Offers one queried architecture; returns true when the state changed. */
  offer(key: string, reward: number, onehot: Float32Array): boolean {
    const existing = this.entries.findIndex((e) => e.key === key);
    if (existing >= 0) {
      if (this.entries[existing].reward >= reward) return false;
      const [e] = this.entries.splice(existing, 1);
      e.reward = reward;
      this.insertSorted(e);
      return false; // same set of architectures: the mean is unchanged
    }
    const n = this.entries.length;
    if (n >= this.k && reward <= this.entries[n - 1].reward) return false;
    const entry = { key, reward, onehot: Float32Array.from(onehot) };
    this.insertSorted(entry);
    this.add(entry.onehot, 1);
    if (this.entries.length > this.k) {
      const dropped = this.entries.pop()!;
      this.add(dropped.onehot, -1);
    }
    return true;
  }

  private insertSorted(e: TopKEntry): void {
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].reward < e.reward) i--;
    this.entries.splice(i, 0, e);
  }

  private add(v: Float32Array, sign: number): void {
    for (let i = 0; i < this.dim; i++) this.sum[i] += sign * v[i];
  }

  /** s_t: mean of the held α^d (zeros when empty). */
  state(out: Float32Array = new Float32Array(this.dim)): Float32Array {
    const n = this.entries.length;
    for (let i = 0; i < this.dim; i++) out[i] = n ? this.sum[i] / n : 0;
    return out;
  }

  get size(): number {
    return this.entries.length;
  }

  list(): readonly TopKEntry[] {
    return this.entries;
  }

  snapshot(): { key: string; reward: number; onehot: number[] }[] {
    return this.entries.map((e) => ({ key: e.key, reward: e.reward, onehot: Array.from(e.onehot) }));
  }

  static restore(k: number, dim: number, entries: { key: string; reward: number; onehot: ArrayLike<number> }[]): TopKState {
    const s = new TopKState(k, dim);
    for (const e of entries) s.offer(e.key, e.reward, Float32Array.from(e.onehot));
    return s;
  }
}
