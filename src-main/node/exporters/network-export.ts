import * as fs from 'node:fs';
import * as path from 'node:path';
import { countNetwork, layersCsv } from '../../core/network/counts';
import type { NetworkDescription } from '../../core/network/network';
import { ofaNetConfig } from '../../core/network/ofa-network';
import type { NamedTensors } from '../../core/supernet/param-store';
import { ofaSubnetFileText } from '../ofa-subnet-config';
import { UsageError } from '../usage-error';
import { onnxModel, ONNX_OPSET } from './onnx';
import { tfjsGraphModel, TFJS_WEIGHTS_FILE } from './tfjs-graph';

/** Per-channel normalisation of pixel/255 that the trained network expects. */
export interface InputStats {
  mean: number[];
  std: number[];
}

/**
 * What `l2nas export` / `inspect --export` can write. `ofa` (the subnet as OFA's
 * set_active_subnet takes it, with its resolution) and `ofa-net` (OFA's net.config) are for OFA
 * subnets only.
 */
export const NETWORK_EXPORT_FORMATS = ['tfjs', 'onnx', 'arch', 'layers', 'ofa', 'ofa-net'] as const;
export type NetworkExportFormat = (typeof NETWORK_EXPORT_FORMATS)[number];
/** The formats that need the network's weights (the others describe it). */
export const WEIGHT_FORMATS: readonly NetworkExportFormat[] = ['tfjs', 'onnx'];
export const OFA_SUBNET_FILE = 'ofa-subnet.json';
export const OFA_NET_CONFIG_FILE = 'net.config';

export function parseExportFormats(text: string, where: string): NetworkExportFormat[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`${where}: no export format given (choose from ${NETWORK_EXPORT_FORMATS.join(', ')})`);
  for (const f of list) if (!(NETWORK_EXPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`${where}: unknown export format "${f.slice(0, 40)}" (choose from ${NETWORK_EXPORT_FORMATS.join(', ')})`);
  return [...new Set(list)] as NetworkExportFormat[];
}

