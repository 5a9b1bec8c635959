import { Command, InvalidArgumentError, Option } from 'commander';
import { PRESET_NAMES } from '../contracts/agent-config';
import { METHOD_NAMES } from '../common/strategy';
import { BenchmarkFileError } from '../node/benchmark-csv';
import { DatasetFileError } from '../node/datasets';
import { BACKEND_ORDER } from '../node/backend';
import { runConfigFromOptions, UsageError } from '../node/run-config';
import { resumeCommand, searchCommand, DEFAULT_CHECKPOINT_EVERY } from './commands/search';
import { doctorCommand } from './commands/doctor';
import { serveCommand } from './commands/serve';
import { checkSupernetInputs, demoCommand, supernetConfigOf, DATASET_KINDS } from './commands/demo';
import { SPACE_IDS, SUPERNET_IDS } from '../contracts/ids';
import { isSupernetId, OFA_CALIBRATION_IMAGES, OFA_TRAINED_CALIBRATION_IMAGES } from '../common/supernets';
import { parseOverrides } from '../node/run-config';
import { resolveAgentConfig } from '../common/presets';
import type { PresetName } from '../contracts/agent-config';
import { DATASET_MAX_CLASSES, IMAGE_FOLDER_SIZE } from '../contracts/dataset';
import { MAX_MACS_LIMIT, SEARCH_STEPS_MAX, SEED_MAX, SUPERNET_SAMPLINGS, SupernetSettingsSchema } from '../contracts/run';
import type { z } from 'zod';
import { formatBenchTable, runBench, writeBenchOutputs } from './commands/bench';
import { inspectCommand } from './commands/inspect';
import { exportCommand, isTrainFolder, resumeTrainCommand, trainCommand } from './commands/train';
import { TRAIN_PRESET_IDS, TRAIN_SPACES, TrainSettingsSchema } from '../contracts/train';
import { TRAIN_PRESETS } from '../common/train-presets';
import { NETWORK_SPACES } from '../core/network/build';
import { NetworkSpecError } from '../core/network/network';
import { policySaveCommand, policyShowCommand } from './commands/policy';
import { withPolicy, writeStartPolicy } from '../node/policy-file';
import type { RunConfig } from '../contracts/run';

/** Exit codes: 0 success, 1 the run failed, 2 bad usage or bad input file. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)];
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
/**
 * An integer flag: decimal digits only (Number() would also take "0x5", "1e9", "0b1" and " 5 "),
 * within [min, max] — the API's bounds for the same setting, so a value the API refuses is
 * refused here too, never wrapped or clamped.
 */
function int(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string) => {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number ${range} in decimal digits (got "${v}")`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number ${range} (got ${v})`);
    return n;
  };
}
/** An integer flag bounded like its field in a contract schema (declared once, there). */
function intLike(name: string, field: z.ZodNumber) {
  return int(name, field.minValue ?? 0, field.maxValue ?? Number.MAX_SAFE_INTEGER);
}
const supernetField = SupernetSettingsSchema.shape;
function num(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
}
/** A number flag in (0, max], e.g. a learning rate. */
function positive(name: string, max: number) {
  return (v: string) => {
    const n = num(v);
    if (!(n > 0 && n <= max)) throw new InvalidArgumentError(`${name} must be a number > 0 and <= ${max} (got ${v})`);
    return n;
  };
}
const backendOption = () => new Option('--backend <name>', 'TF.js backend').choices(['auto', ...BACKEND_ORDER]).default('auto');

/** The flags that say which files a dataset is read from, beside --dataset (supernet searches and training alike). */
function datasetOptions(cmd: Command): Command {
  return cmd
    .option('--data <file>', 'dataset file; repeatable (idx: images then labels; cifar/imagenet: batch files; image-folder: the folder)', collect, [])
    .option('--classes <n>', `downsampled ImageNet, image folder: keep the first n classes (ImageNet16-120: 120; at most ${DATASET_MAX_CLASSES})`, int('--classes', 2, DATASET_MAX_CLASSES))
    .option('--image-size <px>', 'image folder: side of the centre crop after resizing the shorter side to size / 0.875 (OFA\'s evaluation transform)', int('--image-size', IMAGE_FOLDER_SIZE.min, IMAGE_FOLDER_SIZE.max))
    .option('--per-class <n>', 'image folder: keep the first n images of each class', int('--per-class', 1, 1_000_000));
}

