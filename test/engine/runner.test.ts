// The runner on a manual clock with a fake executor: retries and their delays, timeouts,
// escalation, slot caps, cancellation, a fatal ledger error, and the order of slot release,
// ledger entry and stored completion. No real timer runs: time moves when the test moves it.

import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskEvent } from '../../src/core/events.js';
import type { Ledger, LedgerEntry, LedgerEntryInput } from '../../src/ports/ledger.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';
import { transientError } from '../fakes/fake-executor.js';
import { flush, runOnClock } from '../fakes/manual-clock.js';
import { chainPlan } from './harness.js';
import { fakeProvider, makeRig } from './runner-harness.js';

function ofType<T extends TaskEvent['type']>(events: TaskEvent[], type: T) {
  return events.filter((event): event is Extract<TaskEvent, { type: T }> => event.type === type);
}

describe('runner on a manual clock', () => {
  it('retries a transient failure after the backoff delay, as the clock moves', async () => {
    const { manager, clock, executor, ledger, store } = makeRig((_, call) =>
      call <= 2 ? { error: transientError() } : {},
    );
    const start = clock.now();
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['flaky']) });
    await flush();
    expect(executor.calls).toHaveLength(1);
    // Default policy, no jitter: 500 ms before the second attempt, 1000 ms before the third.
    await clock.advance(499);
    expect(executor.calls).toHaveLength(1);
    await clock.advance(1);
    expect(executor.calls).toHaveLength(2);
    await clock.advance(999);
    expect(executor.calls).toHaveLength(2);
    await clock.advance(1);
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(executor.calls.map((call) => call.startedAt - start)).toEqual([0, 500, 1500]);
    expect(executor.calls.map((call) => call.request.attempt)).toEqual([1, 2, 3]);
    // What a remote executor would receive: plain data that survives JSON unchanged.
    for (const call of executor.calls) expect(JSON.parse(JSON.stringify(call.request))).toEqual(call.request);
    expect(executor.calls[0]!.request).toMatchObject({
      provider: 'fake',
      taskId: receipt.id,
      subtaskId: `${receipt.id}.0`,
      kind: 'subtask',
      tier: 1,
      model: 'haiku',
      timeoutMs: 120_000,
    });
    const failed = ofType(await store.readEvents(receipt.id, 0), 'subtask.attempt_failed');
    expect(failed.map((event) => [event.attempt, event.code, event.retry_in_ms])).toEqual([
      [1, 'PROVIDER_SERVER_ERROR', 500],
      [2, 'PROVIDER_SERVER_ERROR', 1000],
    ]);
    expect(ledger.entries().map((entry) => [entry.attempt, entry.success])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    await manager.close();
  });

  it('honours a retry-after longer than the backoff', async () => {
    const { manager, clock, executor } = makeRig((_, call) =>
      call === 1
        ? {
            error: new SymbiontError('PROVIDER_RATE_LIMITED', '429', {
              retryable: true,
              retryAfterMs: 7_000,
            }),
          }
        : {},
    );
    const start = clock.now();
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['limited']) });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(executor.calls.map((call) => call.startedAt - start)).toEqual([0, 7_000]);
    await manager.close();
  });

  it('stops a call at its timeout (in-process executor) and fails the subtask after its attempts', async () => {
    const hanging: ModelProvider = {
      ...fakeProvider,
      complete: (_request: CompletionRequest, signal: AbortSignal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
    };
    const { manager, clock, ledger } = makeRig(undefined, {
      providers: () => hanging,
      executorFor: undefined,
    });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['slow', 'after'], [[], [0]]),
      settings: { timeout_ms: 30_000, max_attempts: 2, escalate: false },
    });
    await flush();
    await clock.advance(29_999);
    expect(ledger.entries()).toHaveLength(0);
    await clock.advance(1);
    expect(ledger.entries()).toHaveLength(1);
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('failed');
    expect(task.subtasks[0]).toMatchObject({
      status: 'failed',
      error: 'timed out after 30000 ms',
      attempts: 2,
    });
    expect(task.subtasks[1]).toMatchObject({ status: 'skipped', error: 'dependency 0 failed' });
    const entries = ledger.entries();
    expect(entries.map((entry) => [entry.success, entry.duration_ms, entry.error])).toEqual([
      [false, 30_000, 'PROVIDER_TIMEOUT: timed out after 30000 ms'],
      [false, 30_000, 'PROVIDER_TIMEOUT: timed out after 30000 ms'],
    ]);
    await manager.close();
  });

  it('escalates once to the next tier after every attempt at a tier failed', async () => {
    const { manager, clock, executor, store } = makeRig((_, __, request) =>
      request.model === 'haiku' ? { error: new SymbiontError('PROVIDER_BAD_REQUEST', 'too hard') } : {},
    );
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['hard']) });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]).toMatchObject({ tier_assigned: 2, model: 'sonnet' });
    expect(
      executor.calls.map((call) => [call.request.tier, call.request.model, call.request.attempt]),
    ).toEqual([
      [1, 'haiku', 1],
      [2, 'sonnet', 2],
    ]);
    const escalated = ofType(await store.readEvents(receipt.id, 0), 'subtask.escalated');
    expect(escalated.map((event) => [event.from_tier, event.to_tier, event.model])).toEqual([
      [1, 2, 'sonnet'],
    ]);
    await manager.close();
  });

  it('does not escalate an error a stronger model cannot fix (bad credentials)', async () => {
    const { manager, clock, executor } = makeRig(() => ({
      error: new SymbiontError('PROVIDER_AUTH', 'authentication failed'),
    }));
    const receipt = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['any']) });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('failed');
    expect(executor.calls.map((call) => call.request.model)).toEqual(['haiku']);
    await manager.close();
  });

  it('starts no other call once the provider refused the credentials (one refusal, not one per step)', async () => {
    const { manager, clock, executor } = makeRig((description) =>
      description === 'b'
        ? { error: new SymbiontError('PROVIDER_AUTH', 'authentication failed: check ANTHROPIC_API_KEY') }
        : { delayMs: 1_000, text: `result of ${description}` },
    );
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c', 'd', 'e', 'f']),
      settings: { concurrency: 2 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    // a and b started together; a, already in flight, ran to its end; nothing else started,
    // not even the answer's synthesis call.
    expect(executor.calls.map((call) => [call.description, call.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'error'],
    ]);
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual([
      'completed',
      'failed',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(task.subtasks[2]!.error).toBe('not started: authentication failed: check ANTHROPIC_API_KEY');
    expect(task.status).toBe('partial');
    expect(task.error).toBe('authentication failed: check ANTHROPIC_API_KEY');
    expect(task.answer).toContain('result of a');
    await manager.close();
  });

  it('keeps both the task cap and the process cap on calls in flight', async () => {
    const perTask = makeRig(() => ({ delayMs: 1_000 }));
    const start = perTask.clock.now();
    const receipt = await perTask.manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c', 'd', 'e', 'f']),
      // Subtask calls only: the answer's call is covered in answer.test.ts.
      settings: { concurrency: 2, synthesis: false },
    });
    await runOnClock(perTask.clock, perTask.manager.waitForTask(receipt.id));
    expect(perTask.executor.maxInFlight).toBe(2);
    // Three waves of two one-second calls.
    expect(perTask.clock.now() - start).toBe(3_000);
    await perTask.manager.close();

    const shared = makeRig(() => ({ delayMs: 1_000 }), { globalConcurrency: 2 });
    const receipts = await Promise.all(
      ['x', 'y'].map((name) =>
        shared.manager.submitTask({
          prompt: name,
          plan: chainPlan([1, 2, 3, 4].map((n) => `${name}${n}`)),
          settings: { concurrency: 3, synthesis: false },
        }),
      ),
    );
    const tasks = await runOnClock(
      shared.clock,
      Promise.all(receipts.map((r) => shared.manager.waitForTask(r.id))),
    );
    expect(tasks.map((task) => task.status)).toEqual(['completed', 'completed']);
    expect(shared.executor.maxInFlight).toBe(2);
    expect(shared.executor.calls).toHaveLength(8);
    await shared.manager.close();
  });

  it('cancels a running call and the unstarted subtasks', async () => {
    const { manager, executor } = makeRig(() => ({ hang: true }));
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['first', 'second'], [[], [0]]),
    });
    await flush();
    expect(executor.calls).toHaveLength(1);
    const cancelled = await manager.cancelTask(receipt.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.subtasks.map((subtask) => subtask.status)).toEqual(['cancelled', 'cancelled']);
    expect(executor.calls.map((call) => call.outcome)).toEqual(['cancelled']);
    await manager.close();
  });

  it('ends the task failed when the ledger cannot be written, completing nothing', async () => {
    const failing: Ledger = {
      append: async () => {
        throw new SymbiontError('LEDGER_WRITE', 'could not write ledger /x: ENOSPC');
      },
      close: async () => undefined,
    };
    const { manager, clock, store } = makeRig(() => ({ delayMs: 10 }), { ledger: failing });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c'], [[], [], [0]]),
    });
    await expect(runOnClock(clock, manager.waitForTask(receipt.id))).rejects.toThrow(/ENOSPC/);
    const stored = await store.getTask(receipt.id);
    expect(stored).toMatchObject({ status: 'failed', error: 'could not write ledger /x: ENOSPC' });
    expect(stored?.subtasks.map((subtask) => subtask.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    await manager.close();
  });

  it('keeps the slot for a dependent that comes first in line, instead of freeing it early', async () => {
    const { manager, clock, executor } = makeRig(() => ({ delayMs: 100 }));
    const receipt = await manager.submitTask({
      prompt: 'goal',
      // a -> b is the longer path; c is ready all along but ranks below b.
      plan: chainPlan(['a', 'b', 'c'], [[], [0], []]),
      settings: { concurrency: 1, synthesis: false },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(executor.calls.map((call) => call.description)).toEqual(['a', 'b', 'c']);
    expect(executor.maxInFlight).toBe(1);
    await manager.close();
  });

  it('frees the slot when a call returns, before its ledger entry is durable; stores the completion after it', async () => {
    const appended: LedgerEntryInput[] = [];
    const opens: Array<() => void> = [];
    // A ledger whose appends wait until the test lets them through (an fsync that takes a while).
    const gated: Ledger = {
      append: (entry) =>
        new Promise<LedgerEntry>((resolve) => {
          appended.push(entry);
          opens.push(() => resolve({ ...entry, seq: appended.length, prev_hash: '', hash: '' }));
        }),
      close: async () => undefined,
    };
    const { manager, clock, executor, store } = makeRig(() => ({ delayMs: 100 }), { ledger: gated });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b']),
      settings: { concurrency: 1, synthesis: false },
    });
    await flush();
    expect(executor.calls.map((call) => call.description)).toEqual(['a']);
    await clock.advance(100);
    // a's call returned: its entry waits for the ledger, and b already runs in the freed slot.
    expect(appended.map((entry) => entry.subtask_id)).toEqual([`${receipt.id}.0`]);
    expect(executor.calls.map((call) => call.description)).toEqual(['a', 'b']);
    expect(executor.inFlight).toBe(1);
    const completedBefore = ofType(await store.readEvents(receipt.id, 0), 'subtask.completed');
    expect(completedBefore).toEqual([]);
    opens.shift()!();
    await flush();
    const completedAfter = ofType(await store.readEvents(receipt.id, 0), 'subtask.completed');
    expect(completedAfter.map((event) => event.index)).toEqual([0]);
    await clock.advance(100);
    opens.shift()!();
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    await manager.close();
  });
});
