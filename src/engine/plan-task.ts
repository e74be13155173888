// The planning phase of a task: the planner's model calls (tier 1, structured output where the
// provider has it), each retried on transient errors, checked against the budget, ledgered as
// `kind: plan` and counted in the task's total cost.

import { SymbiontError } from '../core/errors.js';
import { PLAN_JSON_SCHEMA } from '../core/plan-schema.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import { nextRetry } from '../core/retry-policy.js';
import { performModelCall } from './model-call.js';
import { planWithModel } from './planner.js';
import { type RunContext, reserveCall } from './run-context.js';

/** `firstAttempt`: the ledger attempt number of the first call (a resumed planning starts later). */
export async function planTaskWithProvider(
  context: RunContext,
  request: string,
  firstAttempt = 1,
): Promise<ValidatedPlan> {
  const { task } = context;
  const tier = 1 as const;
  const model = context.modelFor(tier);
  let attemptNumber = firstAttempt - 1;
  return planWithModel(request, async (prompt) => {
    for (let tryNumber = 1; ; tryNumber++) {
      const reservation = reserveCall(context, model, tier, prompt.length);
      if (!reservation) {
        throw new SymbiontError('BUDGET_EXHAUSTED', 'budget exhausted before planning could finish');
      }
      attemptNumber++;
      const outcome = await performModelCall({
        provider: context.provider,
        ledger: context.ledger,
        clock: context.clock,
        taskId: task.id,
        subtaskId: null,
        kind: 'plan',
        attempt: attemptNumber,
        tier,
        model,
        prompt,
        preview: request,
        timeoutMs: task.settings.timeout_ms,
        signal: context.signal,
        jsonSchema: PLAN_JSON_SCHEMA,
        maxOutputTokens: context.maxOutputTokens,
      });
      context.budget.settle(reservation, outcome.cost);
      void context.emit({
        type: 'task.plan_attempted',
        attempt: attemptNumber,
        cost: outcome.cost,
        success: outcome.ok,
        error: outcome.ok ? null : outcome.error.message,
      });
      if (outcome.ok) return outcome.result.text;
      const decision = nextRetry(outcome.error, tryNumber, context.retry, context.entropy.random());
      if (!decision.retry) throw outcome.error;
      await context.clock.sleep(decision.delayMs, context.signal);
    }
  });
}
