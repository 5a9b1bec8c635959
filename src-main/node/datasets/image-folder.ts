import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DATASET_MAX_CLASSES } from '../../contracts/dataset';
import { DatasetFileError, readDatasetFile, type ImageDataset } from './types';

/**
 * Image folders as torchvision's `ImageFolder` reads them (issue #11 item 4: data at OFA's
 * scale): one sub-folder per class, sorted by name (its index is the label), each holding JPEG
 * or PNG files, sorted by name. Every image is decoded to RGB (alpha dropped, grey replicated,
 * as PIL's `convert('RGB')`), its shorter side resized to ⌈size / 0.875⌉ with PIL's antialiased
 * bilinear filter and centre-cropped to size × size — OFA's (and timm's) evaluation transform —
 * then normalised with ImageNet's mean and standard deviation (what OFA's published weights
 * expect), not with the folder's own statistics.
 *
 * Decisions where the issue is silent: hidden files (".DS_Store", "._x.jpg") are skipped; any
 * other file that is not a decodable JPEG or PNG (recognised by its bytes, not its name) is an
 * error naming it, rather than silently dropping part of a class; symbolic links are followed
 * only when they stay inside the folder (a link out of it is refused by name, so `serve --data`
 * bounds what a folder can make the server read).
 */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/** Largest single image file read. */
export const IMAGE_FILE_MAX_BYTES = 64 * 1024 * 1024;
/** Largest decoded image (megapixels): a small file that claims a huge size is refused before decoding. */
export const IMAGE_MAX_MEGAPIXELS = 100;
/** Most bytes the decoded, cropped dataset may take (N × size² × 3). */
export const IMAGE_FOLDER_MAX_BYTES = 2 * 1024 * 1024 * 1024;

export interface ImageFolderOptions {
  /** Side of the square crop. */
  size: number;
  /** Keep the first N classes (sorted by folder name). */
  classes?: number;
  /** Keep the first N images of each class (sorted by file name). */
  perClass?: number;
}

const within = (real: string, root: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

function listDir(dir: string, what: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new DatasetFileError(dir, null, `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Whether `entry` in `dir` is a folder / file once a link is followed; a link that leaves `root` is an error. */
function kindOf(dir: string, entry: fs.Dirent, root: string): 'dir' | 'file' | 'other' {
  const p = path.join(dir, entry.name);
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch {
    throw new DatasetFileError(p, null, 'is a broken symbolic link');
  }
  if (!within(real, root)) throw new DatasetFileError(p, null, 'is a symbolic link that leads out of the image folder, which is not followed');
  const st = fs.statSync(real);
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/** The class folders and their image files, in torchvision's order, limited as asked. */
export function scanImageFolder(root: string, o: Pick<ImageFolderOptions, 'classes' | 'perClass'> = {}): { classes: string[]; files: string[][] } {
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch (e) {
    throw new DatasetFileError(root, null, `cannot read the image folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!fs.statSync(realRoot).isDirectory()) throw new DatasetFileError(root, null, 'is not a folder (an image folder holds one sub-folder per class)');
  const classDirs = listDir(realRoot, 'the image folder').filter((e) => !e.name.startsWith('.') && kindOf(realRoot, e, realRoot) === 'dir');
  if (!classDirs.length) throw new DatasetFileError(root, null, 'has no class sub-folders (an image folder holds one sub-folder of images per class)');
  const keep = o.classes === undefined ? classDirs : classDirs.slice(0, o.classes);
  if (keep.length > DATASET_MAX_CLASSES) throw new DatasetFileError(root, null, `has ${classDirs.length} class sub-folders; at most ${DATASET_MAX_CLASSES} are kept (labels are 16-bit): pass classes ≤ ${DATASET_MAX_CLASSES}`);
  if (keep.length < 2) throw new DatasetFileError(root, null, `has ${keep.length} class; a classifier needs at least 2 class sub-folders`);
  const files = keep.map((c) => {
    const dir = path.join(realRoot, c.name);
    const entries = listDir(dir, 'a class folder').filter((e) => !e.name.startsWith('.'));
    const out: string[] = [];
    for (const e of entries) {
      const k = kindOf(dir, e, realRoot);
      if (k === 'dir') continue; // torchvision's ImageFolder does walk deeper; we keep one level and say so in the docs
      if (k !== 'file') throw new DatasetFileError(path.join(dir, e.name), null, 'is not a regular file');
      out.push(path.join(dir, e.name));
    }
    if (!out.length) throw new DatasetFileError(dir, null, 'holds no image files (each class sub-folder needs at least one JPEG or PNG)');
    return o.perClass === undefined ? out : out.slice(0, o.perClass);
  });
  return { classes: keep.map((c) => c.name), files };
}

interface Rgb {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major. */
  data: Uint8Array;
}

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes one JPEG or PNG file to RGB; anything else, or a damaged one, is an error naming the file. */
export function decodeImage(file: string, bytes: Uint8Array): Rgb {
  if (isPng(bytes)) {
    // IHDR: width and height (big-endian) at bytes 16–23, checked before pngjs allocates them.
    if (bytes.length < 24) throw new DatasetFileError(file, null, 'is a truncated PNG file');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = dv.getUint32(16), h = dv.getUint32(20);
    if (w === 0 || h === 0 || w * h > IMAGE_MAX_MEGAPIXELS * 1e6) throw new DatasetFileError(file, 16, `is a PNG of ${w}×${h} pixels; at most ${IMAGE_MAX_MEGAPIXELS} megapixels are decoded`);
    let png: PNG;
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw new DatasetFileError(file, null, `is not a readable PNG file (${(e as Error).message})`);
    }
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = png.data[j];
      rgb[i + 1] = png.data[j + 1];
      rgb[i + 2] = png.data[j + 2];
    }
    return { width: png.width, height: png.height, data: rgb };
  }
  if (isJpeg(bytes)) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: IMAGE_MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (e) {
      throw new DatasetFileError(file, null, `is not a readable JPEG file (${(e as Error).message})`);
    }
  }
  throw new DatasetFileError(file, 0, 'is not a JPEG or PNG image (its first bytes are neither signature)');
}

