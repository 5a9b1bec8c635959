import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SearchSpace } from '../common/spaces/space';
import { getSpace } from '../common/spaces';
import type { RunConfig, PolicyOrigin } from '../contracts/run';
import { POLICY_FORMAT_VERSION, POLICY_KIND, PolicyFileSchema, type ActionMatrix, type PolicyFile } from '../contracts/policy';
// Types only: the run manager (and so the Electron main process) imports this file, and must never load TF.js.
import type { L2nasPolicy, L2nasSnapshot } from '../core/agent/l2nas-agent';
import type { SearchStrategy } from '../common/strategy';
import { writeFileAtomic } from './atomic-write';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';
import { readCheckpoint, readRunConfig, readRunResult, RUN_FILES } from './run-folder';
import { openRegularFile, readAll, UnsafeFileError } from './safe-file';
import { UsageError } from './usage-error';

/**
 * Policy files (issue #12, paper §2.4 / §4.4): an L²NAS run's actor, critic and their Adam states,
 * saved so another run — on another dataset, with the same space and action shape — starts
 * from them instead of from random weights. Format: the checkpoint codec (SHA-256 over the
 * whole file, typed arrays as raw bytes, so weights round-trip bit-exactly) holding a
 * `PolicyFile` (contracts/policy.ts).
 *
 * In a run folder: `final.policy` is written when an L²NAS run ends (completed or cancelled);
 * `start.policy` is the copy of the policy a fine-tuning run started from, checked against the
 * SHA-256 in its config.json each time the run is (re)started, so the run never depends on the
 * original file staying where it was.
 */
/** A strategy that learns a policy (the L²NAS agent: core/agent/l2nas-agent.ts), found by its methods. */
interface PolicyHolder {
  policy(): L2nasPolicy;
  loadPolicy(p: L2nasPolicy): void;
}
const holdsPolicy = (s: SearchStrategy<unknown>): s is SearchStrategy<unknown> & PolicyHolder =>
  typeof (s as Partial<PolicyHolder>).policy === 'function' && typeof (s as Partial<PolicyHolder>).loadPolicy === 'function';

export const RUN_POLICY_FILES = { final: 'final.policy', start: 'start.policy' } as const;

/** A policy file is small (two MLPs and their moments: ~6 MB for the paper's DARTS networks). */
const POLICY_MAX_BYTES = 256 * 1024 * 1024;

/** A policy that cannot be used: damaged, not a policy, of a newer format, or not fitting the run. The CLI exits 2. */
export class PolicyFileError extends UsageError {
  override name = 'PolicyFileError';
}

export const actionShapeOf = (space: SearchSpace<unknown>): ActionMatrix[] => space.matrices.map((m) => ({ name: m.name, rows: m.rows.length, cols: m.cols.length }));
const shapeText = (s: readonly ActionMatrix[]) => s.map((m) => `${m.name} ${m.rows}×${m.cols}`).join(' + ');

export const sha256Hex = (buf: Uint8Array): string => crypto.createHash('sha256').update(buf).digest('hex');

export function encodePolicy(p: PolicyFile): Buffer {
  return encodeCheckpoint(p);
}

/** Decodes and validates a policy file's bytes; every refusal names `where` and says what is wrong. */
export function decodePolicy(buf: Buffer, where: string): PolicyFile {
  let raw: unknown;
  try {
    raw = decodeCheckpoint(buf, where);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    // The codec speaks of checkpoints being resumed; say it of a policy.
    const why = e.message.startsWith(`${where}: `) ? e.message.slice(where.length + 2) : e.message;
    throw new PolicyFileError(`${where}: not a usable policy file: ${why.replace(/[:;]? ?the (file|checkpoint) is (damaged and is )?not resumed.*$/, ' (the file is damaged or truncated)').replace('not a L²NAS checkpoint file', 'not a L²NAS file at all')}`);
  }
  const o = raw as { kind?: unknown; version?: unknown } | null;
  if (!o || typeof o !== 'object' || o.kind !== POLICY_KIND) {
    const looksLikeCheckpoint = !!o && typeof o === 'object' && 'strategy' in o && 'loop' in o;
    throw new PolicyFileError(`${where}: not a policy file${looksLikeCheckpoint ? ' (it is a search checkpoint: use `l2nas policy save <run-dir>`, or give the run folder)' : ''}`);
  }
  if (typeof o.version === 'number' && o.version > POLICY_FORMAT_VERSION) {
    throw new PolicyFileError(`${where}: policy format version ${o.version} is newer than this l2nas reads (${POLICY_FORMAT_VERSION}); update l2nas`);
  }
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new PolicyFileError(`${where}: not a valid policy file (${i.path.join('.') || 'file'}: ${i.message})`);
  }
  return parsed.data;
}

