import { z } from 'zod';

/** Most queries of one search on a benchmark table (re-exported by run.ts, which imports this file). */
export const SEARCH_STEPS_MAX = 1_000_000;

/**
 * Upper bounds of the settings that have no natural one (#15: a replay batch of 1e9 was accepted
 * and would have allocated for ever). Generous: ten times and more the largest value any preset
 * or the paper uses. The CLI, the API and the form all check them through this schema.
 */
export const AGENT_MAX = {
  topK: 4096, batchSize: 65_536, xi: 10, cMax: 1000, epsilonDecaySteps: SEARCH_STEPS_MAX, warmupSteps: SEARCH_STEPS_MAX,
  bufferSize: 10_000_000, hidden: 4096, hiddenLayers: 16, actorLr: 10, criticLr: 10,
} as const;
const atMost = (n: number) => ({ error: `at most ${n.toLocaleString('en-US')}` });

/**
 * Every hyperparameter of the L²NAS agent (paper §2 and §4). Presets fill these; each value can be
 * overridden from the CLI or the UI. Units: learning rates per Adam step, steps = queries.
 */
export const AgentConfigSchema = z
  .object({
    topK: z.number().int().min(1).max(AGENT_MAX.topK, atMost(AGENT_MAX.topK)).describe('K: architectures averaged into the state s_t'),
    tau: z.number().gt(0).lt(1).describe('τ: quantile of the critic check loss'),
    batchSize: z.number().int().min(1).max(AGENT_MAX.batchSize, atMost(AGENT_MAX.batchSize)).describe('|B_R|: replay batch size'),
    xi: z.number().min(0).max(AGENT_MAX.xi, atMost(AGENT_MAX.xi)).describe('ξ: half-width of the uniform action noise'),
    cMax: z.number().int().min(1).max(AGENT_MAX.cMax, atMost(AGENT_MAX.cMax)).describe('C_max: most training batches per step'),
    epsilonStart: z.number().min(0).max(1).describe('ε at step 0'),
    epsilonEnd: z.number().min(0).max(1).describe('ε after the cosine decay'),
    epsilonDecaySteps: z.number().int().min(0).max(AGENT_MAX.epsilonDecaySteps, atMost(AGENT_MAX.epsilonDecaySteps)).describe('steps of the cosine decay of ε'),
    warmupSteps: z.number().int().min(0).max(AGENT_MAX.warmupSteps, atMost(AGENT_MAX.warmupSteps)).describe('W: steps of uniformly random α before the actor acts'),
    bufferSize: z.number().int().min(0).max(AGENT_MAX.bufferSize, atMost(AGENT_MAX.bufferSize)).describe('replay buffer capacity (0 = keep everything)'),
    hidden: z.number().int().min(1).max(AGENT_MAX.hidden, atMost(AGENT_MAX.hidden)).describe('units per hidden layer of actor and critic'),
    hiddenLayers: z.number().int().min(1).max(AGENT_MAX.hiddenLayers, atMost(AGENT_MAX.hiddenLayers)).describe('hidden layers of actor and critic'),
    actorLr: z.number().gt(0).max(AGENT_MAX.actorLr, atMost(AGENT_MAX.actorLr)).describe('Adam learning rate of the actor'),
    criticLr: z.number().gt(0).max(AGENT_MAX.criticLr, atMost(AGENT_MAX.criticLr)).describe('Adam learning rate of the critic'),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
    dedupe: z
      .enum(['off', 'proposal', 'top-k'])
      .describe(
        'never spend a query on a known architecture: replace a repeat by an unseen one-choice mutation of the proposal itself, or of a top-K architecture picked by a 3-way tournament (tuned variants)',
      ),
    screen: z
      .number()
      .int()
      .min(0)
      // Optional, not defaulted: configs and checkpoints of the presets without it stay exactly as
      // they were written before the setting existed (a resume compares them as JSON).
      .optional()
      .describe(
        'exploit steps query, of the unseen one-choice neighbours of the best `screen` top-K architectures that have one and the actor\'s own proposal, the one the critic Q rates highest (absent or 0 = off, the paper\'s agent; nb201-fast: 1)',
      ),
    screenFrom: z
      .enum(['top-k', 'walker'])
      // Optional, not defaulted, as `screen`: absent = 'top-k', today's behaviour.
      .optional()
      .describe(
        'whose neighbours the screen rates: top-k (absent) = the best top-K architectures that have an unseen neighbour; walker = a current architecture as local search\'s, which moves to the first queried (or known neighbouring) architecture better than it and restarts from a uniformly random one when none of its neighbours is unseen (issue #14)',
      ),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export const PRESET_NAMES = ['nb201', 'nb201-tuned', 'nb201-fast', 'darts', 'darts-tuned', 'ofa', 'transfer-pretrain', 'transfer-finetune', 'transfer-pretrain-short', 'transfer-finetune-short'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Agent settings together with the preset they started from (what config.json records). */
export const AgentChoiceSchema = z.object({ preset: z.enum(PRESET_NAMES), config: AgentConfigSchema }).strict();
export type AgentChoice = z.infer<typeof AgentChoiceSchema>;
