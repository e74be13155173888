// Retry (SPEC §12) through the task manager: a finished task's failed, skipped and cancelled
// subtasks run again as new attempts of the same task; completed results are kept and feed the
// re-run as context; a named completed subtask re-runs with its dependents; a new answer follows.

import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { SYNTHESIS_INSTRUCTION } from '../../src/core/answer.js';
import { SymbiontError } from '../../src/core/errors.js';
import { replayTask } from '../../src/core/task-reducer.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { chainPlan, makeManualManager } from './harness.js';
import { makeRig } from './runner-harness.js';

const refused = () => new SymbiontError('PROVIDER_REFUSED', 'the model refused', { retryable: false });

describe('retry', () => {
  it('runs only the failed subtask and its dependents again, as new attempts, keeping completed results', async () => {
    let broken = true;
    const { manager, clock, executor, ledger, store } = makeRig((description) =>
      description === 'flaky' && broken ? { error: refused() } : { text: `result of ${description}` },
    );
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['base', 'flaky', 'after', 'aside'], [[], [0], [1], []]),
      settings: { escalate: false, synthesis: false },
    });
    const first = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(first.status).toBe('partial');
    expect(first.subtasks.map((subtask) => subtask.status)).toEqual([
      'completed',
      'failed',
      'skipped',
      'completed',
    ]);
    const firstAnswer = first.answer;
    expect(firstAnswer).toContain('step 1 (flaky): failed');
    const baseFinishedAt = first.subtasks[0]!.completed_at;

    broken = false;
    const retry = await manager.retryTask(receipt.id);
    expect(retry).toMatchObject({ id: receipt.id, status: 'planned', retried: [1, 2] });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(task.error).toBeNull();
    // base and aside ran once; flaky twice (attempts 1 then 2); after once, in the retry.
    expect(executor.callsFor('base')).toHaveLength(1);
    expect(executor.callsFor('aside')).toHaveLength(1);
    expect(executor.callsFor('flaky').map((call) => call.request.attempt)).toEqual([1, 2]);
    expect(executor.callsFor('after').map((call) => call.request.attempt)).toEqual([1]);
    // The kept result is the re-run's dependency context.
    expect(executor.callsFor('flaky')[1]!.request.prompt).toContain('result of base');
    expect(task.subtasks[0]!.completed_at).toBe(baseFinishedAt);
    expect(task.subtasks[1]).toMatchObject({ status: 'completed', attempts: 2, error: null });
    // Every attempt ledgered, under the same task.
    const flakyEntries = ledger.entries().filter((entry) => entry.subtask_id === `${receipt.id}.1`);
    expect(flakyEntries.map((entry) => [entry.attempt, entry.success])).toEqual([
      [1, false],
      [2, true],
    ]);
    // A new answer: the sinks' results, nothing missing any more.
    expect(task.answer).not.toBe(firstAnswer);
    expect(task.answer).toContain('## Step 2: after');
    expect(task.answer).not.toContain('Missing');
    const events = await store.readEvents(receipt.id, 0);
    expect(events.filter((event) => event.type === 'task.finished')).toHaveLength(2);
    expect(events.find((event) => event.type === 'task.retried')).toMatchObject({ indexes: [1, 2] });
    // The stored stream still folds into the stored record.
    expect(replayTask(events)).toEqual(await store.getTask(receipt.id));
    // A reader from the start sees both runs and ends at the last finish.
    const seen: string[] = [];
    for await (const event of manager.events(receipt.id)) seen.push(event.type);
    expect(seen.filter((type) => type === 'task.finished')).toHaveLength(2);
    await manager.close();
  });

  it('re-runs a named completed subtask with its dependents only, and writes a new answer', async () => {
    const { manager, clock, executor, ledger } = makeRig();
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c', 'd'], [[], [0], [1], []]),
    });
    const first = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(first.status).toBe('completed');
    const synthesisBefore = executor.callsFor(SYNTHESIS_INSTRUCTION).length;
    expect(synthesisBefore).toBe(1);

    const retry = await manager.retryTask(receipt.id, [1]);
    expect(retry.retried).toEqual([1, 2]);
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(['a', 'b', 'c', 'd'].map((name) => executor.callsFor(name).length)).toEqual([1, 2, 2, 1]);
    expect(task.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 2, 2, 1]);
    // The new synthesis call numbers its attempt after the first run's.
    const synthesis = executor.callsFor(SYNTHESIS_INSTRUCTION);
    expect(synthesis.map((call) => call.request.attempt)).toEqual([1, 2]);
    expect(ledger.entries().filter((entry) => entry.kind === 'synthesis')).toHaveLength(2);
    expect(task.answer).toBe(`result of ${SYNTHESIS_INSTRUCTION}`);
    // total_cost counts every call of both runs (0.001 each in the fake).
    expect(task.total_cost).toBeCloseTo(
      ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0),
      10,
    );
    await manager.close();
  });

  it('refuses what cannot be retried: unknown, unfinished, nothing to retry, no such subtask', async () => {
    const { manager, clock } = makeRig((description) => (description === 'slow' ? { delayMs: 1000 } : {}));
    await expect(manager.retryTask('compound-none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const running = await manager.submitTask({ prompt: 'goal', plan: chainPlan(['slow']) });
    await expect(manager.retryTask(running.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const done = await runOnClock(clock, manager.waitForTask(running.id));
    expect(done.status).toBe('completed');
    await expect(manager.retryTask(running.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('nothing to retry'),
    });
    await expect(manager.retryTask(running.id, [5])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('has no subtask 5'),
    });
    // A refused retry leaves the task as it was, and its lease free.
    expect((await manager.getTaskProgress(running.id))?.status).toBe('completed');
    await manager.close();
  });

  it('plans again a task whose planning failed, numbering the planning attempts after the first ones', async () => {
    let plans = false;
    const { manager, clock, executor } = makeRig((_, __, request) =>
      request.kind === 'plan'
        ? { text: plans ? JSON.stringify(chainPlan(['only'])) : 'no plan here' }
        : { text: 'done' },
    );
    const receipt = await runOnClock(clock, manager.submitTask({ prompt: 'make a plan' }));
    const failed = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(failed.status).toBe('failed');
    plans = true;
    const retry = await manager.retryTask(receipt.id);
    expect(retry).toMatchObject({ status: 'planning', retried: [] });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(task.answer).toBe('done');
    const planAttempts = executor.calls
      .filter((call) => call.request.kind === 'plan')
      .map((call) => call.request.attempt);
    expect(planAttempts).toEqual([1, 2, 3]);
    await manager.close();
  });

  it('recovers from a simulated fail_first failure: only the failed subtask and its dependent run again', async () => {
    const provider = createSimulatedProvider({ latencyScale: 0 });
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['gather', 'flaky [[sim fail_first=1]]', 'conclude', 'aside'], [[], [0], [1], []]),
      settings: { max_attempts: 1, escalate: false },
    });
    const first = await finish(receipt.id);
    expect(first.subtasks.map((subtask) => subtask.status)).toEqual([
      'completed',
      'failed',
      'skipped',
      'completed',
    ]);
    const before = ledger.entries().length;
    await manager.retryTask(receipt.id);
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    const after = ledger.entries().slice(before);
    expect(after.map((entry) => [entry.kind, entry.subtask_id, entry.attempt])).toEqual([
      ['subtask', `${receipt.id}.1`, 2],
      ['subtask', `${receipt.id}.2`, 1],
      ['synthesis', null, 2],
    ]);
    await manager.close();
  });
});
