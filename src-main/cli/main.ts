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
import { demoCommand } from './commands/demo';
import { DATASET_KINDS } from './commands/demo';
import { SUPERNET_SPACES, ToTrainingWorkerSchema } from '../contracts/worker-protocol';
import { SEARCH_STEPS_MAX, SEED_MAX, SUPERNET_STEPS_MAX } from '../contracts/run';
import type { z } from 'zod';
import { formatBenchTable, runBench, writeBenchOutputs } from './commands/bench';

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
const demoField = ToTrainingWorkerSchema.options[0].shape;
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

export function buildProgram(): Command {
  const program = new Command('l2nas')
    .description('L²NAS neural architecture search (Mills et al., CIKM 2021), headless')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('search')
    .description('run one search on a benchmark table and write a run folder')
    .addOption(new Option('--space <space>', 'search space').choices(['nb201']).default('nb201'))
    .addOption(new Option('--method <method>', 'search method').choices([...METHOD_NAMES]).default('l2nas'))
    .addOption(new Option('--preset <name>', 'agent preset (paper §4)').choices([...PRESET_NAMES]).default('nb201'))
    .requiredOption('--benchmark <csv>', 'benchmark table (CSV with an arch column); repeat to join tables on arch', collect, [])
    .requiredOption('--metric <column>', 'column to search on (accuracy, %)')
    .option('--report <column>', 'column reported for the found architecture; repeatable', collect, [])
    .option('--steps <n>', 'queries (default: the preset’s)', int('--steps', 1, SEARCH_STEPS_MAX))
    .option('--seed <n>', 'seed of the run’s one random generator', int('--seed', 0, SEED_MAX), 0)
    .option('--set <key=value>', 'override an agent setting, e.g. actorLr=1e-3; repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--acc-env <percent>', 'use reward Eq. 7 with this Acc(Env) (transfer)', positive('--acc-env', 100))
    .requiredOption('--out <dir>', 'run folder to create')
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every', 1, SEARCH_STEPS_MAX), DEFAULT_CHECKPOINT_EVERY)
    .addOption(backendOption())
    .option('-q, --quiet', 'no progress bar or summary')
    .action(async (o) => {
      const config = runConfigFromOptions({ ...o, accEnv: o.accEnv });
      await searchCommand(config, o.out, !!o.quiet, o.checkpointEvery);
    });

  program
    .command('resume')
    .description('continue a run folder from its last checkpoint (after a crash, kill or pause)')
    .argument('<run-dir>', 'the run folder')
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('--checkpoint-every', 1, SEARCH_STEPS_MAX), DEFAULT_CHECKPOINT_EVERY)
    .option('-q, --quiet', 'no progress bar or summary')
    .action(async (dir: string, o) => resumeCommand(dir, !!o.quiet, o.checkpointEvery));

  program
    .command('bench')
    .description('Table-1-style benchmark: several methods × seeds × budgets on benchmark tables')
    .argument('<space>', 'search space (nb201)')
    .requiredOption('--benchmark <csv>', 'benchmark table; repeat to join tables on arch', collect, [])
    .requiredOption('--metrics <cols>', 'columns to search on, comma-separated', list)
    .option('--report <cols>', 'reported columns, paired with --metrics by position (default: the metric itself)', list)
    .option('--seeds <n>', 'seeds 0..n-1', int('--seeds', 1, SEED_MAX), 10)
    .option('--steps <list>', 'query budgets read off each run', (v: string) => list(v).map((s) => int('--steps', 1, SEARCH_STEPS_MAX)(s)), [500, 1000])
    .option('--methods <list>', `methods (${METHOD_NAMES.join(',')})`, list, ['l2nas', 'random', 'rea', 'reinforce'])
    .option('--presets <list>', 'L²NAS presets to compare', list, ['nb201'])
    .option('--set <key=value>', 'override a setting for every run; repeatable', (v: string, p: string[]) => [...p, v], [])
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
      const configs = [];
      for (let i = 0; i < o.metrics.length; i++) {
        for (const method of o.methods) {
          for (const preset of method === 'l2nas' ? o.presets : [o.presets[0]]) {
            for (let seed = 0; seed < o.seeds; seed++) {
              const config = runConfigFromOptions({ space, method, preset, benchmark: o.benchmark, metric: o.metrics[i], report: [reports[i]], seed, set: o.set, backend: o.backend });
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

  program
    .command('demo')
    .description('offline demo / supernet search: train a small weight-sharing supernet (NAS-Bench-201 or DARTS space) on the embedded MNIST digits or your dataset files, search it, compare with random architectures')
    .option('--out <dir>', 'run folder to create (re-run on the same folder to resume training)', `runs/demo-${Date.now()}`)
    .addOption(new Option('--space <space>', 'supernet space').choices([...SUPERNET_SPACES]).default('nb201'))
    .addOption(new Option('--method <method>', 'search method on the trained supernet').choices([...METHOD_NAMES]).default('l2nas'))
    .addOption(new Option('--dataset <kind>', 'training data (one half trains, the other is queried)').choices([...DATASET_KINDS]).default('mnist-embedded'))
    .option('--data <file>', 'dataset file; repeatable (idx: images then labels; cifar/imagenet: batch files)', collect, [])
    .option('--classes <n>', 'downsampled ImageNet: keep the first n classes (ImageNet16-120: 120)', int('--classes', 2, 1000))
    .option('--seed <n>', 'seed', int('--seed', 0, SEED_MAX), 0)
    .option('--epochs <n>', 'supernet training epochs (default: the space\'s demo value)', intLike('--epochs', demoField.epochs))
    .option('--steps <n>', 'search queries', int('--steps', 1, SUPERNET_STEPS_MAX))
    .option('--random <n>', 'random architectures for the comparison', intLike('--random', demoField.randomArchitectures))
    .option('--channels <n>', 'supernet channels C (DARTS: even)', intLike('--channels', demoField.C))
    .option('--cells <n>', 'NB201: cells per stage N; DARTS: cells', intLike('--cells', demoField.N))
    .option('--train-images <n>', 'training images used (of the training half)', intLike('--train-images', demoField.trainImages))
    .option('--batch <n>', 'training batch size', intLike('--batch', demoField.batchSize))
    .option('--lr <x>', 'supernet peak learning rate (cosine to 1e-3)', positive('--lr', demoField.lrMax.maxValue ?? 10))
    .option('--cutout <px>', 'cutout square side (0: off)', intLike('--cutout', demoField.cutout))
    .action(async (o) => demoCommand(o));

  program
    .command('serve')
    .description('serve the Studio API and web UI on 127.0.0.1 (token-protected) for remote GPU boxes')
    .option('--runs <dir>', 'folder holding the run folders', 'runs')
    .option('--port <n>', 'port 1-65535 (default: a free one)', int('--port', 0, 65_535))
    .action(async (o) => serveCommand(o));

  program
    .command('doctor')
    .description('show which TensorFlow.js backend runs here and why')
    .option('--json', 'machine-readable output')
    .action(async (o) => doctorCommand(!!o.json));

  return program;
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
    if (err instanceof UsageError || err instanceof BenchmarkFileError || err instanceof DatasetFileError) {
      console.error(`l2nas: ${err.message}`);
      return EXIT.usage;
    }
    console.error(`l2nas: ${err.message}`);
    if (process.env.L2NAS_DEBUG) console.error(err.stack);
    return EXIT.failed;
  }
}
