import type { z } from 'zod';
import type { SupernetSampling, SupernetSettingsSchema } from '../contracts/run';
import type { AgentConfig, PresetName } from '../contracts/agent-config';
import { resolveAgentConfig } from './presets';

/**
 * The weight-sharing supernets, as plain data: what the renderer, the CLI, the run manager and
 * the engine need to know about one before it is built (defaults, what C and N mean, the rules
 * that make a setting unbuildable, the agent it is searched with). The builders live beside
 * the networks in core/supernet/ (registry.ts maps these ids to them).
 *
 * Adding a supernet: its network file in core/supernet/ (with a builder), one entry here, one
 * line in core/supernet/registry.ts.
 */
export { SUPERNET_IDS, type SupernetId } from '../contracts/ids';
import { SUPERNET_IDS, type SupernetId } from '../contracts/ids';

/**
 * The settings of a supernet search that have defaults per supernet (bounds:
 * contracts/run.ts SupernetSettingsSchema): epochs, steps (search queries after training),
 * randomArchitectures (queried after the search, for comparison), C, N, trainImages, lrMax,
 * cutout, batchSize.
 */
export type SupernetSettings = z.infer<typeof SupernetSettingsSchema>;

export interface SupernetSpec {
  id: SupernetId;
  title: string;
  /** What C and N mean for this supernet (form labels, CLI help). */
  channels: string;
  cells: string;
  /** The offline defaults: minutes on 2 CPU cores (bench/results/supernet.md). */
  defaults: Readonly<SupernetSettings>;
  /** Validation batches per query (fixed per run, so queries compare). */
  evalBatches: number;
  /** How batch norm runs in a query by default ('recalibrate': OFA's query; supernet-trainer.ts) and on how many training images it recalibrates (a loaded checkpoint: OFA_CALIBRATION_IMAGES). */
  evalBatchNorm: 'batch' | 'recalibrate';
  calibrationImages?: number;
  /** Whether a PyTorch checkpoint of the supernet can be loaded (ofa: OFA's published OFAMobileNetV3). */
  loadsCheckpoints: boolean;
  /**
   * How its training may sample paths (contracts/run.ts SUPERNET_SAMPLINGS; the first is the
   * default): uniform everywhere, OFA's progressive shrinking too for ofa (its builder's
   * `samplers`; test/unit/ofa-progressive-shrinking.test.ts keeps the two in step).
   */
  samplings: readonly SupernetSampling[];
  /** Why settings cannot be built, or null. */
  check(s: Pick<SupernetSettings, 'C' | 'N'>): string | null;
  /** The agent a supernet search uses unless the user picks one, and the preset it came from. */
  searchAgent(steps: number): { preset: PresetName; agent: AgentConfig };
  /**
   * Whether its subnets differ in size so that a MAC budget applies (a cost model in
   * core/supernet/cost-models.ts; test/unit/supernet-registry.test.ts keeps the two in step).
   */
  macBudget: boolean;
}

/** Images per validation batch: batch norm uses batch statistics in evaluation too, so batches stay at 64. */
export const SUPERNET_EVAL_BATCH_SIZE = 64;
/** Random paths evaluated after each epoch; the best is that epoch's Acc(Env) candidate (Table 4). */
export const SUPERNET_EVAL_PATHS = 5;
/**
 * Training images OFA recalibrates batch norm on before each query (set_running_statistics on
 * a fixed random subset of 2,000 training images; at most the training images a run has): the
 * default for a loaded published supernet.
 */
export const OFA_CALIBRATION_IMAGES = 2000;
/**
 * The default for an OFA supernet trained here on a CPU: 256 images (4 evaluation batches).
 * Measured on the demo's supernet (w0.25, N = 4, 28×28, WASM, load ~11): 1.7 s per query with
 * batch statistics, 4.7 s recalibrating on 256 images, 10.7 s on 1,000 — OFA's 2,000 would make
 * the demo's search ~10× slower for the same kind of estimate on a training set of 1,000.
 */
export const OFA_TRAINED_CALIBRATION_IMAGES = 256;

