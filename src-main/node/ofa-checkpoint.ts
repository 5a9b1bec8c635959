import * as fs from 'node:fs';
import type { SupernetCheckpointCheck } from '../contracts/studio-api';
import { ofaPlan, type OfaSupernetSpec } from '../core/supernet/ofa-cost';
import type { OfaSupernet } from '../core/supernet/ofa-supernet';
import { checkOfaStateDict, loadOfaStateDict, OfaStateDictError, type LoadedTensor } from '../core/supernet/ofa-torch';
import { float32Values, readTorchCheckpoint, sha256OfTorchCheckpoint, TorchCheckpointError, type TorchCheckpoint } from './torch-checkpoint';

/*
 * OFA's published supernets (ofa_mbv3_d234_e346_k357_w1.0 / w1.2: torch.save of
 * {"state_dict": OFAMobileNetV3.state_dict(), …}) onto our OFA supernet: the file read by the
 * strict PyTorch reader (torch-checkpoint.ts), the tensors mapped and checked by
 * core/supernet/ofa-torch.ts. Any missing, extra, mis-shaped or mis-typed key is one error naming
 * the file and the keys; nothing is assigned unless everything fits.
 */

/** The width multipliers (in %, as the supernet's C) whose widths are the checkpoint's, for the error message. */
function widthsOf(ckpt: TorchCheckpoint): number[] {
  const first = ckpt.tensors.get('first_conv.conv.weight')?.shape[0];
  const fe = ckpt.tensors.get('final_expand_layer.conv.weight')?.shape[0];
  const last = ckpt.tensors.get('feature_mix_layer.conv.weight')?.shape[0];
  if (first === undefined || fe === undefined || last === undefined) return [];
  const fits: number[] = [];
  for (let C = 1; C <= 256; C++) {
    const p = ofaPlan({ widthMult: C / 100, downsamples: 5 });
    if (p.stem === first && p.finalExpand === fe && p.lastChannel === last) fits.push(C);
  }
  return fits;
}

function explain(file: string, ckpt: TorchCheckpoint, e: unknown, spec: Pick<OfaSupernetSpec, 'widthMult' | 'classes' | 'inChannels'>): never {
  if (!(e instanceof OfaStateDictError)) throw e;
  const C = widthsOf(ckpt);
  const hint = e.misShaped.length && C.length ? ` (its widths are those of C = ${C.length > 3 ? `${C[0]}…${C[C.length - 1]}` : C.join(' or ')}; this supernet has C = ${Math.round(spec.widthMult * 100)}, ${spec.classes} classes, ${spec.inChannels} input channels)` : '';
  throw new TorchCheckpointError(file, `${e.message}${hint}`);
}

/** Reads `file` and checks it is the state_dict of an OFA supernet of this spec, before a run folder is made (nothing is built). */
export async function checkOfaCheckpointFile(file: string, spec: OfaSupernetSpec): Promise<void> {
  const ckpt = await readTorchCheckpoint(file);
  try {
    checkOfaStateDict(ofaPlan(spec), spec, ckpt.tensors);
  } catch (e) {
    explain(file, ckpt, e, spec);
  }
}

/** Reads `file` and loads its OFAMobileNetV3 state_dict onto `net` (weights and BN running statistics). */
export async function loadOfaCheckpoint(file: string, net: OfaSupernet): Promise<void> {
  const ckpt = await readTorchCheckpoint(file);
  const tensors = new Map<string, LoadedTensor>();
  for (const [k, t] of ckpt.tensors) tensors.set(k, { shape: t.shape, dtype: t.dtype, values: () => float32Values(ckpt, k) });
  try {
    loadOfaStateDict(net, tensors);
  } catch (e) {
    explain(file, ckpt, e, net.spec);
  }
}

/** What a checkpoint file is, as the app's file check shows it. */
export type OfaCheckpointInfo = SupernetCheckpointCheck;

/**
 * Reads `file` as a search loading it would (the strict reader: no code runs) and checks it is a
 * whole OFAMobileNetV3 state_dict at one of our widths, before any run is made: its widths,
 * classes and input channels, or one error naming the file and what does not fit.
 */
export async function describeOfaCheckpointFile(file: string): Promise<OfaCheckpointInfo> {
  const ckpt = await readTorchCheckpoint(file);
  const first = ckpt.tensors.get('first_conv.conv.weight');
  const classifier = ckpt.tensors.get('classifier.linear.weight');
  if (!first || !classifier) {
    const keys = [...ckpt.tensors.keys()];
    throw new TorchCheckpointError(file, `not an OFA MobileNetV3 state_dict: no ${first ? 'classifier.linear.weight' : 'first_conv.conv.weight'} among its ${keys.length} tensors${keys.length ? ` (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})` : ''}`);
  }
  const widths = widthsOf(ckpt);
  const inChannels = first.shape[1], classes = classifier.shape[0];
  if (!widths.length) throw new TorchCheckpointError(file, `an OFA-like state_dict whose widths (first conv ${first.shape[0]} channels) are those of no width multiplier from 0.01 to 2.56`);
  const spec = { widthMult: widths[0] / 100, downsamples: 5, inChannels, classes };
  try {
    checkOfaStateDict(ofaPlan(spec), spec, ckpt.tensors);
  } catch (e) {
    explain(file, ckpt, e, spec);
  }
  return { file, bytes: fs.statSync(file).size, sha256: sha256OfTorchCheckpoint(file), tensors: ckpt.tensors.size, widths, classes, inChannels };
}
