import { nb201Space } from './nb201';
import type { SearchSpace, SpaceId } from './space';

export const SPACES: Partial<Record<SpaceId, SearchSpace<any>>> = { nb201: nb201Space };

export function getSpace(id: string): SearchSpace<any> {
  const s = SPACES[id as SpaceId];
  if (!s) throw new Error(`unknown search space "${id}" (choose one of ${Object.keys(SPACES).join(', ')})`);
  return s;
}
