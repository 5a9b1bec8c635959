import { dartsSpace } from './darts';
import { nb201Space } from './nb201';
import { ofaSpace } from './ofa';
import type { SearchSpace, SpaceId } from './space';

export const SPACES: Record<SpaceId, SearchSpace<any>> = { nb201: nb201Space, darts: dartsSpace, ofa: ofaSpace };

export function getSpace(id: string): SearchSpace<any> {
  const s = SPACES[id as SpaceId];
  if (!s) throw new Error(`unknown search space "${id}" (choose one of ${Object.keys(SPACES).join(', ')})`);
  return s;
}
