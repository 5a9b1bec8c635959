import type { DatasetCheck, DatasetSpec } from '../contracts/dataset';
import { formatOfaConfig, parseOfaConfig, type OfaConfig } from '../common/spaces/ofa';
import { UsageError } from './usage-error';

/*
 * The OFA subnet file (issue #11 item 6): a found subnet exactly as OFA's
 * set_active_subnet(ks, e, d) takes it, with the input resolution it was measured at —
 * {"ks": [20 ints], "e": [20 ints], "d": [5 ints], "r": resolution}. The one writer of that
 * text, for `l2nas export --format ofa` (exporters/network-export.ts) and the app's "arch"
 * export of an OFA run (run-export.ts). No TF.js here: the app's main process uses it.
 */

/** `arch` (an OFA config, with or without `r`) at `resolution`, as the file's text (one line, newline-ended). */
export function ofaSubnetFileText(arch: string, resolution: number, where: string): string {
  let c: OfaConfig;
  try {
    c = parseOfaConfig(arch);
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
  if (!Number.isInteger(resolution) || resolution < 1) throw new UsageError(`${where}: resolution ${resolution} is not a positive whole number of pixels`);
  if (c.r !== undefined && c.r !== resolution) throw new UsageError(`${where}: the subnet names resolution ${c.r}, but it was measured at ${resolution}×${resolution}`);
  return formatOfaConfig({ ks: c.ks, e: c.e, d: c.d, r: resolution }) + '\n';
}

/**
 * The side (px) of a supernet run's images, which is OFA's `r` of every subnet the run measured.
 * Datasets whose spec fixes it are answered without reading (CIFAR 32, downsampled ImageNet and
 * image folders their `size`); the others are read by `read` (a dataset check, as the form's).
 */
export async function datasetResolution(spec: DatasetSpec, read: (spec: DatasetSpec) => Promise<DatasetCheck> | DatasetCheck): Promise<number> {
  switch (spec.kind) {
    case 'cifar10':
    case 'cifar100':
      return 32;
    case 'imagenet-downsampled':
    case 'image-folder':
      return spec.size;
    default: {
      const d = await read(spec);
      if (d.height !== d.width) throw new UsageError(`dataset ${d.name}: images are ${d.height}×${d.width}; an OFA subnet takes square images`);
      return d.height;
    }
  }
}
