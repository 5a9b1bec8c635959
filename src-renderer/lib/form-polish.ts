import { SEARCH_STEPS_MAX } from '../../src-main/contracts/run';
import type { AgentKey, SearchFormState, SpaceChoice } from './search-form';
import { AGENT_FIELDS, agentOverrides } from './search-form';

/**
 * Upper bounds the form puts on agent settings whose schema has none (#15 item 7: "a replay
 * batch of 1e9" was accepted and would have allocated for ever). Generous: ten times and more
 * the largest value any preset or the paper uses.
 */
export const AGENT_MAX: Partial<Record<AgentKey, number>> = {
  topK: 4096, batchSize: 65_536, xi: 10, cMax: 1000, epsilonDecaySteps: SEARCH_STEPS_MAX, warmupSteps: SEARCH_STEPS_MAX,
  bufferSize: 10_000_000, hidden: 4096, hiddenLayers: 16, actorLr: 10, criticLr: 10,
};

export function agentBoundErrors(form: SearchFormState): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  for (const f of AGENT_FIELDS) {
    const max = AGENT_MAX[f.key];
    const v = Number(form.agent[f.key]);
    if (max !== undefined && Number.isFinite(v) && v > max) out[`agent.${f.key}`] = `${f.label}: at most ${max.toLocaleString('en')}`;
  }
  return out;
}

/** Agent fields the user changed from the preset (a new preset would overwrite them: ask first). */
export function editedAgentFields(form: SearchFormState): string[] {
  const changed = agentOverrides(form);
  return AGENT_FIELDS.filter((f) => f.key in changed).map((f) => f.label);
}

/** The space a pasted architecture text is written in, or null when it looks like none. */
export function detectSpace(text: string): SpaceChoice | null {
  const t = text.trim();
  if (/^Genotype\s*\(/.test(t)) return 'darts';
  if (/^\{[\s\S]*"ks"[\s\S]*\}$/.test(t)) return 'ofa';
  if (/^\|[a-z_0-9]+~\d\|/.test(t)) return 'nb201';
  return null;
}

/** Raw system error codes in a message become words (one voice: no "ENOENT" in the UI). */
const CODES: Record<string, string> = {
  ENOENT: 'no such file or folder', EACCES: 'permission denied', EPERM: 'not permitted', EISDIR: 'it is a folder', ENOTDIR: 'a part of the path is not a folder',
  EMFILE: 'too many open files', ENOSPC: 'no space left on the device', EROFS: 'read-only file system', ELOOP: 'too many symbolic links', EBUSY: 'the file is busy',
};
export function plainMessage(message: string): string {
  return message.replace(/\b(E[A-Z]{3,9})\b/g, (code) => CODES[code] ?? code);
}
