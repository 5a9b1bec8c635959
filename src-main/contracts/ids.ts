/**
 * The ids of the things a run is made of, declared once: the zod enums of the contracts, the
 * engine's types and the UI's lists all derive from these.
 */
export const SPACE_IDS = ['nb201', 'darts', 'ofa'] as const;
export type SpaceId = (typeof SPACE_IDS)[number];

export const METHOD_IDS = ['l2nas', 'random', 'rea', 'reinforce', 'local'] as const;
export type MethodId = (typeof METHOD_IDS)[number];

/** TF.js backends, fastest first: the order `auto` tries them in (node/backend.ts). */
export const BACKEND_IDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

/** Spaces with a weight-sharing supernet (common/supernets.ts describes each). */
export const SUPERNET_IDS = ['nb201', 'darts', 'ofa'] as const satisfies readonly SpaceId[];
export type SupernetId = (typeof SUPERNET_IDS)[number];
