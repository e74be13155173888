// What a failed attempt of a subtask leads to (SPEC §3): another attempt after a delay, one
// attempt a tier up, the subtask's failure, or the end of the whole task. Pure: the jitter's
// randomness is passed in. The runner carries the decision out.

import { errorTraits } from './error-traits.js';
import type { SymbiontError } from './errors.js';
import type { Tier } from './records.js';
import { nextRetry, type RetryPolicy } from './retry-policy.js';

export type AttemptDecision =
  /** Try the same tier again after `delayMs`. */
  | { kind: 'retry'; delayMs: number }
  /** Every attempt at this tier failed: one attempt at `tier` (the next one up). */
  | { kind: 'escalate'; tier: Tier }
  /** The subtask failed with this error. */
  | { kind: 'fail' }
  /** The task was cancelled (the call was stopped). */
  | { kind: 'cancelled' }
  /** The task cannot go on (the store or the ledger cannot be written): the error ends it. */
  | { kind: 'fatal' };

export interface FailedAttempt {
  error: SymbiontError;
  /** 1-based number of this attempt at the current tier. */
  tryAtTier: number;
  /** Attempts allowed at the current tier (max_attempts, 1 after an escalation). */
  attemptsAtTier: number;
  tier: Tier;
  /** Whether this subtask was already escalated once (it never is twice). */
  escalated: boolean;
  /** The task's `escalate` setting. */
  escalate: boolean;
  policy: RetryPolicy;
  /** Uniform in [0, 1), for the jitter. */
  random: number;
}

export function decideAfterFailure(failed: FailedAttempt): AttemptDecision {
  const { error } = failed;
  const traits = errorTraits(error.code);
  if (traits.fatal) return { kind: 'fatal' };
  if (error.code === 'CANCELLED') return { kind: 'cancelled' };
  const retry = nextRetry(
    error,
    failed.tryAtTier,
    { ...failed.policy, maxAttempts: failed.attemptsAtTier },
    failed.random,
  );
  if (retry.retry) return { kind: 'retry', delayMs: retry.delayMs };
  if (failed.escalated || !failed.escalate || failed.tier >= 3 || !traits.escalates) return { kind: 'fail' };
  return { kind: 'escalate', tier: (failed.tier + 1) as Tier };
}
