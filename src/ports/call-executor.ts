// The call-executor port: where one model call runs. The runner hands an executor one call and
// gets its outcome back; it keeps everything around the call (slots, budget, retries, the
// ledger entry, events). The in-process executor (engine/in-process-executor.ts) runs the call
// on a provider of this process; a worker pool behind a queue can run it elsewhere, so a
// CallRequest is plain JSON-serialisable data and the signal travels beside it.

import type { SymbiontError } from '../core/errors.js';
import type { CostSource } from '../core/ledger-entry.js';
import type { Tier } from '../core/records.js';
import type { TextSink } from './model-provider.js';

export interface CallRequest {
  /** The provider that runs the call (its registered name). */
  provider: string;
  taskId: string;
  /** Null for a planning call. */
  subtaskId: string | null;
  kind: 'plan' | 'subtask' | 'synthesis';
  /** The call's attempt number as ledgered (1-based, counted across tiers). */
  attempt: number;
  tier: Tier;
  model: string;
  prompt: string;
  /**
   * The prompt's first characters that every call of the task repeats (instructions, goal):
   * a provider with prompt caching marks them for its cache; others send the prompt as it is.
   */
  cachePrefixChars?: number;
  /** The call is stopped and fails with PROVIDER_TIMEOUT after this long. */
  timeoutMs: number;
  /** Upper bound on output tokens, where the provider takes one. */
  maxOutputTokens?: number;
  /**
   * What the task's budget reserved for this call (its worst case). A call killed at its
   * timeout, with no usage reported, is charged this.
   */
  reservedUsd?: number;
  /** For `plan`: the JSON schema of the answer, for providers with structured output. */
  jsonSchema?: Record<string, unknown>;
}

/** Token counts and cost of one call, successful or not. */
export interface CallUsage {
  /** Input tokens, cache reads and writes included; null when unknown. */
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  /** What the call cost (a failed call: only what its provider reported, else 0). */
  costUsd: number;
  costSource: CostSource;
}

interface OutcomeBase {
  /** The provider's name as the ledger records it. */
  provider: string;
  /** The model that answered (or was asked, when the call failed). */
  model: string;
  usage: CallUsage;
  /** Wall time of the call as the executor's clock saw it. */
  durationMs: number;
}

/**
 * A call's outcome. A failure is data too (executors do not throw for a failed call): its
 * error is a SymbiontError whose code, message, retryable and retryAfterMs are what a remote
 * executor sends back.
 */
export type CallOutcome =
  | (OutcomeBase & { ok: true; text: string })
  | (OutcomeBase & { ok: false; error: SymbiontError });

export interface CallExecutor {
  /**
   * Runs one call. When `signal` aborts (the task was cancelled or must stop) the call is
   * stopped and the outcome is a CANCELLED failure. Never rejects. `onText`, like the signal,
   * travels beside the request: it gets the answer's text as it streams (a remote executor
   * relays the chunks); no chunk arrives after the outcome.
   */
  execute(request: CallRequest, signal: AbortSignal, onText?: TextSink): Promise<CallOutcome>;
}
