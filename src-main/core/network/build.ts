import { parseGenotype } from '../../common/spaces/darts';
import { parseNb201 } from '../../common/spaces/nb201';
import { parseOfaConfig, type OfaConfig } from '../../common/spaces/ofa';
import { buildDartsNetwork } from './darts-network';
import { buildNb201Network } from './nb201-network';
import { NetworkSpecError, type NetworkDescription } from './network';
import { buildOfaNetwork } from './ofa-network';

/** The spaces with a network builder. */
export const NETWORK_SPACES = ['nb201', 'darts', 'ofa'] as const;
export type NetworkSpace = (typeof NETWORK_SPACES)[number];

export interface NetworkOptions {
  /** NB201: C of the first stage (default 16); DARTS: initial C (default 36); OFA: width multiplier in % (default 100), as the OFA supernet's C. */
  channels?: number;
  /** NB201: cells per stage N (default 5); DARTS: cells L (default 20); OFA: stride-2 steps kept (default 5, the ImageNet network), as the supernet's N. */
  layers?: number;
  /** Classifier outputs (default 10; OFA 1000, ImageNet's). */
  classes?: number;
  /** Square input side (default 32; OFA: the config's `r`, else 224). */
  input?: number;
  /** Image channels (default 3). */
  inChannels?: number;
  /** DARTS: build the auxiliary head (training only; default: when its 8×8 map exists, i.e. input ≥ 32). */
  auxiliary?: boolean;
}

export const NETWORK_DEFAULTS = {
  nb201: { channels: 16, layers: 5, classes: 10, input: 32 },
  darts: { channels: 36, layers: 20, classes: 10, input: 32 },
  ofa: { channels: 100, layers: 5, classes: 1000, input: 224 },
} as const;

/** Parses `arch` in the space's native text and builds its network; errors name what and where. */
export function buildNetwork(space: string, arch: string, o: NetworkOptions = {}): NetworkDescription {
  if (!(NETWORK_SPACES as readonly string[]).includes(space)) throw new NetworkSpecError(`--space: no network builder for "${space.slice(0, 40)}" (choose from ${NETWORK_SPACES.join(', ')})`);
  let ofa: OfaConfig | undefined;
  if (space === 'ofa') {
    try {
      ofa = parseOfaConfig(arch);
    } catch (e) {
      throw new NetworkSpecError(`--arch: ${(e as Error).message}`);
    }
  }
  const defaults = NETWORK_DEFAULTS[space as NetworkSpace];
  const side = o.input ?? ofa?.r ?? defaults.input;
  const inC = o.inChannels ?? 3;
  for (const [what, v, lo, hi] of [['--input', side, 4, 1024], ['input channels', inC, 1, 64]] as const) {
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new NetworkSpecError(`${what} must be a whole number from ${lo} to ${hi} (got ${v})`);
  }
  const input: [number, number, number] = [side, side, inC];
  const classes = o.classes ?? defaults.classes;
  if (ofa) {
    const widthPercent = o.channels ?? defaults.channels;
    // A config's `r` is its resolution; an --input that differs names the subnet at another one.
    return buildOfaNetwork(ofa, { input, classes, widthMult: widthPercent / 100, downsamples: o.layers ?? defaults.layers });
  }
  let parsed;
  try {
    parsed = space === 'nb201' ? parseNb201(arch) : parseGenotype(arch);
  } catch (e) {
    throw new NetworkSpecError(`--arch: ${(e as Error).message}`);
  }
  if (space === 'nb201') {
    const d = NETWORK_DEFAULTS.nb201;
    return buildNb201Network(parsed as number[], { input, classes, C: o.channels ?? d.channels, N: o.layers ?? d.layers });
  }
  const d = NETWORK_DEFAULTS.darts;
  return buildDartsNetwork(parsed as ReturnType<typeof parseGenotype>, { input, classes, C: o.channels ?? d.channels, layers: o.layers ?? d.layers, auxiliary: o.auxiliary ?? side >= 32 });
}
