import { Rng } from '../../common/rng';
import { buildNetwork, type NetworkOptions } from '../../core/network/build';
import { countNetwork } from '../../core/network/counts';
import { initialWeights } from '../../core/network/executor';
import { parseExportFormats, writeNetworkExports } from '../../node/exporters/network-export';
import { UsageError } from '../../node/usage-error';

export interface InspectOptions extends NetworkOptions {
  space: string;
  arch: string;
  json?: boolean;
  /** Write an untrained (seeded-initialised) network in these formats (comma-separated). */
  export?: string;
  out?: string;
  seed: number;
}

/**
 * `l2nas inspect`: the network of an architecture — parameters (auxiliary head excluded, as the
 * DARTS code counts them), MACs of conv and linear layers for one image, and the per-layer table;
 * with --export, the untrained network (weights drawn from --seed) written as the exporters would
 * write a trained one.
 */
export function inspectCommand(o: InspectOptions): void {
  if (o.export !== undefined && !o.out) throw new UsageError('--export needs --out <dir>');
  if (o.out && o.export === undefined) throw new UsageError('--out belongs to --export <formats>');
  const formats = o.export !== undefined ? parseExportFormats(o.export, '--export') : [];
  const desc = buildNetwork(o.space, o.arch, o);
  const c = countNetwork(desc);
  let written: string[] = [];
  if (formats.length) written = writeNetworkExports(desc, initialWeights(desc, new Rng(o.seed)), formats, o.out!, `untrained: initialised from seed ${o.seed} (l2nas inspect --export)`);
  if (o.json) {
    console.log(
      JSON.stringify({
        space: desc.space,
        arch: desc.arch,
        input: desc.input,
        classes: desc.classes,
        settings: desc.settings,
        params: c.params,
        macs: c.macs,
        auxParams: c.auxParams,
        auxMacs: c.auxMacs,
        layers: c.layers,
        ...(formats.length ? { exported: { dir: o.out, files: written } } : {}),
      }),
    );
    return;
  }
  const w = Math.max(5, ...c.layers.map((r) => r.layer.length));
  console.log(`${'layer'.padEnd(w)}  ${'op'.padEnd(14)} ${'output'.padEnd(12)} ${'params'.padStart(9)} ${'MACs'.padStart(12)}`);
  for (const r of c.layers) console.log(`${r.layer.padEnd(w)}  ${r.op.padEnd(14)} ${r.shape.join('×').padEnd(12)} ${String(r.params).padStart(9)} ${String(r.macs).padStart(12)}${r.aux ? '  (aux)' : ''}`);
  console.log(`\n${desc.space} ${desc.arch}`);
  console.log(`settings: ${Object.entries(desc.settings).map(([k, v]) => `${k}=${v}`).join(', ')}; input ${desc.input.join('×')}; ${desc.classes} classes`);
  console.log(`params: ${c.params} (${(c.params / 1e6).toFixed(6)} M, auxiliary head excluded${c.auxParams ? `; aux head ${c.auxParams}` : ''})`);
  console.log(`MACs:   ${c.macs} (${(c.macs / 1e6).toFixed(2)} M per image, conv + linear)`);
  if (formats.length) console.log(`exported (untrained, seed ${o.seed}) to ${o.out}: ${written.join(', ')}`);
}
