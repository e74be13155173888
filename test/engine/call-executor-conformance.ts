// What every CallExecutor must do, run against each one (the in-process executor and the test
// fake today, a queue-backed worker pool next): answer with a complete outcome, report failures
// as outcomes (never reject), and stop a call whose signal aborts with a CANCELLED outcome.

import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import type { CallExecutor, CallOutcome, CallRequest } from '../../src/ports/call-executor.js';
import { flush, type ManualClock, runOnClock } from '../fakes/manual-clock.js';

/** What the call the executor runs does: answer "answer text", fail non-retryably, or hang. */
export type Behaviour = 'answer' | 'fail' | 'hang';

export interface ExecutorUnderTest {
  executor: CallExecutor;
  clock: ManualClock;
}

export const conformanceCall: CallRequest = {
  provider: 'conformance',
  taskId: 'compound-conformance',
  subtaskId: 'compound-conformance.0',
  kind: 'subtask',
  attempt: 1,
  tier: 2,
  model: 'model-2',
  prompt: '## Your subtask\nsay something',
  timeoutMs: 60_000,
  maxOutputTokens: 256,
};

function expectUsage(outcome: CallOutcome): void {
  const { usage } = outcome;
  for (const field of ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'] as const) {
    const value = usage[field];
    expect(value === null || (Number.isInteger(value) && value >= 0), field).toBe(true);
  }
  expect(usage.costUsd).toBeGreaterThanOrEqual(0);
  expect(['provider', 'tokens', 'estimate']).toContain(usage.costSource);
  expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
  expect(typeof outcome.provider).toBe('string');
  expect(typeof outcome.model).toBe('string');
}

export function callExecutorConformance(
  name: string,
  make: (behaviour: Behaviour) => ExecutorUnderTest,
): void {
  describe(`CallExecutor conformance: ${name}`, () => {
    it('answers with the text and a complete, JSON-serialisable outcome', async () => {
      const { executor, clock } = make('answer');
      const outcome = await runOnClock(
        clock,
        executor.execute(conformanceCall, new AbortController().signal),
      );
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.text).toBe('answer text');
      expect(outcome.model).toBe('model-2');
      expectUsage(outcome);
      expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
    });

    it('reports a failure as an outcome with a SymbiontError, never a rejection', async () => {
      const { executor, clock } = make('fail');
      const outcome = await runOnClock(
        clock,
        executor.execute(conformanceCall, new AbortController().signal),
      );
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error).toBeInstanceOf(SymbiontError);
      expect(outcome.error.code).toBe('PROVIDER_BAD_REQUEST');
      expect(outcome.error.retryable).toBe(false);
      expectUsage(outcome);
    });

    it('stops a running call when its signal aborts: a CANCELLED outcome', async () => {
      const { executor } = make('hang');
      const controller = new AbortController();
      const pending = executor.execute(conformanceCall, controller.signal);
      await flush();
      controller.abort(new SymbiontError('CANCELLED', 'cancelled'));
      const outcome = await pending;
      expect(outcome.ok ? 'ok' : outcome.error.code).toBe('CANCELLED');
    });

    it('does not start a call whose signal already aborted', async () => {
      const { executor } = make('hang');
      const outcome = await executor.execute(
        conformanceCall,
        AbortSignal.abort(new SymbiontError('CANCELLED', 'x')),
      );
      expect(outcome.ok ? 'ok' : outcome.error.code).toBe('CANCELLED');
    });
  });
}