/** Reads a policy file (through safe-file: no FIFOs, devices or /proc), with its SHA-256. */
export function readPolicyFile(file: string): { policy: PolicyFile; sha256: string; bytes: Buffer } {
  let bytes: Buffer;
  try {
    const opened = openRegularFile(file, POLICY_MAX_BYTES, 'a policy file');
    try {
      bytes = readAll(opened, POLICY_MAX_BYTES);
    } finally {
      fs.closeSync(opened.fd);
    }
  } catch (e) {
    if (e instanceof UnsafeFileError) throw new PolicyFileError(`${file}: ${e.detail}`);
    throw e;
  }
  return { policy: decodePolicy(bytes, file), sha256: sha256Hex(bytes), bytes };
}

/** Builds a policy file from an agent's learned part and the run it was trained in. */
export function policyOf(config: RunConfig, p: L2nasPolicy, steps: number, accEnv?: number): PolicyFile {
  const space = getSpace(config.space) as SearchSpace<unknown>;
  return {
    kind: POLICY_KIND,
    version: POLICY_FORMAT_VERSION,
    space: config.space,
    actionShape: actionShapeOf(space),
    network: { hidden: config.agent.hidden, hiddenLayers: config.agent.hiddenLayers },
    preset: config.preset,
    agent: config.agent,
    reward: config.reward,
    ...(accEnv !== undefined ? { accEnv } : {}),
    metric: config.estimator.metric,
    steps,
    createdAt: new Date().toISOString(),
    ...p,
  };
}

/**
 * Refuses a policy that cannot start this run — another method, space, action shape or network
 * shape — naming the file and both sides of the mismatch.
 */
export function checkPolicyFits(p: PolicyFile, config: RunConfig, where: string): void {
  if (config.method !== 'l2nas') throw new PolicyFileError(`${where}: a policy starts L²NAS runs only (this run's method is ${config.method})`);
  const space = getSpace(config.space) as SearchSpace<unknown>;
  if (p.space !== config.space) {
    throw new PolicyFileError(`${where}: the policy is of the ${p.space} space (action ${shapeText(p.actionShape)}), this run searches the ${config.space} space (action ${shapeText(actionShapeOf(space))})`);
  }
  const want = actionShapeOf(space);
  if (JSON.stringify(p.actionShape) !== JSON.stringify(want)) {
    throw new PolicyFileError(`${where}: the policy's action shape is ${shapeText(p.actionShape)}, this run's (${config.space}) is ${shapeText(want)}`);
  }
  const { hidden, hiddenLayers } = config.agent;
  if (p.network.hidden !== hidden || p.network.hiddenLayers !== hiddenLayers) {
    throw new PolicyFileError(
      `${where}: the policy's networks have ${p.network.hiddenLayers} hidden layers of ${p.network.hidden} units, this run's (preset ${config.preset}) ${hiddenLayers} of ${hidden}: use a preset with the same network (e.g. the transfer presets), or --set hidden=${p.network.hidden} --set hiddenLayers=${p.network.hiddenLayers}`,
    );
  }
}

/**
 * The policy of a run folder: its `final.policy` when the run has ended, else the networks of
 * its last search checkpoint (a paused or running run). An error names the folder when it holds
 * neither, or is not an L²NAS run.
 */
