import { describe, expect, it } from 'vitest';
import { withSeq } from '../../src/core/event-copy.js';
import type { TaskEventType, UnsequencedEvent } from '../../src/core/events.js';
import { newSubtaskRecord, newTaskRecord } from '../../src/core/records.js';
import { DEFAULT_TASK_SETTINGS } from '../../src/core/task-settings.js';

const task_id = 'compound-1';
const at = '2026-11-24T00:00:00.000Z';
const task = newTaskRecord({
  id: task_id,
  prompt: 'p',
  createdAt: at,
  settings: DEFAULT_TASK_SETTINGS,
  owner: null,
});
const subtask = newSubtaskRecord({
  id: `${task_id}.0`,
  index: 0,
  description: 'd',
  tier_hint: 1,
  tier_assigned: 1,
  model: 'm',
  depends_on: [],
});

// One event of every type, each field with a distinct value; the Record type makes the
// compiler insist on every type.
const samples: Record<TaskEventType, UnsequencedEvent> = {
  'task.created': {
    type: 'task.created',
    task,
    plan: { reasoning: 'r', subtasks: [], warnings: [] },
    task_id,
    at,
  },
  'task.planned': { type: 'task.planned', reasoning: 'r', subtasks: [subtask], warnings: ['w'], task_id, at },
  'task.plan_attempted': {
    type: 'task.plan_attempted',
    attempt: 2,
    cost: 0.5,
    success: false,
    error: 'e',
    task_id,
    at,
  },
  'task.started': { type: 'task.started', resumed: true, task_id, at },
  'task.answered': { type: 'task.answered', answer: 'a', cost: 0.125, attempts: 2, task_id, at },
  'task.retried': { type: 'task.retried', indexes: [0, 3], task_id, at },
  'subtask.routed': { type: 'subtask.routed', index: 1, tier: 2, model: 'm', task_id, at },
  'subtask.queued': { type: 'subtask.queued', index: 1, task_id, at },
  'subtask.started': { type: 'subtask.started', index: 1, attempt: 3, tier: 3, model: 'm', task_id, at },
  'subtask.attempt_failed': {
    type: 'subtask.attempt_failed',
    index: 1,
    attempt: 2,
    error: 'e',
    code: 'PROVIDER_EXIT',
    cost: 0.25,
    input_tokens: 5,
    output_tokens: null,
    retry_in_ms: 100,
    task_id,
    at,
  },
  'subtask.escalated': {
    type: 'subtask.escalated',
    index: 1,
    from_tier: 1,
    to_tier: 2,
    model: 'm2',
    task_id,
    at,
  },
  'subtask.completed': {
    type: 'subtask.completed',
    index: 1,
    result: 'ok',
    cost: 0.125,
    input_tokens: 7,
    output_tokens: 9,
    task_id,
    at,
  },
  'subtask.failed': { type: 'subtask.failed', index: 1, error: 'e', task_id, at },
  'subtask.skipped': { type: 'subtask.skipped', index: 1, error: 'dependency 0 failed', task_id, at },
  'subtask.cancelled': { type: 'subtask.cancelled', index: 1, task_id, at },
  'subtask.reset': { type: 'subtask.reset', index: 1, task_id, at },
  'task.cancel_requested': { type: 'task.cancel_requested', task_id, at },
  'task.replanning': { type: 'task.replanning', task_id, at },
  'task.finished': {
    type: 'task.finished',
    status: 'partial',
    error: '1 failed',
    total_cost: 1.5,
    task_id,
    at,
  },
};

describe('withSeq', () => {
  it.each(Object.entries(samples))('copies every field of %s, in order, and adds seq', (_type, event) => {
    const copy = withSeq(event, 7);
    expect(copy).not.toBe(event);
    // Same keys, same values, same order as a spread would give.
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...event, seq: 7 }));
    expect(Object.keys(copy)).toEqual([...Object.keys(event), 'seq']);
  });

  it('keeps a sequenced event sequenced under its new number, and shares nested values', () => {
    const planned = withSeq(samples['task.planned'], 2);
    const again = withSeq(planned, 9);
    expect(again.seq).toBe(9);
    expect((again as { subtasks: unknown }).subtasks).toBe((planned as { subtasks: unknown }).subtasks);
  });

  it('leaves out a task.created plan that is absent', () => {
    const { plan: _plan, ...withoutPlan } = samples['task.created'] as UnsequencedEvent & { plan?: unknown };
    expect('plan' in withSeq(withoutPlan as UnsequencedEvent, 1)).toBe(false);
  });
});
