// The task's answer (SPEC §10) through the runner, on a manual clock with a fake executor: one
// sink's result, one synthesis call for several sinks (ledgered as kind synthesis, counted in
// total_cost, within the budget, retried), a partial task's answer naming what is missing, and
// synthesis turned off.

import { describe, expect, it } from 'vitest';
import { MISSING_HEADING, SYNTHESIS_INSTRUCTION } from '../../src/core/answer.js';
import { SymbiontError } from '../../src/core/errors.js';
import { newSubtaskRecord, newTaskRecord } from '../../src/core/records.js';
import { DEFAULT_TASK_SETTINGS } from '../../src/core/task-settings.js';
import { transientError } from '../fakes/fake-executor.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { chainPlan } from './harness.js';
import { makeRig } from './runner-harness.js';

const isSynthesis = (description: string) => description === SYNTHESIS_INSTRUCTION;

describe('the answer', () => {
  it("is the one sink's result when the plan has one sink; no extra call", async () => {
    const { manager, clock, executor, ledger } = makeRig((description) => ({ text: `done: ${description}` }));
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['gather', 'sort', 'write'], [[], [0], [1]]),
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(task.answer).toBe('done: write');
    expect(executor.calls).toHaveLength(3);
    expect(ledger.entries().map((entry) => entry.kind)).toEqual(['subtask', 'subtask', 'subtask']);
    await manager.close();
  });

  it('is written by one synthesis call from the prompt and every sink result when there are several', async () => {
    const { manager, clock, executor, ledger, store } = makeRig((description) =>
      isSynthesis(description)
        ? { text: 'One answer for you.', costUsd: 0.25 }
        : { text: `result of ${description}`, costUsd: 0.01 },
    );
    const receipt = await manager.submitTask({
      prompt: 'compare the options',
      plan: chainPlan(['option A', 'option B', 'common ground'], [[], [], [0]]),
      settings: { context_chars: 12 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(task.answer).toBe('One answer for you.');
    const synthesis = executor.calls.filter((call) => isSynthesis(call.description));
    expect(synthesis).toHaveLength(1);
    const request = synthesis[0]!.request;
    // Tier 2 unless configured; the sinks (1 and 2) cut as dependency context is; not step 0.
    expect(request).toMatchObject({
      kind: 'synthesis',
      subtaskId: null,
      tier: 2,
      model: 'sonnet',
      attempt: 1,
    });
    expect(request.prompt).toContain('compare the options');
    expect(request.prompt).toContain('### Step 1: option B\nresult of op\n[cut:');
    expect(request.prompt).toContain('### Step 2: common ground\nresult of co\n[cut:');
    expect(request.prompt).not.toContain('Step 0');
    const entries = ledger.entries();
    const entry = entries.find((candidate) => candidate.kind === 'synthesis')!;
    expect(entry).toMatchObject({ subtask_id: null, success: true, cost_usd: 0.25, task_id: task.id });
    expect(entries.at(-1)?.kind).toBe('synthesis');
    // total_cost: the three subtasks and the synthesis call.
    expect(task.total_cost).toBeCloseTo(0.03 + 0.25, 10);
    const events = await store.readEvents(task.id, 0);
    const types = events.map((event) => event.type);
    expect(types.indexOf('task.answered')).toBe(types.length - 2);
    expect(types.at(-1)).toBe('task.finished');
    await manager.close();
  });

  it('uses the configured synthesis tier and retries a transient failure of the call', async () => {
    const { manager, clock, executor, ledger } = makeRig((description, call) =>
      isSynthesis(description) && call === 1 ? { error: transientError() } : {},
    );
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b']),
      settings: { synthesis_tier: 3 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.answer).toBe(`result of ${SYNTHESIS_INSTRUCTION}`);
    const attempts = executor.calls.filter((call) => isSynthesis(call.description));
    expect(attempts.map((call) => [call.request.attempt, call.request.model])).toEqual([
      [1, 'opus'],
      [2, 'opus'],
    ]);
    const synthesisEntries = ledger.entries().filter((entry) => entry.kind === 'synthesis');
    expect(synthesisEntries.map((entry) => entry.success)).toEqual([false, true]);
    await manager.close();
  });

  it('of a partial task comes from what completed and names the steps that failed or were skipped', async () => {
    const { manager, clock, executor } = makeRig((description) =>
      description === 'broken'
        ? { error: new SymbiontError('PROVIDER_REFUSED', 'the model refused', { retryable: false }) }
        : { text: `result of ${description}` },
    );
    const receipt = await manager.submitTask({
      prompt: 'goal',
      // 0 -> 1 (broken) -> 2; 3 alone. Completed: 0 and 3; 0 is covered by nothing completed.
      plan: chainPlan(['base', 'broken', 'after broken', 'aside'], [[], [0], [1], []]),
      settings: { escalate: false },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('partial');
    const answer = task.answer!;
    expect(answer).toContain(`## ${MISSING_HEADING}`);
    expect(answer).toContain('2 of 4 steps completed');
    expect(answer).toContain('- step 1 (broken): failed: the model refused');
    expect(answer).toContain('- step 2 (after broken): skipped: dependency 1 failed');
    // Two completed results with nothing completed after them: one synthesis call over both.
    const synthesis = executor.calls.find((call) => isSynthesis(call.description))!;
    expect(synthesis.request.prompt).toContain('### Step 0: base');
    expect(synthesis.request.prompt).toContain('### Step 3: aside');
    expect(synthesis.request.prompt).toContain('- step 1 (broken): failed');
    await manager.close();
  });

  it('with synthesis off is the sinks’ results under their headings, and no call is made', async () => {
    const { manager, clock, executor, ledger } = makeRig();
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['left', 'right']),
      settings: { synthesis: false },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.answer).toBe('## Step 0: left\n\nresult of left\n\n## Step 1: right\n\nresult of right');
    expect(executor.calls).toHaveLength(2);
    expect(ledger.entries().some((entry) => entry.kind === 'synthesis')).toBe(false);
    await manager.close();
  });

  it('joins the results, saying why, when the budget leaves no room for the synthesis call', async () => {
    const { manager, clock, executor } = makeRig(() => ({ costUsd: 0 }));
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['left', 'right']),
      // Tier-1 calls fit (haiku's estimate), a tier-3 synthesis call's estimate does not.
      settings: { budget_usd: 0.02, synthesis_tier: 3 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    expect(executor.calls.some((call) => isSynthesis(call.description))).toBe(false);
    expect(task.answer).toContain('## Step 0: left');
    expect(task.answer).toContain('the budget left no room');
    await manager.close();
  });

  it('is null when nothing completed, and for a cancelled task', async () => {
    const failing = makeRig(() => ({
      error: new SymbiontError('PROVIDER_REFUSED', 'no', { retryable: false }),
    }));
    const receipt = await failing.manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b']),
      settings: { escalate: false },
    });
    const failed = await runOnClock(failing.clock, failing.manager.waitForTask(receipt.id));
    expect(failed.status).toBe('failed');
    expect(failed.answer).toBeNull();
    await failing.manager.close();

    const hanging = makeRig((description) => (description === 'b' ? { hang: true } : {}));
    const second = await hanging.manager.submitTask({ prompt: 'goal', plan: chainPlan(['a', 'b']) });
    await hanging.clock.advance(10);
    const cancelled = await hanging.manager.cancelTask(second.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.answer).toBeNull();
    expect(hanging.executor.calls.some((call) => isSynthesis(call.description))).toBe(false);
    await hanging.manager.close();
  });

  it('is kept by a run resumed after the answer was stored but not the end', async () => {
    const { manager, clock, executor, store } = makeRig();
    const at = new Date(clock.now()).toISOString();
    const task = newTaskRecord({
      id: 'compound-crashed',
      prompt: 'goal',
      createdAt: at,
      settings: { ...DEFAULT_TASK_SETTINGS, provider: 'fake' },
      owner: null,
    });
    await store.createTask({ type: 'task.created', task, task_id: task.id, at });
    const subtasks = ['a', 'b'].map((description, index) =>
      newSubtaskRecord({
        id: `${task.id}.${index}`,
        index,
        description,
        tier_hint: 1,
        tier_assigned: 1,
        model: 'haiku',
        depends_on: [],
      }),
    );
    const base = { task_id: task.id, at };
    await store.appendEvents(task.id, [
      { type: 'task.planned', reasoning: null, subtasks, warnings: [], ...base },
      { type: 'task.started', resumed: false, ...base },
      ...[0, 1].map((index) => ({
        type: 'subtask.completed' as const,
        index,
        result: `r${index}`,
        cost: 0.01,
        input_tokens: 1,
        output_tokens: 1,
        ...base,
      })),
      { type: 'task.answered', answer: 'the stored answer', cost: 0.02, attempts: 1, ...base },
    ]);
    expect(await manager.resumeTask(task.id)).toBe(true);
    const resumed = await runOnClock(clock, manager.waitForTask(task.id));
    expect(resumed.status).toBe('completed');
    expect(resumed.answer).toBe('the stored answer');
    expect(executor.calls).toHaveLength(0);
    expect(resumed.total_cost).toBeCloseTo(0.04, 10);
    await manager.close();
  });
});
