import type { Pads } from './network';

const countCache = new Map<string, Float32Array>();
/**
 * k²/(cells of each window inside the image) for a count_include_pad=False average pool computed
 * as a 'valid' pool of the zero-padded input: the same constant the graph writers embed.
 */
export function poolCountScale(h: number, w: number, k: number, stride: number, pads: Pads): { values: Float32Array; oh: number; ow: number } {
  const [t, , l] = pads;
  const oh = Math.floor((h + pads[0] + pads[1] - k) / stride) + 1;
  const ow = Math.floor((w + pads[2] + pads[3] - k) / stride) + 1;
  const key = [h, w, k, stride, ...pads].join(',');
  let v = countCache.get(key);
  if (!v) {
    v = new Float32Array(oh * ow);
    for (let i = 0; i < oh; i++) {
      const r0 = Math.max(i * stride - t, 0), r1 = Math.min(i * stride - t + k, h);
      for (let j = 0; j < ow; j++) {
        const c0 = Math.max(j * stride - l, 0), c1 = Math.min(j * stride - l + k, w);
        v[i * ow + j] = (k * k) / ((r1 - r0) * (c1 - c0));
      }
    }
    countCache.set(key, v);
  }
  return { values: v, oh, ow };
}
