// The answer step of a run (SPEC §10), after execution and before the task finishes. The core
// (core/answer.ts) says how the answer is made; this module makes the synthesis call when one
// is needed: through the task's executor like any call, within the budget, retried per the
// retry policy, each attempt ledgered as `kind: synthesis` with no subtask id. A call that
// cannot be made or keeps failing leaves the sinks' results joined as the answer.

import { fallbackAnswer, planAnswer, synthesizedAnswer } from '../core/answer.js';
import { errorTraits } from '../core/error-traits.js';
import type { Tier } from '../core/records.js';
import { nextRetry } from '../core/retry-policy.js';
import { cutText } from '../core/subtask-prompt.js';
import { callRequest, ledgerCall, type RunContext, reserveCall } from './run-context.js';

/** The synthesis call's tier unless the task's settings name one. */
export const DEFAULT_SYNTHESIS_TIER: Tier = 2;

/**
 * Writes the task's answer (a `task.answered` event) unless it gets none (`stopped`: the task was
 * cancelled; or nothing completed) or the task is cancelled meanwhile. `attemptsBefore`: synthesis
 * attempts earlier runs of this task ledgered (a retry numbers its own after them).
 * `noCallBecause`: make no call (the provider refuses them): the sinks' results joined. Rejects
 * only with a fatal (store or ledger) error.
 */
export async function writeAnswer(
  context: RunContext,
  stopped: boolean,
  attemptsBefore = 0,
  noCallBecause?: string,
): Promise<void> {
  const { task } = context;
  const plan = planAnswer(task, stopped);
  if (plan.kind === 'none') return;
  if (plan.kind === 'direct') {
    await context.emit({ type: 'task.answered', answer: plan.answer, cost: 0, attempts: 0 });
    return;
  }
  if (noCallBecause !== undefined) {
    const answer = fallbackAnswer(plan, noCallBecause);
    await context.emit({ type: 'task.answered', answer, cost: 0, attempts: 0 });
    return;
  }
  const settings = task.settings;
  const tier = settings.synthesis_tier ?? DEFAULT_SYNTHESIS_TIER;
  const model = context.modelFor(tier);
  let attempt = attemptsBefore;
  let cost = 0;
  let answer: string | undefined;
  for (let tryNumber = 1; answer === undefined; tryNumber++) {
    if (context.signal.aborted) return;
    // Every subtask has ended, so no call in flight can free room: waiting would never end.
    const reserved = reserveCall(context, model, tier, plan.prompt);
    if (reserved.kind !== 'reserved') {
      answer = fallbackAnswer(plan, 'the budget left no room for the call that writes one answer');
      break;
    }
    const { reservation } = reserved;
    attempt++;
    const call = callRequest(context, reserved, {
      subtaskId: null,
      kind: 'synthesis',
      attempt,
      tier,
      model,
      prompt: plan.prompt,
    });
    const outcome = await context.executor.execute(call, context.signal);
    context.budget.settle(reservation, outcome.usage.costUsd);
    cost += outcome.usage.costUsd;
    await ledgerCall(context, call, outcome, `synthesis: ${task.prompt}`);
    if (outcome.ok) {
      answer = synthesizedAnswer(cutText(outcome.text, settings.result_cap, 'answer cut'), task.subtasks);
      break;
    }
    const error = outcome.error;
    if (errorTraits(error.code).fatal) throw error;
    if (error.code === 'CANCELLED') return;
    const decision = nextRetry(error, tryNumber, context.retry, context.entropy.random());
    if (!decision.retry) {
      answer = fallbackAnswer(plan, `the call that writes one answer failed (${error.message})`);
      break;
    }
    try {
      await context.clock.sleep(decision.delayMs, context.signal);
    } catch {
      return;
    }
  }
  await context.emit({ type: 'task.answered', answer, cost, attempts: attempt - attemptsBefore });
}
