import type { Rng } from '../../common/rng';

/**
 * Images as the dataset readers give them: N×H×W×C bytes (HWC) and one 16-bit label each (so up
 * to DATASET_MAX_CLASSES = 65,536 classes: ImageNet's 1000 fit).
 */
export interface ImageData {
  images: Uint8Array;
  labels: Uint16Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
  /**
   * The per-channel mean and std (of values in [0, 1]) the images are normalised with, where the
   * data prescribes them (image folders: ImageNet's, which OFA's published weights expect);
   * otherwise the training images' own statistics are used (normalizationOf).
   */
  normalization?: { mean: number[]; std: number[] };
}

/** What a network trained on `d` normalises with: the data's prescribed statistics, else its own. */
export function normalizationOf(d: ImageData): { mean: number[]; std: number[] } {
  return d.normalization ? { mean: [...d.normalization.mean], std: [...d.normalization.std] } : channelStats(d);
}

/** Per-channel mean and standard deviation of pixel values in [0, 1]. */
export function channelStats(d: ImageData): { mean: number[]; std: number[] } {
  const c = d.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < d.images.length; i++) {
    const v = d.images[i] / 255;
    sum[i % c] += v;
    sq[i % c] += v * v;
  }
  const per = d.images.length / c;
  const mean = Array.from(sum, (s) => s / per);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(s / per - mean[k] ** 2, 1e-12)));
  return { mean, std };
}

/**
 * Fills `out` with the normalised images `idx` (and zeroes a random `cutout`×`cutout` square in
 * each, DeVries & Taylor 2017, when cutout > 0: the paper's supernets train with it).
 */
export function fillBatch(d: ImageData, idx: ArrayLike<number>, stats: { mean: number[]; std: number[] }, out: Float32Array, cutout = 0, rng?: Rng): void {
  const { height: h, width: w, channels: c } = d;
  const size = h * w * c;
  for (let b = 0; b < idx.length; b++) {
    const src = idx[b] * size;
    const dst = b * size;
    for (let p = 0; p < size; p++) {
      const ch = p % c;
      out[dst + p] = (d.images[src + p] / 255 - stats.mean[ch]) / stats.std[ch];
    }
    if (cutout > 0 && rng) {
      const cy = rng.int(h);
      const cx = rng.int(w);
      const y0 = Math.max(0, cy - (cutout >> 1)), y1 = Math.min(h, cy + ((cutout + 1) >> 1));
      const x0 = Math.max(0, cx - (cutout >> 1)), x1 = Math.min(w, cx + ((cutout + 1) >> 1));
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.fill(0, dst + (y * w + x) * c, dst + (y * w + x + 1) * c);
    }
  }
}
