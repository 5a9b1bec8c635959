import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../node/atomic-write';
import { describeReward } from '../../common/rewards';
import { encodePolicy, resolvePolicyArg, sha256Hex } from '../../node/policy-file';
import { UsageError } from '../../node/usage-error';

/**
 * `l2nas policy save <run-dir> --out <file>`: the run's policy (actor, critic, Adam states, with
 * its space, action shape and preset) as a policy file — the run's final.policy when it has
 * ended, else the networks of its last search checkpoint.
 */
export function policySaveCommand(dir: string, out: string, quiet: boolean): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a run folder`);
  if (fs.existsSync(out)) throw new UsageError(`${out} already exists: choose another --out (a policy file is never overwritten)`);
  const r = resolvePolicyArg(dir);
  const bytes = encodePolicy(r.policy);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileAtomic(out, bytes);
  if (!quiet) console.log(`${out}: policy of ${dir} (${r.policy.space}, preset ${r.policy.preset}, ${r.policy.steps} steps), sha256 ${sha256Hex(bytes)}`);
}

/** `l2nas policy show <file|run-dir>`: what a policy holds and what it fits. */
export function policyShowCommand(arg: string, json: boolean): void {
  const { policy: p, sha256, where } = resolvePolicyArg(arg);
  const info = {
    file: where,
    sha256,
    space: p.space,
    actionShape: p.actionShape,
    network: p.network,
    preset: p.preset,
    reward: describeReward(p.reward, p.accEnv),
    metric: p.metric,
    steps: p.steps,
    createdAt: p.createdAt,
    parameters: { actor: p.actor.length, critic: p.critic.length },
  };
  if (json) {
    console.log(JSON.stringify(info, null, 2));
    return;
  }
  console.log(`${info.file} (sha256 ${sha256})`);
  console.log(`  space ${p.space}, action ${p.actionShape.map((m) => `${m.name} ${m.rows}×${m.cols}`).join(' + ')}`);
  console.log(`  networks: ${p.network.hiddenLayers} hidden layers of ${p.network.hidden}; actor ${p.actor.length} and critic ${p.critic.length} parameters`);
  console.log(`  trained ${p.steps} steps with preset ${p.preset} on ${p.metric}; reward ${info.reward}`);
}
