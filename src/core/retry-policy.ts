// The retry policy (SPEC §3): whether a failed attempt is tried again and after how long.
// Decides from the error's `retryable` flag and code, never from its message. Pure: the jitter's
// randomness is passed in.

import { errorTraits } from './error-traits.js';
import { invalidValue, SymbiontError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts: number;
  /** Delay before the second attempt; it doubles for each attempt after. Default 500 ms. */
  baseDelayMs: number;
  /** Upper bound of the computed delay (retry-after may ask for more). Default 30,000 ms. */
  maxDelayMs: number;
  /** Relative spread of the delay: 0.25 means +-25%. From 0 to 1. Default 0.25. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.25,
});

/** The longest a retry-after is honoured; a server asking for more gets this. */
export const RETRY_AFTER_CAP_MS = 5 * 60_000;

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Defaults applied to `partial` (undefined fields ignored), then validated. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...defined };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw invalidValue('maxAttempts', 'an integer from 1 and up', policy.maxAttempts);
  }
  for (const field of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = policy[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalidValue(field, 'a finite number from 0 and up', value);
    }
  }
  if (typeof policy.jitter !== 'number' || !(policy.jitter >= 0 && policy.jitter <= 1)) {
    throw invalidValue('jitter', 'a number from 0 to 1', policy.jitter);
  }
  return policy;
}

/**
 * Decides after attempt number `attempt` (1-based) failed with `error`. Retries only a
 * SymbiontError marked retryable whose code's traits allow it (never CANCELLED or
 * BUDGET_EXHAUSTED, see error-traits.ts) while attempts remain.
 * The delay is baseDelayMs * 2^(attempt-1), spread by +-jitter using `random` (in [0, 1)),
 * capped at maxDelayMs; a retry-after from the other side wins when longer (up to 5 minutes).
 */
export function nextRetry(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: number,
): RetryDecision {
  if (!(error instanceof SymbiontError)) return { retry: false, reason: 'not retryable: unexpected error' };
  if (errorTraits(error.code).retryable === 'never' || !error.retryable) {
    return { retry: false, reason: `not retryable: ${error.code}` };
  }
  if (attempt >= policy.maxAttempts) {
    return { retry: false, reason: `gave up after ${attempt} of ${policy.maxAttempts} attempts` };
  }
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const spread = 1 + policy.jitter * (2 * clampUnit(random) - 1);
  let delayMs = Math.min(policy.maxDelayMs, Math.min(policy.maxDelayMs, exponential) * spread);
  const retryAfterMs = error.retryAfterMs;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
    delayMs = Math.max(delayMs, Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
  }
  return { retry: true, delayMs: Math.max(0, Math.round(delayMs)) };
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}
