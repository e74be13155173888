// Runs one subtask to an outcome: attempts with retries (exponential backoff, jitter,
// retry-after), budget checks before every call, and one escalation to the next tier when
// every attempt at a tier failed. What a failed attempt leads to is decided in the core
// (attempt-decision.ts); this module carries it out.
//
// The answer's text streams out while the call runs, as `subtask.output` events (coalesced,
// output-coalescer.ts), all of them before the attempt's outcome.
//
// Order around each call: the executor returns; its cost settles the budget; a successful call
// gives its slot back (unless a dependent it readies should have it, see dispatch.ts); then the
// attempt is ledgered; then its outcome is emitted. So the next call starts while this
// one's ledger entry is synced, and their appends share one fsync batch. A failed attempt keeps
// its slot through the retry delay: the retry is the same subtask going on.

import { decideAfterFailure } from '../core/attempt-decision.js';
import type { SymbiontError } from '../core/errors.js';
import type { Subtask, Task, Tier } from '../core/records.js';
import {
  buildSubtaskPrompt,
  cutText,
  type DependencyResult,
  sharedSubtaskPrefixChars,
} from '../core/subtask-prompt.js';
import type { HeldSlot } from './dispatch.js';
import { OutputCoalescer } from './output-coalescer.js';
import { callRequest, ledgerCall, type RunContext, reserveCall } from './run-context.js';

export type SubtaskOutcome =
  | { kind: 'completed' }
  | { kind: 'failed'; error: SymbiontError }
  | { kind: 'cancelled' }
  /** The budget cannot cover even the call's smallest reservation: the figures. */
  | { kind: 'budget'; message: string }
  /**
   * Not started: the first call waits for calls in flight to settle (dispatch puts it back).
   * `settleCount`: the budget's settle count when it did not fit; it may start once that changes.
   */
  | { kind: 'deferred'; settleCount: number };

/** The task's goal, each direct dependency's result, and the subtask's description last. */
export function subtaskPrompt(task: Task, subtask: Subtask): string {
  const dependencies: DependencyResult[] = [];
  for (let at = 0; at < subtask.depends_on.length; at++) {
    const dependency = subtask.depends_on[at]!;
    const source = task.subtasks[dependency]!;
    dependencies.push({ index: dependency, description: source.description, result: source.result ?? '' });
  }
  return buildSubtaskPrompt({
    goal: task.prompt,
    description: subtask.description,
    dependencies,
    contextChars: task.settings.context_chars,
  });
}

/** Resolves with the subtask's outcome; rejects with a fatal (store or ledger) error. */
export async function runSubtaskAttempts(
  context: RunContext,
  subtask: Subtask,
  prompt: string,
  resultCap: number,
  slot: HeldSlot,
): Promise<SubtaskOutcome> {
  const { task } = context;
  const settings = task.settings;
  let tier: Tier = subtask.tier_assigned ?? subtask.tier_hint;
  let model = subtask.model ?? context.modelFor(tier);
  let attempt = subtask.attempts;
  let attemptsAtTier = settings.max_attempts;
  let escalated = false;
  const firstAttempt = attempt;
  const cachePrefixChars = context.provider.promptCache ? sharedSubtaskPrefixChars(task.prompt) : 0;
  for (let tryAtTier = 1; ; tryAtTier++) {
    if (context.signal.aborted) return { kind: 'cancelled' };
    const reserved = reserveCall(context, model, tier, prompt);
    if (reserved.kind === 'exhausted') return { kind: 'budget', message: reserved.message };
    if (reserved.kind === 'wait') {
      // Not started yet: back to the ready queue. A retry waits here, in its slot.
      if (attempt === firstAttempt) return { kind: 'deferred', settleCount: context.budget.settleCount };
      try {
        await context.budget.nextSettle(context.signal);
      } catch {
        return { kind: 'cancelled' };
      }
      tryAtTier--;
      continue;
    }
    const { reservation } = reserved;
    attempt++;
    void context.emit({ type: 'subtask.started', index: subtask.index, attempt, tier, model });
    const call = callRequest(context, reserved, {
      subtaskId: subtask.id,
      kind: 'subtask',
      attempt,
      tier,
      model,
      prompt,
    });
    if (cachePrefixChars > 0) call.cachePrefixChars = cachePrefixChars;
    const started = attempt;
    const output = new OutputCoalescer(context.clock, (text) => {
      void context.emit({ type: 'subtask.output', index: subtask.index, attempt: started, text });
    });
    const outcome = await context.executor.execute(call, context.signal, (chunk) => output.push(chunk));
    // The text so far goes out before the outcome's events.
    output.flush();
    const { usage } = outcome;
    // The real cost replaces the estimate before the slot frees, so the next call's budget
    // check counts it.
    context.budget.settle(reservation, usage.costUsd);
    if (outcome.ok) slot.releaseEarly();
    await ledgerCall(context, call, outcome, subtask.description);
    if (outcome.ok) {
      await context.emit({
        type: 'subtask.completed',
        index: subtask.index,
        result: cutText(outcome.text, resultCap, 'result cut'),
        cost: usage.costUsd,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
      });
      return { kind: 'completed' };
    }
    const error = outcome.error;
    const decision = decideAfterFailure({
      error,
      tryAtTier,
      attemptsAtTier,
      tier,
      escalated,
      escalate: settings.escalate,
      policy: context.retry,
      random: context.entropy.random(),
    });
    if (decision.kind === 'fatal') throw error;
    void context.emit({
      type: 'subtask.attempt_failed',
      index: subtask.index,
      attempt,
      error: error.message,
      code: error.code,
      cost: usage.costUsd,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      retry_in_ms: decision.kind === 'retry' ? decision.delayMs : null,
    });
    switch (decision.kind) {
      case 'cancelled':
        return { kind: 'cancelled' };
      case 'fail':
        return { kind: 'failed', error };
      case 'retry':
        try {
          await context.clock.sleep(decision.delayMs, context.signal);
        } catch {
          return { kind: 'cancelled' };
        }
        continue;
      case 'escalate': {
        const nextModel = context.modelFor(decision.tier);
        void context.emit({
          type: 'subtask.escalated',
          index: subtask.index,
          from_tier: tier,
          to_tier: decision.tier,
          model: nextModel,
        });
        tier = decision.tier;
        model = nextModel;
        attemptsAtTier = 1;
        escalated = true;
        tryAtTier = 0;
      }
    }
  }
}
