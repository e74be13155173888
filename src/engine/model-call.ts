// One model call attempt: per-attempt timeout that really stops the call, error
// classification (timeout vs cancellation vs provider failure), pricing, and exactly one
// ledger entry. A ledger write failure is thrown, never swallowed.

import { getEventListeners } from 'node:events';
import { SymbiontError, toSymbiontError } from '../core/errors.js';
import { isoTime } from '../core/iso-time.js';
import { costOfCall, estimateCallCost } from '../core/pricing.js';
import type { Tier } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { CostSource, Ledger } from '../ports/ledger.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../ports/model-provider.js';
import { watchAbort } from './abort-watch.js';

export interface ModelCallRequest {
  provider: ModelProvider;
  ledger: Ledger;
  clock: Clock;
  taskId: string;
  subtaskId: string | null;
  kind: 'plan' | 'subtask';
  attempt: number;
  tier: Tier;
  model: string;
  prompt: string;
  timeoutMs: number;
  /** The task's signal: aborts on cancellation. */
  signal: AbortSignal;
  jsonSchema?: Record<string, unknown>;
  maxOutputTokens?: number;
  /** Called when the provider answered successfully, before the ledger append. */
  onProviderSuccess?: () => void;
  /** What the ledger's prompt_preview shows (first 100 characters); default: the prompt. */
  preview?: string;
}

interface CallCost {
  cost: number;
  costSource: CostSource;
  inputTokens: number | null;
  outputTokens: number | null;
  durationMs: number;
}

export type ModelCallOutcome =
  | ({ ok: true; result: CompletionResult } & CallCost)
  | ({ ok: false; error: SymbiontError } & CallCost);

function classify(error: unknown, request: ModelCallRequest, timedOut: boolean): SymbiontError {
  if (request.signal.aborted) {
    return new SymbiontError('CANCELLED', 'cancelled', { cause: error });
  }
  if (timedOut) {
    return new SymbiontError('PROVIDER_TIMEOUT', `timed out after ${request.timeoutMs} ms`, {
      retryable: true,
      cause: error,
      context: { timeoutMs: request.timeoutMs },
    });
  }
  return toSymbiontError(error, 'PROVIDER_EXIT');
}

// Controllers of calls that ended without aborting, and whose signal the provider left with no
// listener, are reused: creating one per attempt is a visible share of the engine's CPU.
const idleControllers: AbortController[] = [];

function takeController(): AbortController {
  return idleControllers.pop() ?? new AbortController();
}

function giveBack(controller: AbortController): void {
  if (controller.signal.aborted || idleControllers.length >= 256) return;
  if (getEventListeners(controller.signal, 'abort').length > 0) return;
  idleControllers.push(controller);
}

export async function performModelCall(request: ModelCallRequest): Promise<ModelCallOutcome> {
  const { provider, clock } = request;
  const started = clock.now();
  // One controller per attempt, aborted by the task's signal or the timer. The same handlers
  // call `stop`, which rejects the wait for the provider's answer, so a provider that ignores
  // its signal still cannot hang the engine.
  // (AbortSignal.any would keep a weak reference per call on the task's signal.)
  const attempt = takeController();
  let timedOut = false;
  let stop: ((reason: unknown) => void) | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    const reason = new SymbiontError('PROVIDER_TIMEOUT', `timed out after ${request.timeoutMs} ms`);
    attempt.abort(reason);
    stop?.(reason);
  }, request.timeoutMs);
  const unwatch = watchAbort(request.signal, () => {
    attempt.abort(request.signal.reason);
    stop?.(request.signal.reason);
  });
  const signal = attempt.signal;
  let outcome: ModelCallOutcome;
  try {
    const completion: CompletionRequest = {
      prompt: request.prompt,
      model: request.model,
      tier: request.tier,
      purpose: request.kind,
    };
    if (request.jsonSchema) completion.jsonSchema = request.jsonSchema;
    if (request.maxOutputTokens) completion.maxOutputTokens = request.maxOutputTokens;
    // The provider's answer, or the timer's or the task's abort, whichever comes first: a
    // provider that ignores its signal still cannot hang the engine.
    const result = await new Promise<CompletionResult>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      stop = reject;
      provider.complete(completion, signal).then(resolve, reject);
    });
    const priced = costOfCall(
      result,
      result.model ?? request.model,
      request.tier,
      provider.priceFor?.(request.model),
    );
    outcome = {
      ok: true,
      result,
      cost: priced.cost_usd,
      costSource: priced.cost_source,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      durationMs: clock.now() - started,
    };
  } catch (thrown) {
    const error = classify(thrown, request, timedOut);
    const usage = error.usage;
    // A failed call is charged what the provider reported for it; a call killed at its timeout
    // without a report, its estimate; HTTP errors and cancellations without one, zero. Costs
    // without a report are marked as estimates.
    const hasUsage =
      usage !== undefined &&
      (usage.costUsd != null || (usage.inputTokens != null && usage.outputTokens != null));
    const priced = hasUsage
      ? costOfCall(
          {
            inputTokens: usage?.inputTokens ?? null,
            outputTokens: usage?.outputTokens ?? null,
            costUsd: usage?.costUsd ?? null,
          },
          request.model,
          request.tier,
          provider.priceFor?.(request.model),
        )
      : timedOut
        ? // Killed at its timeout: the tokens it used are billed but unknown, so it is charged
          // its pre-call estimate (the figure the budget reserved), never $0.
          {
            cost_usd: estimateCallCost(
              request.model,
              request.tier,
              request.prompt.length,
              request.maxOutputTokens ?? 0,
              provider.priceFor?.(request.model),
            ),
            cost_source: 'estimate' as const,
          }
        : { cost_usd: 0, cost_source: 'estimate' as const };
    outcome = {
      ok: false,
      error,
      cost: priced.cost_usd,
      costSource: priced.cost_source,
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      durationMs: clock.now() - started,
    };
  } finally {
    clearTimeout(timer);
    unwatch();
    giveBack(attempt);
  }
  await request.ledger.append({
    timestamp: isoTime(clock.now()),
    task_id: request.taskId,
    subtask_id: request.subtaskId,
    kind: request.kind,
    attempt: request.attempt,
    provider: provider.name,
    model: outcome.ok ? (outcome.result.model ?? request.model) : request.model,
    success: outcome.ok,
    input_tokens: outcome.inputTokens,
    output_tokens: outcome.outputTokens,
    cost_usd: outcome.cost,
    cost_source: outcome.costSource,
    duration_ms: Math.max(0, Math.round(outcome.durationMs)),
    error: outcome.ok ? null : `${outcome.error.code}: ${outcome.error.message}`.slice(0, 500),
    prompt_preview: (request.preview ?? request.prompt).slice(0, 100),
  });
  return outcome;
}
