import { z } from 'zod';
import { AgentConfigSchema } from './agent-config';
import { SPACE_IDS } from './ids';
import { RewardConfigSchema } from './run';

/**
 * A policy file (issue #12, paper §2.4): the actor, the critic and their Adam states of an L²NAS
 * run, with what a new run must share to start from it — the space and its action shape (α's
 * matrices) and the networks' shape. Stored with the checkpoint codec (node/checkpoint-codec.ts:
 * SHA-256, typed arrays as raw bytes); node/policy-file.ts reads and writes it.
 */
export const POLICY_KIND = 'l2nas-policy';
export const POLICY_FORMAT_VERSION = 1;

const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, 'expected a float32 array');
const AdamStateSchema = z.object({ t: z.number().int().min(0), m: f32, v: f32 }).strict();

/** One α matrix of the action: its name and |E| × |O|. */
export const ActionMatrixSchema = z.object({ name: z.string(), rows: z.number().int().min(1), cols: z.number().int().min(1) }).strict();
export type ActionMatrix = z.infer<typeof ActionMatrixSchema>;

export const PolicyFileSchema = z
  .object({
    kind: z.literal(POLICY_KIND),
    version: z.literal(POLICY_FORMAT_VERSION),
    space: z.enum(SPACE_IDS),
    actionShape: z.array(ActionMatrixSchema).min(1),
    /** Hidden layers × units of actor and critic: a policy loads only into networks of this shape. */
    network: z.object({ hidden: z.number().int().min(1), hiddenLayers: z.number().int().min(1) }).strict(),
    /** Where it was trained: preset, agent settings, reward, search column, queries observed. */
    preset: z.string(),
    agent: AgentConfigSchema,
    reward: RewardConfigSchema,
    /** Eq. 7's Acc(Env) the rewards used, where known (a supernet's is measured during its run). */
    accEnv: z.number().gt(0).optional(),
    metric: z.string(),
    steps: z.number().int().min(0),
    createdAt: z.string(),
    actor: f32,
    critic: f32,
    actorAdam: AdamStateSchema,
    criticAdam: AdamStateSchema,
  })
  .strict();
export type PolicyFile = z.infer<typeof PolicyFileSchema>;
