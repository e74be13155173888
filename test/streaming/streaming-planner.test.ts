// The streaming planner (issue 14 item 2): on the fake Messages API streaming the plan slowly,
// a subtask whose dependencies are met starts before the plan's last subtask has arrived, and
// a cycle found only when the plan is complete cancels what started and fails the task with
// the cycle named, the calls that ran in the ledger.

import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import type { TaskEvent } from '../../src/core/events.js';
import { makeManager } from '../engine/harness.js';
import { messageReply, startFakeMessagesApi } from '../fakes/fake-messages-api.js';

const KEY = 'sk-test';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function streamingSetup(plans: unknown[], hangIf?: (prompt: string, body: unknown) => boolean) {
  const server = await startFakeMessagesApi({
    apiKey: KEY,
    streamChunkChars: 6,
    streamGapMs: 3,
    ...(hangIf ? { hangIf } : {}),
  });
  closers.push(() => server.close());
  server.script(...plans.map((plan) => messageReply('claude-haiku-5-5', JSON.stringify(plan))));
  const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
  const { manager, ledger, store } = makeManager(provider);
  closers.push(() => manager.close());
  return { server, manager, ledger, store };
}

const where = (events: TaskEvent[], type: string, index?: number) =>
  events.findIndex(
    (event) => event.type === type && (index === undefined || (event as { index?: number }).index === index),
  );
const plannedAt = (events: TaskEvent[], index: number) =>
  events.findIndex((event) => event.type === 'subtask.planned' && event.subtask.index === index);

describe('the streaming planner', () => {
  it('starts a ready subtask before the rest of the plan has arrived', async () => {
    const plan = {
      reasoning: 'three independent looks, then a summary',
      subtasks: [
        { description: 'Look at the first thing', tier_hint: 1, depends_on: [] },
        { description: 'Look at the second thing', tier_hint: 1, depends_on: [] },
        { description: 'Look at the third thing', tier_hint: 1, depends_on: [] },
        { description: 'Sum the three looks up', tier_hint: 2, depends_on: [0, 1, 2] },
      ],
    };
    const { manager, store } = await streamingSetup([plan]);
    const receipt = await manager.submitTask({ prompt: 'look at three things', waitFor: 'created' });
    const task = await manager.waitForTask(receipt.id);
    expect(task.status).toBe('completed');
    const events = await store.readEvents(receipt.id, 0);
    const started0 = where(events, 'subtask.started', 0);
    expect(started0).toBeGreaterThan(-1);
    expect(started0).toBeLessThan(plannedAt(events, 3));
    expect(started0).toBeLessThan(where(events, 'task.planned'));
    // The summary waited for all three, and every result is whole.
    expect(where(events, 'subtask.started', 3)).toBeGreaterThan(where(events, 'subtask.completed', 2));
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    expect(task.subtasks[3]!.depends_on).toEqual([0, 1, 2]);
    // Replaying the stored events gives the stored record (streamed records included).
    expect((await store.getTask(receipt.id))?.subtasks.length).toBe(4);
  });

  it('cancelling the task stops a subtask that started early and still runs after the plan arrived', async () => {
    const plan = {
      reasoning: 'one slow step, one after it',
      subtasks: [
        { description: 'Take forever', tier_hint: 1, depends_on: [] },
        { description: 'Then proofread', tier_hint: 1, depends_on: [0] },
      ],
    };
    const { manager, store } = await streamingSetup(
      [plan],
      (_prompt, body) => (body as { output_config?: unknown }).output_config === undefined,
    );
    const receipt = await manager.submitTask({ prompt: 'slow', waitFor: 'created' });
    await expect
      .poll(async () =>
        (await store.readEvents(receipt.id, 0)).some((event) => event.type === 'task.started'),
      )
      .toBe(true);
    await manager.cancelTask(receipt.id);
    const task = await manager.waitForTask(receipt.id);
    expect(task.status).toBe('cancelled');
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('a cycle found at the end cancels what started and fails the task with the cycle named', async () => {
    const cyclic = {
      reasoning: 'a late cycle',
      subtasks: [
        { description: 'Start at once and take forever', tier_hint: 1, depends_on: [] },
        { description: 'Padding so that the cycle comes late in the stream', tier_hint: 1, depends_on: [] },
        { description: 'Waits for the next one', tier_hint: 1, depends_on: [3] },
        { description: 'Waits for the previous one', tier_hint: 1, depends_on: [2] },
      ],
    };
    // The planner re-asks once after a rejected plan; both answers have the cycle.
    // Subtask calls (no structured output) never answer: what started is still running when
    // the cycle arrives.
    const { manager, ledger, store } = await streamingSetup(
      [cyclic, cyclic],
      (_prompt, body) => (body as { output_config?: unknown }).output_config === undefined,
    );
    const receipt = await manager.submitTask({ prompt: 'a plan with a cycle', waitFor: 'created' });
    const task = await manager.waitForTask(receipt.id);
    expect(task.status).toBe('failed');
    expect(task.error).toContain('dependency cycle: 2 -> 3 -> 2');
    const events = await store.readEvents(receipt.id, 0);
    const finished = where(events, 'task.finished');
    const started = events.filter((event) => event.type === 'subtask.started');
    const cancelled = events.filter((event) => event.type === 'subtask.cancelled');
    // Subtasks 0 and 1 started from each streamed answer; 2 and 3 never did.
    expect(started.map((event) => (event as { index: number }).index)).toEqual([0, 1, 0, 1]);
    expect(cancelled.map((event) => (event as { index: number }).index).sort()).toEqual([0, 0, 1, 1]);
    expect(where(events, 'task.replanning')).toBeGreaterThan(where(events, 'subtask.cancelled'));
    for (const event of cancelled) expect(events.indexOf(event)).toBeLessThan(finished);
    expect(where(events, 'task.planned')).toBe(-1);
    // The ledger shows the two planning calls and the four cancelled subtask calls.
    const entries = ledger.entries().filter((entry) => entry.task_id === receipt.id);
    expect(entries.filter((entry) => entry.kind === 'plan').map((entry) => entry.success)).toEqual([
      true,
      true,
    ]);
    const subtaskCalls = entries.filter((entry) => entry.kind === 'subtask');
    expect(subtaskCalls.length).toBe(4);
    for (const entry of subtaskCalls) {
      expect(entry.success).toBe(false);
      expect(entry.error).toMatch(/cancel/i);
    }
  });
});
