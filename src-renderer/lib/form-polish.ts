import type { SearchFormState, SpaceChoice } from './search-form';
import { AGENT_FIELDS, agentOverrides } from './search-form';

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