export function policyOfRun(dir: string): { policy: PolicyFile; file: string } {
  const final = path.join(dir, RUN_POLICY_FILES.final);
  if (fs.existsSync(final)) return { policy: readPolicyFile(final).policy, file: final };
  let config: RunConfig;
  try {
    config = readRunConfig(dir);
  } catch (e) {
    throw new PolicyFileError(`${dir}: not a run folder with a policy (${(e as Error).message})`);
  }
  if (config.method !== 'l2nas') throw new PolicyFileError(`${dir}: a ${config.method} run has no policy (only L²NAS runs learn one)`);
  const cp = readCheckpoint(dir) as { loop?: { step?: number }; strategy?: L2nasSnapshot } | null;
  if (!cp?.strategy?.actor) throw new PolicyFileError(`${dir}: the run has neither ${RUN_POLICY_FILES.final} nor a search checkpoint yet (nothing learned to save)`);
  const { actor, critic, actorAdam, criticAdam } = cp.strategy;
  const result = readRunResult(dir);
  const accEnv = result?.reward?.kind === 'eq7' ? result.reward.accEnv : undefined;
  const policy = policyOf(config, { actor, critic, actorAdam, criticAdam }, cp.loop?.step ?? 0, accEnv);
  // Validate as a read file would be: a damaged checkpoint's arrays were refused by the codec already.
  return { policy: decodePolicy(encodePolicy(policy), path.join(dir, RUN_FILES.checkpoint)), file: path.join(dir, RUN_FILES.checkpoint) };
}

/** `--policy <run-dir|file>`: a file is read as a policy file; a folder gives its run's policy. */
export function resolvePolicyArg(arg: string): { policy: PolicyFile; bytes: Buffer; sha256: string; where: string } {
  let isDir: boolean;
  try {
    isDir = fs.statSync(arg).isDirectory();
  } catch (e) {
    throw new PolicyFileError(`${arg}: cannot read the policy (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isDir) return { ...readPolicyFile(arg), where: arg };
  const { policy, file } = policyOfRun(arg);
  const bytes = encodePolicy(policy);
  return { policy, bytes, sha256: sha256Hex(bytes), where: file };
}

/**
 * Checks a policy against a new run's config and returns the config recording its origin; the
 * bytes go into the run folder as `start.policy` (writeStartPolicy) once the folder exists.
 */
export function withPolicy(config: RunConfig, arg: string): { config: RunConfig; bytes: Buffer } {
  const r = resolvePolicyArg(arg);
  checkPolicyFits(r.policy, config, r.where);
  const policy: PolicyOrigin = { from: arg, sha256: r.sha256, space: r.policy.space, preset: r.policy.preset, steps: r.policy.steps };
  return { config: { ...config, policy }, bytes: r.bytes };
}

export function writeStartPolicy(dir: string, bytes: Uint8Array): void {
  writeFileAtomic(path.join(dir, RUN_POLICY_FILES.start), bytes);
}

/**
 * The session hook (search-session.ts): a run whose config.json names a policy starts its agent
 * from `start.policy`, after the strategy is made and before any checkpoint restore (which then
 * overwrites it with the run's own later state, so resume stays exact). The copy must carry the
 * SHA-256 config.json recorded.
 */
export function loadStartPolicy(dir: string, config: RunConfig, strategy: SearchStrategy<unknown>): void {
  if (!config.policy) return;
  const file = path.join(dir, RUN_POLICY_FILES.start);
  if (!fs.existsSync(file)) throw new PolicyFileError(`${file}: missing (config.json says the run starts from the policy of ${config.policy.from}); restore it, or start a new run`);
  const { policy, sha256 } = readPolicyFile(file);
  if (sha256 !== config.policy.sha256) throw new PolicyFileError(`${file}: SHA-256 ${sha256.slice(0, 12)}… differs from the ${config.policy.sha256.slice(0, 12)}… config.json recorded; restore the run's own copy, or start a new run`);
  checkPolicyFits(policy, config, file);
  if (!holdsPolicy(strategy)) throw new PolicyFileError(`${file}: a policy starts L²NAS runs only`);
  strategy.loadPolicy(policy);
}

/** At the end of an L²NAS run: its policy, as `final.policy` in the run folder. */
export function writeFinalPolicy(dir: string, config: RunConfig, strategy: SearchStrategy<unknown>, steps: number, accEnv?: number): void {
  if (!holdsPolicy(strategy)) return;
  writeFileAtomic(path.join(dir, RUN_POLICY_FILES.final), encodePolicy(policyOf(config, strategy.policy(), steps, accEnv)));
}
