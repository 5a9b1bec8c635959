import type { SupernetId } from '../../contracts/ids';
import { ofaCostModel } from './ofa-cost';
import type { SupernetCostModel, SupernetShape } from './supernet';

type CostModelOf = (shape: SupernetShape, C: number, N: number) => SupernetCostModel<unknown>;

/**
 * The supernets whose subnets differ in size, and their MAC / parameter models (from the
 * network's own layer shapes). Without TF.js: a MAC budget is checked before any folder is
 * written, in processes that never load it. NAS-Bench-201 and DARTS paths have none here.
 */
const COST_MODELS: Partial<Record<SupernetId, CostModelOf>> = {
  ofa: ofaCostModel as CostModelOf,
};

/** The cost model of supernet `id` for one run's settings, or null where it has none. */
export function supernetCostModel(id: SupernetId, shape: SupernetShape, C: number, N: number): SupernetCostModel<unknown> | null {
  return COST_MODELS[id]?.(shape, C, N) ?? null;
}

/** The supernets that have a cost model (for messages). */
export const COSTED_SUPERNETS = Object.keys(COST_MODELS) as SupernetId[];
