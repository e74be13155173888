// What a running task needs from the process: its adapters and shared limits. Built once per
// run by the task manager (or for `symbiont plan`) and handed to the planning and the attempts.

import type { Budget, Reservation } from '../core/budget.js';
import { promptTokenBound, sizeCall } from '../core/call-reservation.js';
import type { TaskEventBody } from '../core/events.js';
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
  /** Upper bound on output tokens per call; a call under a budget may be given less. */
  maxOutputTokens: number;
  /** The most subtasks a model-made plan may have (DEFAULT_MAX_PLANNED_SUBTASKS when absent). */
  maxPlannedSubtasks?: number;
}

/** A call that fits: its reservation and the output cap it must be sent with. */
export interface ReservedCall {
  kind: 'reserved';
  reservation: Reservation;
  maxOutputTokens: number;
}

export type ReserveResult = ReservedCall | { kind: 'wait' } | { kind: 'exhausted'; message: string };

/**
 * Reserves the most the call can cost, with the largest output cap that fits what is left
 * (down to the floor). When even the floor does not fit: `wait` while calls in flight may
 * leave room once they settle, else `exhausted` with the figures.
 */
export function reserveCall(context: RunContext, model: string, tier: Tier, prompt: string): ReserveResult {
  const { provider, budget } = context;
  const bounds = provider.callBounds;
  const sizing = sizeCall(
    {
      model,
      tier,
      promptTokens: promptTokenBound(prompt, bounds?.promptOverheadTokens ?? 0),
      price: provider.priceFor?.(model),
    },
    { capTokens: context.maxOutputTokens, honoursCap: bounds?.honoursMaxOutputTokens ?? false },
    budget.available,
  );
  if (sizing.fits) {
    const reservation = budget.tryReserve(sizing.reserveUsd);
    if (reservation) return { kind: 'reserved', reservation, maxOutputTokens: sizing.maxOutputTokens };
    return budget.shortfall(sizing.reserveUsd);
  }
  return budget.shortfall(sizing.minimumUsd);
}

/**
 * The request of a call of this task that `reserved` covers: the task's provider and timeout,
 * the reservation's output cap and worst case, and what names the call.
 */
export function callRequest(
  context: RunContext,
  reserved: ReservedCall,
  call: Pick<CallRequest, 'subtaskId' | 'kind' | 'attempt' | 'tier' | 'model' | 'prompt'>,
): CallRequest {
  return {
    provider: context.provider.name,
    taskId: context.task.id,
    ...call,
    timeoutMs: context.task.settings.timeout_ms,
    maxOutputTokens: reserved.maxOutputTokens,
    reservedUsd: reserved.reservation.estimate,
  };
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