/**
 * PIL's resampling coefficients for one axis (Image.resize with BILINEAR, which antialiases: the
 * triangle filter's support grows with the downscaling factor). Output pixel i gathers inputs
 * [lo_i, lo_i + n_i) with the given weights (each row sums to 1).
 */
function coefficients(inSize: number, outSize: number): { lo: Int32Array; n: Int32Array; w: Float64Array; stride: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale; // bilinear: support 1
  const stride = Math.ceil(support) * 2 + 1;
  const lo = new Int32Array(outSize), n = new Int32Array(outSize), w = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let x = xmin; x < xmax; x++) {
      const t = Math.abs((x - center + 0.5) / filterscale);
      const v = t < 1 ? 1 - t : 0;
      w[i * stride + x - xmin] = v;
      total += v;
    }
    if (total > 0) for (let x = 0; x < xmax - xmin; x++) w[i * stride + x] /= total;
    lo[i] = xmin;
    n[i] = xmax - xmin;
  }
  return { lo, n, w, stride };
}

/** One PIL resampling pass along rows: each row of `img` resized to `outW` pixels, rounded to bytes (PIL keeps 8 bits between passes). */
function resampleRows(img: Rgb, outW: number): Rgb {
  const { width: W, height: H, data } = img;
  const cx = coefficients(W, outW);
  const out = new Uint8Array(outW * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0, g = 0, b = 0;
      const base = x * cx.stride;
      for (let k = 0; k < cx.n[x]; k++) {
        const wk = cx.w[base + k];
        const p = (y * W + cx.lo[x] + k) * 3;
        r += wk * data[p];
        g += wk * data[p + 1];
        b += wk * data[p + 2];
      }
      const q = (y * outW + x) * 3;
      out[q] = clip8(r);
      out[q + 1] = clip8(g);
      out[q + 2] = clip8(b);
    }
  }
  return { width: outW, height: H, data: out };
}

const clip8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function transpose(img: Rgb): Rgb {
  const { width: W, height: H, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.set(data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3), (x * H + y) * 3);
  return { width: H, height: W, data: out };
}

/** Resizes RGB bytes to outW × outH as PIL's BILINEAR: the horizontal pass, then the vertical one (as rows of the transpose). */
export function resizeBilinear(img: Rgb, outW: number, outH: number): Rgb {
  return transpose(resampleRows(transpose(resampleRows(img, outW)), outH));
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}

/**
 * OFA's evaluation transform: shorter side to ⌈size / 0.875⌉ (torchvision Resize: the longer
 * side int(resize × long / short)), then the centre size × size crop (torchvision CenterCrop:
 * offsets int(round((side − size) / 2))). Writes size × size × 3 bytes at `out[at]`.
 */
export function resizeAndCrop(img: Rgb, size: number, out: Uint8Array, at: number): void {
  const resize = Math.ceil(size / 0.875);
  const { width: w, height: h } = img;
  const [nw, nh] = w <= h ? [resize, Math.trunc((resize * h) / w)] : [Math.trunc((resize * w) / h), resize];
  const r = resizeBilinear(img, nw, nh);
  const top = roundHalfEven((nh - size) / 2), left = roundHalfEven((nw - size) / 2);
  for (let y = 0; y < size; y++) out.set(r.data.subarray(((top + y) * nw + left) * 3, ((top + y) * nw + left + size) * 3), at + y * size * 3);
}

/** Reads an image folder (see the file header) into one dataset. */
export function loadImageFolder(root: string, o: ImageFolderOptions): ImageDataset {
  const { classes, files } = scanImageFolder(root, o);
  const n = files.reduce((s, f) => s + f.length, 0);
  const per = o.size * o.size * 3;
  if (n * per > IMAGE_FOLDER_MAX_BYTES) {
    throw new DatasetFileError(root, null, `holds ${n} images, ${(n * per / 2 ** 30).toFixed(1)} GiB at ${o.size}×${o.size}; at most ${IMAGE_FOLDER_MAX_BYTES / 2 ** 30} GiB are loaded: keep fewer (perClass, classes) or a smaller size`);
  }
  const images = new Uint8Array(n * per);
  const labels = new Uint16Array(n);
  let k = 0;
  files.forEach((list, label) => {
    for (const f of list) {
      const bytes = readDatasetFile(f, undefined, IMAGE_FILE_MAX_BYTES);
      resizeAndCrop(decodeImage(f, bytes), o.size, images, k * per);
      labels[k++] = label;
    }
  });
  return {
    name: `image folder ${path.basename(path.resolve(root))} (${classes.length} classes)`,
    images, labels, n, height: o.size, width: o.size, channels: 3, classes: classes.length,
    normalization: { mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] },
  };
}
