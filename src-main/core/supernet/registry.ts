import type { SupernetId } from '../../common/supernets';
import { dartsSupernetBuilder } from './darts-supernet';
import { nb201SupernetBuilder } from './nb201-supernet';
import { ofaSupernetBuilder } from './ofa-supernet';
import type { SupernetBuilder } from './supernet';

/**
 * Every supernet's builder, by the id of common/supernets.ts (the type makes a new id without
 * a builder a compile error). Adding a supernet: its file here, a spec there, one line below.
 */
const BUILDERS: { readonly [K in SupernetId]: SupernetBuilder<unknown> } = {
  nb201: nb201SupernetBuilder as SupernetBuilder<unknown>,
  darts: dartsSupernetBuilder as SupernetBuilder<unknown>,
  ofa: ofaSupernetBuilder as SupernetBuilder<unknown>,
};

export function supernetBuilder(id: SupernetId): SupernetBuilder<unknown> {
  return BUILDERS[id];
}
