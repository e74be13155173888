// What a running task needs from the process: its adapters and shared limits. Built once per
// run by the task manager (or for `symbiont plan`) and handed to the planning and the attempts.

import type { Budget, Reservation } from '../core/budget.js';
import type { TaskEventBody } from '../core/events.js';
import { estimateCallCost } from '../core/pricing.js';
import type { Task, Tier } from '../core/records.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { CallExecutor, CallOutcome, CallRequest } from '../ports/call-executor.js';
import type { Clock, Entropy } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { ModelProvider } from '../ports/model-provider.js';
import { ledgerEntryOf } from './call-ledger.js';

export interface RunContext {
  task: Task;
  /** The task's provider: its name, models per tier and prices (the executor runs the calls). */
  provider: ModelProvider;
  executor: CallExecutor;
  ledger: Ledger;
  clock: Clock;
  entropy: Entropy;
  budget: Budget;
  retry: RetryPolicy;
  /** Aborts when the task is cancelled or must stop. */
  signal: AbortSignal;
  /** Applies an event to the local record and queues it for the store. */
  emit(event: TaskEventBody): Promise<void>;
  modelFor(tier: Tier): string;
  /** Upper bound on output tokens per call (also the budget's pessimistic estimate). */
  maxOutputTokens: number;
  /** The operator's largest plan: a planner answer over it is re-asked, then fails the task. */
  maxPlanSubtasks?: number;
}

/** Reserves a call's pessimistic cost estimate in the task's budget; undefined when it does not fit. */
export function reserveCall(
  context: RunContext,
  model: string,
  tier: Tier,
  promptChars: number,
): Reservation | undefined {
  const estimate = estimateCallCost(
    model,
    tier,
    promptChars,
    context.maxOutputTokens,
    context.provider.priceFor?.(model),
  );
  return context.budget.tryReserve(estimate);
}

/** Appends the call's ledger entry; rejects (LEDGER_WRITE) when it cannot be written. */
export async function ledgerCall(
  context: RunContext,
  request: CallRequest,
  outcome: CallOutcome,
  preview?: string,
): Promise<void> {
  await context.ledger.append(ledgerEntryOf(request, outcome, context.clock.now(), preview));
}