/** The options of a supernet search, shared by `search --estimator supernet` and `demo` (defaults: the supernet's). */
function supernetOptions(cmd: Command): Command {
  return datasetOptions(cmd
    .addOption(new Option('--dataset <kind>', 'supernet training data (one half trains, the other is queried)').choices([...DATASET_KINDS]).default('mnist-embedded')))
    .option('--epochs <n>', 'supernet training epochs (default: the supernet\'s)', intLike('--epochs', supernetField.epochs))
    .option('--random <n>', 'random architectures queried after the search, for comparison', intLike('--random', supernetField.randomArchitectures))
    .option('--channels <n>', 'supernet channels C (DARTS: even; OFA: width multiplier in %, 100 = w1.0)', intLike('--channels', supernetField.C))
    .option('--cells <n>', 'NB201: cells per stage N; DARTS: cells; OFA: stride-2 steps kept (5 = ImageNet layout)', intLike('--cells', supernetField.N))
    .option('--train-images <n>', 'training images used (of the training half)', intLike('--train-images', supernetField.trainImages))
    .option('--batch <n>', 'training batch size', intLike('--batch', supernetField.batchSize))
    .option('--lr <x>', 'supernet peak learning rate (cosine to 1e-3)', positive('--lr', supernetField.lrMax.maxValue ?? 10))
    .option('--cutout <px>', 'cutout square side (0: off)', intLike('--cutout', supernetField.cutout))
    .addOption(
      new Option('--sampling <mode>', "how supernet training samples paths: uniform (single-path uniform sampling, the default) or progressive-shrinking (ofa: OFA's schedule — the largest network, then elastic kernel, depth and expand ratio over growing choice sets, in OFA's proportions of the training's steps)").choices([...SUPERNET_SAMPLINGS]),
    )
    .option(
      '--max-macs <millions>',
      "MAC budget (ofa): millions of multiply-accumulates per image at the dataset's resolution. Over-budget subnets are rejected before querying: never evaluated, answered with a fixed 0 % (the worst value), never the best — every method alike. A budget no subnet meets is refused up front",
      positive('--max-macs', MAX_MACS_LIMIT),
    )
    .option(
      '--supernet-checkpoint <file.pth>',
      "ofa: search this PyTorch checkpoint of OFA's OFAMobileNetV3 (e.g. ofa_mbv3_d234_e346_k357_w1.0; torch.save zip format) instead of training a supernet — no training unless --epochs is given (then it is fine-tuned). --channels must be its width (100 = w1.0, 120 = w1.2), --cells 5 for OFA's ImageNet layout, and the dataset must have its classes and 3 channels",
    )
    .addOption(
      new Option('--bn <mode>', "how batch norm runs in a query: batch (the query batch's statistics), running (the checkpoint's running statistics), recalibrate (OFA's query: statistics recomputed for the subnet on --calibration-images fixed training images). Default: recalibrate for ofa, batch otherwise").choices(['batch', 'running', 'recalibrate']),
    )
    .option('--calibration-images <n>', `--bn recalibrate: training images per recalibration (default ${OFA_CALIBRATION_IMAGES} as OFA for a --supernet-checkpoint, ${OFA_TRAINED_CALIBRATION_IMAGES} for a supernet trained here; at most the training images used)`, int('--calibration-images', 1, 1_000_000));
}

