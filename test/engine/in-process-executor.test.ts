// The in-process executor on a manual clock: the timeout fires at exactly its time and stops
// the call (even one whose provider ignores its signal), cancellation is told from a timeout,
// and the outcome carries usage, cache tokens and price.

import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { estimateCallCost } from '../../src/core/pricing.js';
import { createInProcessExecutor } from '../../src/engine/in-process-executor.js';
import type { CallRequest } from '../../src/ports/call-executor.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../src/ports/model-provider.js';
import { flush, ManualClock } from '../fakes/manual-clock.js';

const call: CallRequest = {
  provider: 'test',
  taskId: 't',
  subtaskId: 't.0',
  kind: 'subtask',
  attempt: 1,
  tier: 1,
  model: 'claude-sonnet-4-5',
  prompt: 'do it',
  timeoutMs: 5_000,
  maxOutputTokens: 100,
};

function provider(complete: ModelProvider['complete']): ModelProvider & { seen: CompletionRequest[] } {
  const seen: CompletionRequest[] = [];
  return {
    name: 'test',
    seen,
    modelFor: () => 'claude-sonnet-4-5',
    complete: (request, signal) => {
      seen.push(request);
      return complete(request, signal);
    },
  };
}

/** A provider that never answers and ignores its signal. */
const deaf = () => new Promise<CompletionResult>(() => undefined);

describe('in-process executor', () => {
  it('answers with text, usage including cache tokens, the price from the tokens and the duration', async () => {
    const clock = new ManualClock();
    const answering = provider(async () => {
      await clock.sleep(1_200);
      return {
        text: 'done',
        inputTokens: 1_000_000,
        outputTokens: 0,
        cacheReadTokens: 1_000_000,
        cacheWriteTokens: 0,
        costUsd: null,
      };
    });
    const pending = createInProcessExecutor(answering, clock).execute(call, new AbortController().signal);
    await clock.advance(1_200);
    const outcome = await pending;
    expect(outcome).toMatchObject({
      ok: true,
      text: 'done',
      provider: 'test',
      model: 'claude-sonnet-4-5',
      durationMs: 1_200,
      usage: { inputTokens: 1_000_000, cacheReadTokens: 1_000_000, costSource: 'tokens' },
    });
    // All of it read from the cache: a tenth of $3 per million.
    expect(outcome.usage.costUsd).toBeCloseTo(0.3, 9);
    expect(answering.seen[0]).toMatchObject({ purpose: 'subtask', maxOutputTokens: 100 });
  });

  it('times out at exactly timeoutMs, even when the provider ignores its signal', async () => {
    const clock = new ManualClock();
    const pending = createInProcessExecutor(provider(deaf), clock).execute(
      call,
      new AbortController().signal,
    );
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await clock.advance(4_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({
      code: 'PROVIDER_TIMEOUT',
      retryable: true,
      message: 'timed out after 5000 ms',
    });
    expect(outcome.durationMs).toBe(5_000);
    // Killed at its timeout without a report: charged its pre-call estimate, never $0.
    const estimate = estimateCallCost(call.model, call.tier, call.prompt.length, call.maxOutputTokens ?? 0);
    expect(estimate).toBeGreaterThan(0);
    expect(outcome.usage).toMatchObject({ costUsd: estimate, costSource: 'estimate' });
    expect(clock.pendingCount).toBe(0);
  });

  it('reports CANCELLED when the task signal aborts, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const task = new AbortController();
    let providerSignal: AbortSignal | undefined;
    const pending = createInProcessExecutor(
      provider((_request, signal) => {
        providerSignal = signal;
        return deaf();
      }),
      clock,
    ).execute(call, task.signal);
    await flush();
    task.abort(new SymbiontError('CANCELLED', 'cancelled'));
    const outcome = await pending;
    expect(outcome.ok ? 'ok' : outcome.error.code).toBe('CANCELLED');
    // Stopped by the user before its timeout, with no report: charged nothing.
    expect(outcome.usage).toMatchObject({ costUsd: 0, costSource: 'estimate' });
    expect(providerSignal?.aborted).toBe(true);
    expect(clock.pendingCount).toBe(0);
  });

  it('charges a failed call what its provider reported, and keeps its code', async () => {
    const clock = new ManualClock();
    const failing = provider(async () => {
      throw new SymbiontError('PROVIDER_BAD_OUTPUT', 'is_error', { usage: { costUsd: 0.02 } });
    });
    const outcome = await createInProcessExecutor(failing, clock).execute(call, new AbortController().signal);
    expect(outcome).toMatchObject({ ok: false, usage: { costUsd: 0.02, costSource: 'provider' } });
    const thrown = provider(async () => {
      throw new Error('spawn ENOENT');
    });
    const other = await createInProcessExecutor(thrown, clock).execute(call, new AbortController().signal);
    expect(other.ok ? 'ok' : other.error.code).toBe('PROVIDER_EXIT');
  });
});
