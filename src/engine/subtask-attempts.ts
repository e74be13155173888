// Runs one subtask to an outcome: attempts with retries (exponential backoff, jitter,
// retry-after), budget checks before every call, and one escalation to the next tier when
// every attempt at a tier failed. Each attempt is one ledger entry (see model-call.ts).

import { SymbiontError } from '../core/errors.js';
import type { Subtask, Tier } from '../core/records.js';
import { nextRetry } from '../core/retry-policy.js';
import { cutText } from '../core/subtask-prompt.js';
import { performModelCall } from './model-call.js';
import { type RunContext, reserveCall } from './run-context.js';

export type SubtaskOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; error: SymbiontError }
  | { kind: 'cancelled' }
  | { kind: 'budget' };

/** Errors that a stronger model would not fix: configuration, auth, cancellation, budget. */
const NOT_ESCALATED = new Set([
  'CANCELLED',
  'BUDGET_EXHAUSTED',
  'PROVIDER_AUTH',
  'PROVIDER_UNAVAILABLE',
  'LEDGER_WRITE',
  'STORE_WRITE',
]);

function isFatal(error: SymbiontError): boolean {
  return error.code === 'LEDGER_WRITE' || error.code === 'STORE_WRITE';
}

export async function runSubtaskAttempts(
  context: RunContext,
  subtask: Subtask,
  prompt: string,
  resultCap: number,
  /** Gives the concurrency slot back; called once a call succeeded, before it is ledgered. */
  releaseSlot: () => void = () => undefined,
): Promise<SubtaskOutcome> {
  const { task } = context;
  const settings = task.settings;
  let tier: Tier = subtask.tier_assigned ?? subtask.tier_hint;
  let model = subtask.model ?? context.modelFor(tier);
  let attempt = subtask.attempts;
  let attemptsAtTier = settings.max_attempts;
  let escalated = false;
  for (;;) {
    let lastError: SymbiontError | undefined;
    for (let tryAtTier = 1; tryAtTier <= attemptsAtTier; tryAtTier++) {
      if (context.signal.aborted) return { kind: 'cancelled' };
      const reservation = reserveCall(context, model, tier, prompt.length);
      if (!reservation) return { kind: 'budget' };
      attempt++;
      void context.emit({ type: 'subtask.started', index: subtask.index, attempt, tier, model });
      const outcome = await performModelCall({
        provider: context.provider,
        ledger: context.ledger,
        clock: context.clock,
        taskId: task.id,
        subtaskId: subtask.id,
        kind: 'subtask',
        attempt,
        tier,
        model,
        prompt,
        preview: subtask.description,
        timeoutMs: settings.timeout_ms,
        signal: context.signal,
        maxOutputTokens: context.maxOutputTokens,
        onProviderSuccess: releaseSlot,
      });
      context.budget.settle(reservation, outcome.cost);
      if (outcome.ok) {
        await context.emit({
          type: 'subtask.completed',
          index: subtask.index,
          result: cutText(outcome.result.text, resultCap, 'result cut'),
          cost: outcome.cost,
          input_tokens: outcome.inputTokens,
          output_tokens: outcome.outputTokens,
        });
        return { kind: 'completed' };
      }
      const error = outcome.error;
      lastError = error;
      if (isFatal(error)) throw error;
      const decision =
        error.code === 'CANCELLED'
          ? ({ retry: false, reason: 'cancelled' } as const)
          : nextRetry(
              error,
              tryAtTier,
              { ...context.retry, maxAttempts: attemptsAtTier },
              context.entropy.random(),
            );
      void context.emit({
        type: 'subtask.attempt_failed',
        index: subtask.index,
        attempt,
        error: error.message,
        code: error.code,
        cost: outcome.cost,
        input_tokens: outcome.inputTokens,
        output_tokens: outcome.outputTokens,
        retry_in_ms: decision.retry ? decision.delayMs : null,
      });
      if (error.code === 'CANCELLED') return { kind: 'cancelled' };
      if (!decision.retry) break;
      try {
        await context.clock.sleep(decision.delayMs, context.signal);
      } catch {
        return { kind: 'cancelled' };
      }
    }
    const failure = lastError ?? new SymbiontError('INTERNAL', 'subtask ended without an attempt');
    if (escalated || !settings.escalate || tier >= 3 || NOT_ESCALATED.has(failure.code)) {
      return { kind: 'failed', error: failure };
    }
    const nextTier = (tier + 1) as Tier;
    const nextModel = context.modelFor(nextTier);
    void context.emit({
      type: 'subtask.escalated',
      index: subtask.index,
      from_tier: tier,
      to_tier: nextTier,
      model: nextModel,
    });
    tier = nextTier;
    model = nextModel;
    attemptsAtTier = 1;
    escalated = true;
  }
}