export const SUPERNET_SPECS: Readonly<Record<SupernetId, SupernetSpec>> = {
  /**
   * NAS-Bench-201's skeleton at C = 8, N = 1 on the embedded MNIST: about 5 minutes on 2 CPU
   * cores. Single-path training learns per sampled path, so small batches (16) and many epochs
   * over 5,000 digits; lr 0.1 without cutout (the paper's 0.025 and cutout are for hundreds of
   * epochs). 8 validation batches of 64 = 512 fixed images per query.
   */
  nb201: {
    id: 'nb201',
    title: 'NAS-Bench-201 supernet',
    channels: 'channels C of the first stage',
    cells: 'cells per stage N',
    defaults: { epochs: 12, steps: 100, randomArchitectures: 50, C: 8, N: 1, trainImages: 5000, lrMax: 0.1, cutout: 0, batchSize: 16 },
    evalBatches: 8,
    evalBatchNorm: 'batch',
    loadsCheckpoints: false,
    samplings: ['uniform'],
    check: () => null,
    searchAgent: () => ({ preset: 'nb201-tuned', agent: resolveAgentConfig('nb201-tuned') }),
    macBudget: false,
  },
  /**
   * A small DARTS-space supernet for CPU machines: 5 cells (reductions after cells 1 and 3),
   * C = 4, 3 epochs over 2,000 digits. A DARTS path costs ~5× an NB201 path, so queries use 4
   * validation batches. Short searches scale the paper's warm-up to a quarter of the steps.
   */
  darts: {
    id: 'darts',
    title: 'DARTS supernet',
    channels: 'channels C (even)',
    cells: 'cells L',
    defaults: { epochs: 3, steps: 100, randomArchitectures: 20, C: 4, N: 5, trainImages: 2000, lrMax: 0.05, cutout: 0, batchSize: 16 },
    evalBatches: 4,
    evalBatchNorm: 'batch',
    loadsCheckpoints: false,
    samplings: ['uniform'],
    check: ({ C }) => (C % 2 ? `C = ${C}: the DARTS supernet needs an even number of channels (FactorizedReduce halves it)` : null),
    searchAgent: (steps) => ({ preset: 'darts', agent: resolveAgentConfig('darts', { warmupSteps: Math.max(1, Math.floor(steps / 4)), topK: 16, dedupe: 'top-k' }) }),
    macBudget: false,
  },
  /**
   * OFA's elastic MobileNetV3 (core/supernet/ofa-supernet.ts) small enough for CPU training on
   * 28×28 / 32×32 images: width multiplier 0.25 (C = 25: widths 8, 8, 8, 16, 24, 32, 40, final
   * 240 / 320 through make_divisible), four of OFA's five stride-2 steps (N = 4: the first conv at
   * stride 1, 28 → 2 before the final expand; N = 3 keeps unit 1 at 28×28 too and costs ~3.5×
   * the MACs). 1 epoch over 1,000 digits at lr 0.2 (measured, seed 0: best sampled path 46 % after
   * the epoch; 22 % at 0.05, 8 % at 0.5); 2 validation batches of 64 per query. Short
   * searches shorten the preset's 3,000-step warm-up to a quarter of the steps, as DARTS.
   */
  ofa: {
    id: 'ofa',
    title: 'OFA MobileNetV3 supernet',
    channels: 'width multiplier in % (100 = OFA w1.0, 120 = w1.2)',
    cells: "stride-2 steps kept (5 = OFA's ImageNet network, fewer for small images)",
    defaults: { epochs: 1, steps: 100, randomArchitectures: 20, C: 25, N: 4, trainImages: 1000, lrMax: 0.2, cutout: 0, batchSize: 16 },
    evalBatches: 2,
    evalBatchNorm: 'recalibrate',
    calibrationImages: OFA_TRAINED_CALIBRATION_IMAGES,
    loadsCheckpoints: true,
    samplings: ['uniform', 'progressive-shrinking'],
    check: ({ N }) => (N > 5 ? `N = ${N}: the OFA network has 5 stride-2 steps (5 = ImageNet's layout; fewer keep small images larger)` : null),
    searchAgent: (steps) => ({ preset: 'ofa', agent: resolveAgentConfig('ofa', { warmupSteps: Math.max(1, Math.floor(steps / 4)), topK: 16, dedupe: 'top-k' }) }),
    macBudget: true,
  },
};

export function isSupernetId(space: string): space is SupernetId {
  return (SUPERNET_IDS as readonly string[]).includes(space);
}

/** The spec of the supernet over `space`; an error naming the supernets that exist otherwise. */
export function supernetSpec(space: string): SupernetSpec {
  if (!isSupernetId(space)) throw new Error(`no supernet over the "${space}" space (supernets: ${SUPERNET_IDS.join(', ')})`);
  return SUPERNET_SPECS[space];
}
