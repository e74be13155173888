// The model-provider port: answer one prompt with text, token counts and, where known, cost.
// Adapters (simulated, claude-cli, anthropic, openai-compatible) map their wire format onto it
// and throw SymbiontError with a provider code; the engine owns retries, timeouts and pricing.

import type { Tier } from '../core/records.js';
import type { ServerRateLimits } from '../core/server-rate-limits.js';

export interface CompletionRequest {
  prompt: string;
  /** The provider's model name for this call (already resolved from the tier). */
  model: string;
  tier: Tier;
  /** `plan` for the planner's call, `subtask` otherwise. */
  purpose: 'plan' | 'subtask';
  /** For `plan`: the JSON schema of the answer, for providers with structured output. */
  jsonSchema?: Record<string, unknown>;
  /** Upper bound on output tokens, where the provider takes one. */
  maxOutputTokens?: number;
  /**
   * The prompt's first characters are the same for every call of the task (instructions and
   * goal): a provider with prompt caching sends them as a cached block; others ignore this.
   */
  cachePrefixChars?: number;
}

export interface CompletionResult {
  text: string;
  /** Input tokens, cache reads and writes included; null when unknown. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Of inputTokens: tokens read from / written to the prompt cache, where reported. */
  cacheReadTokens?: number | null;
  cacheWriteTokens?: number | null;
  /** Of cacheWriteTokens: those written to the 1-hour cache (priced at 2x input, not 1.25x). */
  cacheWrite1hTokens?: number | null;
  /** Cost the provider itself reported (the Claude CLI's total_cost_usd), else null. */
  costUsd: number | null;
  /** The model that actually answered, if the provider says. */
  model?: string;
  /** The provider's rate-limit headroom as its response reported it (for the rate limiter). */
  rateLimits?: ServerRateLimits;
}

/** What bounds a call's cost, for budget reservations (core/call-reservation.ts). */
export interface CallBounds {
  /** The provider never returns more output than `maxOutputTokens` (it sends it as max_tokens). */
  honoursMaxOutputTokens: boolean;
  /** Input tokens the provider adds to every prompt (a system prompt of its own), at most. */
  promptOverheadTokens: number;
}

export interface ModelProvider {
  /** Stable name, recorded in the ledger: `simulated`, `claude-cli`, ... */
  readonly name: string;
  /**
   * How a call's worst case is known. Absent: the output cap is not known to be honoured, so
   * the budget reserves every call at the full cap and sizes nothing down.
   */
  readonly callBounds?: CallBounds;
  /**
   * Present when the provider caches a prompt's shared prefix: the fewest prefix tokens the
   * model caches (shorter prefixes are sent uncached). The runner then starts a fan-out's
   * first call alone, so that the others read what it wrote.
   */
  readonly promptCache?: { minPrefixTokens(model: string): number };
  /** The provider's model name for a tier (configurable per provider). */
  modelFor(tier: Tier): string;
  /**
   * One attempt. Must stop work promptly when `signal` aborts (kill the child, abort the
   * request) and then reject with the signal's reason. Failures are SymbiontErrors.
   */
  complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult>;
  /**
   * Optional price per million tokens for a model this provider serves, overriding the
   * built-in table (e.g. zero for a local model). Return undefined to use the table.
   */
  priceFor?(model: string): { inputPerMillion: number; outputPerMillion: number } | undefined;
}