function readme(desc: NetworkDescription, formats: NetworkExportFormat[], trained: string, stats?: InputStats): string {
  const [H, W, C] = desc.input;
  const counts = countNetwork(desc);
  const lines = [
    `L²NAS Studio export — ${desc.space} network`,
    '',
    `Architecture: ${desc.arch}`,
    `Settings: ${Object.entries(desc.settings).map(([k, v]) => `${k}=${v}`).join(', ')}; input ${H}×${W}×${C}; ${desc.classes} classes`,
    `Parameters: ${counts.params} (auxiliary head excluded); MACs per image: ${counts.macs}`,
    `Weights: ${trained}`,
    '',
    'All models are inference graphs: batch norm uses the running statistics (kept in training, or',
    'recalibrated for an OFA subnet taken from its supernet);',
    'drop-path and the auxiliary head (DARTS) are training-only and left out.',
    stats
      ? `Preprocessing (as in training): x = (pixel / 255 − mean[c]) / std[c] per channel c, mean = [${stats.mean.map((v) => v.toFixed(6)).join(', ')}], std = [${stats.std.map((v) => v.toFixed(6)).join(', ')}].`
      : 'Preprocessing: none recorded (untrained network).',
    '',
    'Files:',
    '  README.txt        this file',
  ];
  if (formats.includes('arch')) lines.push('  architecture.txt  the architecture in its native text (NAS-Bench-201 arch string / DARTS Genotype / OFA config JSON)');
  if (formats.includes('layers')) lines.push('  layers.csv        one row per layer: layer, op, output_shape (H x W x C for one image), params, macs, aux');
  if (formats.includes('ofa')) {
    lines.push(
      `  ${OFA_SUBNET_FILE}  the subnet as OFA's set_active_subnet takes it: {"ks": [20], "e": [20], "d": [5], "r": resolution}`,
      '      Python:   cfg = json.load(open("ofa-subnet.json")); ofa_net.set_active_subnet(ks=cfg["ks"], e=cfg["e"], d=cfg["d"])',
    );
  }
  if (formats.includes('ofa-net')) {
    lines.push(
      `  ${OFA_NET_CONFIG_FILE}        the standalone subnet's config as OFA's get_active_subnet().config writes it`,
      '      Python:   from ofa.imagenet_classification.networks import MobileNetV3; net = MobileNetV3.build_from_config(json.load(open("net.config")))',
    );
  }
  if (formats.includes('tfjs')) {
    lines.push(
      `  model.json + ${TFJS_WEIGHTS_FILE}`,
      '                    TensorFlow.js graph model. Input "input": float32 [N, H, W, C] (NHWC); output "logits".',
      '      Browser:  const m = await tf.loadGraphModel("https://…/model.json"); m.predict(x)',
      '      Node:     tf.loadGraphModel(tf.io.fileSystem("model.json")) with @tensorflow/tfjs-node,',
      '                or, with plain @tensorflow/tfjs, tf.io.fromMemory({ modelTopology, weightSpecs, weightData })',
      '                built from model.json (modelTopology, weightsManifest[0].weights) and the .bin file.',
    );
  }
  if (formats.includes('onnx')) {
    lines.push(
      `  model.onnx        ONNX (opset ${ONNX_OPSET}). Input "input": float32 [N, C, H, W] (NCHW: transpose NHWC images with (0, 3, 1, 2)); output "logits".`,
      '      Python:   import onnxruntime as ort; s = ort.InferenceSession("model.onnx"); s.run(["logits"], {"input": x})',
      '      C++:      Ort::Session session(env, "model.onnx", Ort::SessionOptions{}); session.Run(...)',
      '      JS:       const s = await ort.InferenceSession.create("model.onnx"); await s.run({ input: new ort.Tensor("float32", data, [n, c, h, w]) })',
      '                (onnxruntime-node in Node, onnxruntime-web in the browser); Netron opens it for viewing.',
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes the chosen exports of a network (description + weights by tensor name) into `outDir`,
 * all or nothing: everything is written into a fresh temp folder beside it, which is renamed to
 * `outDir` at the end (an existing `outDir` must be empty; it is replaced only then), so a
 * failure or a kill never leaves a half-written export.
 */
export function writeNetworkExports(desc: NetworkDescription, weights: NamedTensors | null, formats: NetworkExportFormat[], outDir: string, trained: string, stats?: InputStats): string[] {
  const ofaOnly = formats.filter((f) => f === 'ofa' || f === 'ofa-net');
  if (ofaOnly.length && desc.space !== 'ofa') throw new UsageError(`export format ${ofaOnly[0]}: only for OFA subnets (this is a ${desc.space} network)`);
  if (!weights && formats.some((f) => WEIGHT_FORMATS.includes(f))) throw new Error('network export: tfjs/onnx need the weights');
  const target = path.resolve(outDir);
  if (fs.existsSync(target)) {
    const st = fs.lstatSync(target);
    if (!st.isDirectory() || st.isSymbolicLink()) throw new UsageError(`--out ${outDir}: exists and is not a folder`);
    if (fs.readdirSync(target).length > 0) throw new UsageError(`--out ${outDir}: folder is not empty (exports are written whole into a new or empty folder)`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    fs.writeFileSync(path.join(tmp, name), data, { flag: 'wx' });
    files.push(name);
  };
  try {
    write('README.txt', readme(desc, formats, trained, stats));
    if (formats.includes('arch')) write('architecture.txt', desc.arch + '\n');
    if (formats.includes('layers')) write('layers.csv', layersCsv(countNetwork(desc)));
    if (formats.includes('ofa')) write(OFA_SUBNET_FILE, ofaSubnetFileText(desc.arch, desc.input[0], 'export format ofa'));
    if (formats.includes('ofa-net')) write(OFA_NET_CONFIG_FILE, JSON.stringify(ofaNetConfig(desc), null, 1) + '\n');
    if (weights && formats.includes('tfjs')) {
      const m = tfjsGraphModel(desc, weights);
      write('model.json', JSON.stringify(m.modelJson));
      write(TFJS_WEIGHTS_FILE, m.weights);
    }
    if (weights && formats.includes('onnx')) write('model.onnx', onnxModel(desc, weights));
    for (const f of files) {
      const fd = fs.openSync(path.join(tmp, f), 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    if (fs.existsSync(target)) fs.rmdirSync(target); // empty (checked above)
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return files;
}