export function buildProgram(): Command {
  const program = new Command('l2nas')
    .description('L²NAS neural architecture search (Mills et al., CIKM 2021), headless')
    .showHelpAfterError()
    .exitOverride();

  supernetOptions(
    program
      .command('search')
      .description('run one search — on benchmark tables (--benchmark) or on a weight-sharing supernet trained first (--estimator supernet) — and write a run folder')
      .addOption(new Option('--space <space>', 'search space').choices([...SPACE_IDS]).default('nb201'))
      .addOption(new Option('--estimator <kind>', 'what answers the queries: benchmark tables, or a supernet trained on --dataset').choices(['table', 'supernet']).default('table'))
      .addOption(new Option('--method <method>', 'search method').choices([...METHOD_NAMES]).default('l2nas'))
      .addOption(new Option('--preset <name>', 'agent preset (paper §4; default: nb201 on tables, the supernet\'s search preset on supernets)').choices([...PRESET_NAMES]))
      .option('--benchmark <csv>', 'benchmark table (CSV with an arch column); repeat to join tables on arch', collect, [])
      .option('--metric <column>', 'table column to search on (accuracy, %)')
      .option('--report <column>', 'table column reported for the found architecture; repeatable', collect, [])
      .option('--steps <n>', 'queries (default: the preset’s, or the supernet\'s)', int('--steps', 1, SEARCH_STEPS_MAX))
      .option('--seed <n>', 'seed of the run’s one random generator', int('--seed', 0, SEED_MAX), 0)
      .option('--set <key=value>', 'override an agent setting, e.g. actorLr=1e-3; repeatable', (v: string, p: string[]) => [...p, v], [])
      .addOption(localMoveOption())
      .addOption(new Option('--reward <kind>', "reward: Eq. 3 (100^acc) or Eq. 7 (rescaled by Acc(Env), transfer); default: the preset's").choices(['eq3', 'eq7']))
      .option('--acc-env <percent>', "use reward Eq. 7 with this Acc(Env) (default for Eq. 7: the search column's maximum on a table, the supernet's best validation accuracy on a supernet)", positive('--acc-env', 100))
      .option('--acc-env-column <column>', "table search, Eq. 7: Acc(Env) is this column's maximum (default: the search column)")
      .option('--policy <run-dir|file>', 'start the L²NAS agent from this policy (a run folder or a policy file; same space, action shape and network) instead of random weights: a fine-tuning run (paper §4.4)')
      .requiredOption('--out <dir>', 'run folder to create')
      .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every', 1, SEARCH_STEPS_MAX), DEFAULT_CHECKPOINT_EVERY)
      .addOption(backendOption())
      .option('-q, --quiet', 'no progress bar or summary'),
  ).action(async (o) => {
    if (o.localMove !== undefined && o.method !== 'local') throw new UsageError(`--local-move belongs to --method local (this run's method: ${o.method})`);
    // --policy (issue #12): checked against the config before the folder exists; copied in after.
    const start = (config: RunConfig): { config: RunConfig; afterCreate?: (dir: string) => void } => {
      if (!o.policy) return { config };
      const p = withPolicy(config, o.policy);
      return { config: p.config, afterCreate: (dir) => writeStartPolicy(dir, p.bytes) };
    };
    if (o.estimator === 'supernet') {
      if (o.benchmark.length || o.metric) throw new UsageError('--benchmark and --metric belong to table searches; a supernet search queries its own validation half');
      if (o.accEnvColumn !== undefined) throw new UsageError('--acc-env-column belongs to table searches; a supernet\'s Acc(Env) is its best validation accuracy (or --acc-env)');
      if (!isSupernetId(o.space)) throw new UsageError(`no supernet over the "${o.space}" space (supernets: ${SUPERNET_IDS.join(', ')})`);
      const agent = o.preset || o.set.length ? { preset: (o.preset ?? 'nb201-tuned') as PresetName, config: agentOf(o.preset ?? 'nb201-tuned', o.set) } : undefined;
      const { config, afterCreate } = start({ ...supernetConfigOf(o, agent), backend: o.backend, ...(o.localMove ? { local: { move: o.localMove } } : {}) });
      await searchCommand(config, o.out, !!o.quiet, o.checkpointEvery, checkSupernetInputs(config), afterCreate);
      return;
    }
    if (!o.benchmark.length) throw new UsageError('a table search needs --benchmark <csv> (or use --estimator supernet)');
    if (o.space !== 'nb201') throw new UsageError(`benchmark tables exist for the nb201 space only ("${o.space}" is far too large to tabulate): use --estimator supernet`);
    const set = o.localMove ? [...o.set, `local.move=${o.localMove}`] : o.set;
    const { config, afterCreate } = start(runConfigFromOptions({ ...o, set, preset: o.preset ?? 'nb201', accEnv: o.accEnv }));
    await searchCommand(config, o.out, !!o.quiet, o.checkpointEvery, undefined, afterCreate);
  });

  program
    .command('resume')
    .description('continue a run folder from its last checkpoint (after a crash, kill or pause)')
    .argument('<run-dir>', 'the run folder')
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every', 1, SEARCH_STEPS_MAX), DEFAULT_CHECKPOINT_EVERY)
    .option('-q, --quiet', 'no progress bar or summary')
    .action(async (dir: string, o) => (isTrainFolder(dir) ? resumeTrainCommand(dir, !!o.quiet) : resumeCommand(dir, !!o.quiet, o.checkpointEvery)));

  const policy = program.command('policy').description('policy files: an L²NAS run\'s actor, critic and Adam states, to start another run from (paper §2.4)');
  policy
    .command('save')
    .description('write a run\'s policy (its final one, or that of its last checkpoint) to a policy file')
    .argument('<run-dir>', 'the run folder')
    .requiredOption('--out <file>', 'policy file to create (e.g. p.policy)')
    .option('-q, --quiet', 'no summary')
    .action((dir: string, o) => policySaveCommand(dir, o.out, !!o.quiet));
  policy
    .command('show')
    .description('what a policy file (or a run folder\'s policy) holds: space, action shape, networks, preset, reward, steps')
    .argument('<file|run-dir>', 'a policy file or a run folder')
    .option('--json', 'machine-readable output')
    .action((arg: string, o) => policyShowCommand(arg, !!o.json));

  program
    .command('bench')
    .description('Table-1-style benchmark: several methods × seeds × budgets on benchmark tables')
    .argument('<space>', 'search space (nb201)')
    .requiredOption('--benchmark <csv>', 'benchmark table; repeat to join tables on arch', collect, [])
    .requiredOption('--metrics <cols>', 'columns to search on, comma-separated', list)
    .option('--report <cols>', 'reported columns, paired with --metrics by position (default: the metric itself)', list)
    .option('--seeds <n>', 'seeds 0..n-1', int('--seeds', 1, SEED_MAX), 10)
    .option('--steps <list>', 'query budgets read off each run', (v: string) => list(v).map((s) => int('--steps', 1, SEARCH_STEPS_MAX)(s)), [500, 1000])
    .option('--methods <list>', `methods (${METHOD_NAMES.join(',')})`, list, [...METHOD_NAMES])
    .option('--presets <list>', 'L²NAS presets to compare', list, ['nb201'])
    .option('--set <key=value>', 'override a setting for every run; repeatable', (v: string, p: string[]) => [...p, v], [])
    .addOption(localMoveOption())
    .option('--jobs <n>', 'parallel worker processes', int('--jobs', 1), 1)
    .option('--json <file>', 'write the rows as JSON')
    .option('--plot <dir>', 'write best-so-far-vs-queries SVG plots')
    .addOption(backendOption())
    .option('-q, --quiet', 'no progress bar')
    .action(async (space: string, o) => {
      if (space !== 'nb201') throw new UsageError(`bench supports the nb201 space (got "${space}")`);
      const reports: string[] = o.report ?? o.metrics;
      if (reports.length !== o.metrics.length) throw new UsageError(`--report lists ${reports.length} columns but --metrics lists ${o.metrics.length}; they pair by position`);
      for (const m of o.methods) if (!(METHOD_NAMES as readonly string[]).includes(m)) throw new UsageError(`unknown method "${m}" (choose from ${METHOD_NAMES.join(', ')})`);
      if (o.localMove !== undefined && !o.methods.includes('local')) throw new UsageError('--local-move belongs to the local method, which --methods does not list');
      const configs = [];
      for (let i = 0; i < o.metrics.length; i++) {
        for (const method of o.methods) {
          for (const preset of method === 'l2nas' ? o.presets : [o.presets[0]]) {
            for (let seed = 0; seed < o.seeds; seed++) {
              const config = runConfigFromOptions({ space, method, preset, benchmark: o.benchmark, metric: o.metrics[i], report: [reports[i]], seed, set: method === 'local' && o.localMove ? [...o.set, `local.move=${o.localMove}`] : o.set, backend: o.backend });
              configs.push({ config, report: reports[i] });
            }
          }
        }
      }
      const out = await runBench({ configs, marks: o.steps, jobs: o.jobs, quiet: !!o.quiet });
      console.log(formatBenchTable(out.rows));
      console.log(`backend: ${out.backend}; q* = median queries until the table optimum of the search column was found`);
      writeBenchOutputs(o.json, o.plot, out);
    });

  supernetOptions(
    program
      .command('demo')
      .description('the offline default of a supernet search: train a small weight-sharing supernet (NAS-Bench-201, DARTS or OFA MobileNetV3 space) on the embedded MNIST digits or your dataset files, search it, compare with random architectures; `l2nas resume <out>` continues a killed one')
      .option('--out <dir>', 'run folder to create', `runs/demo-${Date.now()}`)
      .addOption(new Option('--space <space>', 'supernet space').choices([...SUPERNET_IDS]).default('nb201'))
      .addOption(new Option('--method <method>', 'search method on the trained supernet').choices([...METHOD_NAMES]).default('l2nas'))
      .option('--seed <n>', 'seed', int('--seed', 0, SEED_MAX), 0)
      .option('--steps <n>', 'search queries', intLike('--steps', supernetField.steps))
      .option('--checkpoint-every <n>', 'search steps between checkpoints', int('--checkpoint-every', 1, SEARCH_STEPS_MAX), DEFAULT_CHECKPOINT_EVERY)
      .addOption(backendOption()),
  ).action(async (o) => demoCommand(o));

  program
    .command('serve')
    .description('serve the Studio API and web UI on 127.0.0.1 (token-protected) for remote GPU boxes')
    .option('--runs <dir>', 'folder holding the run folders', 'runs')
    .option('--port <n>', 'port 1-65535 (default: a free one)', int('--port', 0, 65_535))
    .option('--data <dir>', 'a folder the API may read tables and datasets from (repeatable; default: the runs folder and the current folder)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (o) => serveCommand(o));

  program
    .command('inspect')
    .description('the network of an architecture: parameters (auxiliary head excluded), MACs per image and the per-layer table; --export writes it untrained (seeded) as tfjs/onnx/arch/layers')
    .addOption(new Option('--space <space>', 'search space of the architecture').choices([...NETWORK_SPACES]).makeOptionMandatory())
    .requiredOption('--arch <text>', 'NAS-Bench-201 arch string, DARTS Genotype(...) text or OFA config JSON {"ks": [20], "e": [20], "d": [5], "r": px}')
    .option('--layers <n>', 'NB201: cells per stage N (default 5); DARTS: cells (default 20); OFA: stride-2 steps kept, 1-5 (default 5, the ImageNet network)', int('--layers', 1, 64))
    .option('--channels <n>', 'NB201: first-stage C (default 16); DARTS: initial C, even (default 36); OFA: width multiplier in % (default 100 = w1.0; 120 = w1.2)', int('--channels', 1, 1024))
    .option('--classes <n>', 'classifier outputs (default 10; OFA 1000)', int('--classes', 2, 100_000))
    .option('--input <px>', "square input side (default 32; OFA: the config's r, else 224)", int('--input', 4, 1024))
    .option('--in-channels <n>', 'image channels (3: RGB, 1: grey)', int('--in-channels', 1, 64), 3)
    .option('--json', 'machine-readable output')
    .option('--export <formats>', 'also write the untrained network: tfjs, onnx, arch, layers (comma-separated)')
    .option('--out <dir>', 'folder for --export (new or empty)')
    .option('--seed <n>', 'seed of the untrained weights', int('--seed', 0, SEED_MAX), 0)
    .action((o) => inspectCommand({ ...o, input: o.input, inChannels: o.inChannels }));

  const trainField = TrainSettingsSchema.shape;
  const fraction = (name: string, max: number, maxOpen: boolean) => (v: string) => {
    const n = num(v);
    if (!(n >= 0 && (maxOpen ? n < max : n <= max))) throw new InvalidArgumentError(`${name} must be a number from 0 to ${maxOpen ? 'below ' : ''}${max} (got ${v})`);
    return n;
  };
  const train = program
    .command('train')
    .description('train one architecture from scratch into a new run folder (per-epoch checkpoints; `l2nas resume <out>` continues a killed one; `l2nas export <out>` writes the model)')
    .addOption(new Option('--space <space>', 'search space of the architecture (or --from-run)').choices([...TRAIN_SPACES]))
    .option('--arch <text>', 'NAS-Bench-201 arch string, DARTS Genotype(...) text or OFA config JSON (or --from-run)')
    .option('--from-run <run-dir>', 'train the best architecture of a finished search run')
    .addOption(new Option('--dataset <kind>', 'training data (one seeded half trains, the other validates)').choices(['mnist', ...DATASET_KINDS]).default('mnist'));
  datasetOptions(train)
    .option('--epochs <n>', 'epochs (preset default: 10)', intLike('--epochs', trainField.epochs))
    .option('--channels <n>', 'NB201: first-stage C (preset default: 16); DARTS: initial C, even (default 36); OFA: width multiplier in % (default 25, or the search run\'s)', intLike('--channels', trainField.channels))
    .option('--cells <n>', 'NB201: cells per stage N (preset default: 5); DARTS: cells (default 20); OFA: stride-2 steps kept, 1-5 (default 4, or the search run\'s)', intLike('--cells', trainField.layers))
    .option('--batch <n>', 'batch size (NB201 and OFA default 64, DARTS 96)', intLike('--batch', trainField.batchSize))
    .option('--lr <x>', 'peak learning rate, cosine to 0 (NB201 default 0.1, DARTS 0.025, OFA 0.03)', positive('--lr', 10))
    .option('--weight-decay <x>', 'weight decay (NB201 default 5e-4, DARTS 3e-4, OFA 3e-5)', fraction('--weight-decay', 1, false))
    .option('--cutout <px>', 'cutout square side (DARTS default 16, NB201 0)', intLike('--cutout', trainField.cutout))
    .option('--aux-weight <x>', 'DARTS auxiliary-loss weight (default 0.4; needs 32×32 images)', fraction('--aux-weight', 10, false))
    .option('--drop-path <p>', 'DARTS drop-path probability at the last epoch (default 0.2)', fraction('--drop-path', 1, true))
    .option('--train-images <n>', 'training images per epoch (of the training half; default all)', intLike('--train-images', trainField.trainImages.unwrap()))
    .option('--val-images <n>', 'validation images measured per epoch (default all)', intLike('--val-images', trainField.valImages.unwrap()))
    .option('--test-images <n>', 'test images measured at the end (default all)', intLike('--test-images', trainField.testImages.unwrap()))
    .option('--test-data <file>', 'the dataset\'s test split, files as --data (repeatable; e.g. test_batch.bin, the t10k IDX pair); without it the held-out half is cut into validation and test images', collect, [])
    .addOption(new Option('--preset <name>', `training preset: ${TRAIN_PRESET_IDS.map((p) => `${p} (${TRAIN_PRESETS[p].description.split(/[;(:]/)[0].trim()})`).join(', ')}; flags override it`).choices([...TRAIN_PRESET_IDS]).default('default'))
    .option('--seed <n>', 'seed of the run’s one random generator', int('--seed', 0, SEED_MAX), 0)
    .addOption(backendOption())
    .requiredOption('--out <dir>', 'run folder to create')
    .option('-q, --quiet', 'no progress output')
    .action(async (o) => trainCommand(o));

  program
    .command('export')
    .description('write the trained network of a training run, or the best subnet of an OFA supernet search (weights from the supernet, BN recalibrated): tfjs (model.json + weights), onnx (model.onnx), arch, layers, ofa (ofa-subnet.json for set_active_subnet), ofa-net (OFA\'s net.config) (comma-separated), with a README.txt')
    .argument('<run-dir>', 'a training run folder, or an OFA supernet search run folder')
    .requiredOption('--format <formats>', 'tfjs, onnx, arch, layers, ofa, ofa-net (comma-separated; ofa and ofa-net for OFA subnets)')
    .requiredOption('--out <dir>', 'folder to write (new or empty)')
    .addOption(backendOption())
    .action(async (dir: string, o) => exportCommand(dir, o.format, o.out, o.backend));

  program
    .command('doctor')
    .description('show which TensorFlow.js backend runs here and why')
    .option('--json', 'machine-readable output')
    .action(async (o) => doctorCommand(!!o.json));

  return program;
}

/** An agent config from a preset and `--set` overrides (a bad key or value is a UsageError). */
/** Local search's move rule (contracts/run.ts `local.move`; the same as --set local.move=…). */
function localMoveOption(): Option {
  return new Option('--local-move <rule>', 'method local: move to the first improving neighbour (in random order) or query all unseen neighbours and move to the best (default: first)').choices(['first', 'best']);
}

function agentOf(preset: string, set: string[]) {
  try {
    return resolveAgentConfig(preset, parseOverrides(set).agent);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    if (err.code?.startsWith('commander.')) return EXIT.usage; // commander already printed the message
    if (err instanceof UsageError || err instanceof BenchmarkFileError || err instanceof DatasetFileError || err instanceof NetworkSpecError) {
      console.error(`l2nas: ${err.message}`);
      return EXIT.usage;
    }
    console.error(`l2nas: ${err.message}`);
    if (process.env.L2NAS_DEBUG) console.error(err.stack);
    return EXIT.failed;
  }
}
