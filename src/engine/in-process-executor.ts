// The first CallExecutor: runs a call on a provider of this process. It owns what one attempt
// needs around the provider: a timeout that really stops the call, the classification of what
// went wrong (timeout vs cancellation vs provider failure) and the call's price. It neither
// ledgers nor emits: the runner does, in its order.

import { SymbiontError, toSymbiontError } from '../core/errors.js';
import { costOfCall, estimateCallCost } from '../core/pricing.js';
import type { CallExecutor, CallOutcome, CallRequest, CallUsage } from '../ports/call-executor.js';
import type { Clock } from '../ports/clock.js';
import type {
  CompletionRequest,
  CompletionResult,
  ModelProvider,
  TextSink,
} from '../ports/model-provider.js';
import { watchAbort } from './abort-watch.js';
import { startTimer } from './timers.js';

export function createInProcessExecutor(provider: ModelProvider, clock: Clock): CallExecutor {
  return { execute: (request, signal, onText) => execute(provider, clock, request, signal, onText) };
}

function timeoutError(request: CallRequest, cause?: unknown): SymbiontError {
  return new SymbiontError('PROVIDER_TIMEOUT', `timed out after ${request.timeoutMs} ms`, {
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
    context: { timeoutMs: request.timeoutMs },
  });
}

function classify(
  error: unknown,
  request: CallRequest,
  signal: AbortSignal,
  timedOut: boolean,
): SymbiontError {
  if (signal.aborted) return new SymbiontError('CANCELLED', 'cancelled', { cause: error });
  if (timedOut) return timeoutError(request, error);
  return toSymbiontError(error, 'PROVIDER_EXIT');
}

async function execute(
  provider: ModelProvider,
  clock: Clock,
  request: CallRequest,
  signal: AbortSignal,
  onText?: TextSink,
): Promise<CallOutcome> {
  const started = clock.now();
  // One controller per attempt, aborted by the task's signal or the timer. The same handlers
  // call `stop`, which rejects the wait for the provider's answer, so a provider that ignores
  // its signal still cannot hang the engine. (AbortSignal.any would keep a weak reference per
  // call on the task's signal.)
  const attempt = new AbortController();
  let timedOut = false;
  let settled = false;
  let stop: ((reason: unknown) => void) | undefined;
  const timer = startTimer(clock, request.timeoutMs, () => {
    timedOut = true;
    const reason = timeoutError(request);
    attempt.abort(reason);
    stop?.(reason);
  });
  const unwatch = watchAbort(signal, () => {
    attempt.abort(signal.reason);
    stop?.(signal.reason);
  });
  const price = provider.priceFor?.(request.model);
  try {
    const completion: CompletionRequest = {
      prompt: request.prompt,
      model: request.model,
      tier: request.tier,
      // A synthesis call is answered like a subtask: prose, no schema.
      purpose: request.kind === 'plan' ? 'plan' : 'subtask',
    };
    if (request.jsonSchema) completion.jsonSchema = request.jsonSchema;
    if (request.maxOutputTokens) completion.maxOutputTokens = request.maxOutputTokens;
    if (request.cachePrefixChars) completion.cachePrefixChars = request.cachePrefixChars;
    const result = await new Promise<CompletionResult>((resolve, reject) => {
      if (attempt.signal.aborted) {
        reject(attempt.signal.reason);
        return;
      }
      stop = reject;
      // Chunks stop at the outcome: a provider still streaming after its abort is not heard.
      const sink: TextSink | undefined = onText
        ? (chunk) => {
            if (!settled && chunk !== '') onText(chunk);
          }
        : undefined;
      provider.complete(completion, attempt.signal, sink).then(resolve, reject);
    });
    const model = result.model ?? request.model;
    const priced = costOfCall(result, model, request.tier, price);
    return {
      ok: true,
      text: result.text,
      provider: provider.name,
      model,
      usage: {
        inputTokens: result.inputTokens,
        outputTokens: result.outputTokens,
        cacheReadTokens: result.cacheReadTokens ?? null,
        cacheWriteTokens: result.cacheWriteTokens ?? null,
        costUsd: priced.cost_usd,
        costSource: priced.cost_source,
      },
      durationMs: clock.now() - started,
    };
  } catch (thrown) {
    const error = classify(thrown, request, signal, timedOut);
    return {
      ok: false,
      error,
      provider: provider.name,
      model: request.model,
      usage: failedUsage(error, request, price, timedOut),
      durationMs: clock.now() - started,
    };
  } finally {
    settled = true;
    timer.cancel();
    unwatch();
  }
}

/**
 * A failed call is charged what the provider reported for it; a call killed at its timeout
 * without a report, its estimate; HTTP errors and cancellations without one, zero. Costs
 * without a report are marked as estimates.
 */
function failedUsage(
  error: SymbiontError,
  request: CallRequest,
  price: ReturnType<NonNullable<ModelProvider['priceFor']>>,
  timedOut: boolean,
): CallUsage {
  const usage = error.usage;
  const inputTokens = usage?.inputTokens ?? null;
  const outputTokens = usage?.outputTokens ?? null;
  const hasUsage =
    usage !== undefined && (usage.costUsd != null || (inputTokens != null && outputTokens != null));
  const priced = hasUsage
    ? costOfCall(
        { inputTokens, outputTokens, costUsd: usage?.costUsd ?? null },
        request.model,
        request.tier,
        price,
      )
    : timedOut
      ? // Killed at its timeout: the tokens it used are billed but unknown, so it is charged
        // its pre-call estimate (the figure the budget reserved), never $0.
        {
          cost_usd:
            request.reservedUsd ??
            estimateCallCost(
              request.model,
              request.tier,
              request.prompt.length,
              request.maxOutputTokens ?? 0,
              price,
            ),
          cost_source: 'estimate' as const,
        }
      : { cost_usd: 0, cost_source: 'estimate' as const };
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    costUsd: priced.cost_usd,
    costSource: priced.cost_source,
  };
}
