// Builders for task records and event streams used by the store tests and the store bench:
// a created task, a plan of n subtasks, and the routed/queued/started/completed run of one.

import { randomUUID } from 'node:crypto';
import type { UnsequencedEvent } from '../../src/core/events.js';
import {
  newSubtaskRecord,
  newTaskRecord,
  type Subtask,
  type Task,
  type TaskSettings,
} from '../../src/core/records.js';

export const TEST_SETTINGS: TaskSettings = {
  provider: 'simulated',
  concurrency: 4,
  timeout_ms: 120_000,
  max_attempts: 3,
  context_chars: 2000,
  result_cap: 100_000,
  budget_usd: null,
  escalate: true,
  models: { '1': 'haiku' },
};

export type CreatedEvent = UnsequencedEvent & { type: 'task.created' };

export function makeTask(overrides: Partial<Task> = {}): Task {
  const task = newTaskRecord({
    id: `compound-${randomUUID()}`,
    prompt: 'Write a haiku, then translate it',
    createdAt: '2026-01-01T00:00:00.000Z',
    settings: TEST_SETTINGS,
    owner: null,
  });
  return { ...task, ...overrides };
}

export function createdEvent(task: Task): CreatedEvent {
  return { type: 'task.created', task, task_id: task.id, at: task.created_at };
}

export function makeSubtasks(count: number): Subtask[] {
  return Array.from({ length: count }, (_, index) =>
    newSubtaskRecord({
      id: `subtask-${index}`,
      index,
      description: `step ${index}`,
      tier_hint: ((index % 3) + 1) as 1 | 2 | 3,
      tier_assigned: null,
      model: null,
      depends_on: index > 0 ? [index - 1] : [],
    }),
  );
}

export function plannedEvent(taskId: string, count: number, at: string): UnsequencedEvent {
  return {
    type: 'task.planned',
    task_id: taskId,
    at,
    reasoning: `split into ${count} steps`,
    subtasks: makeSubtasks(count),
    warnings: count > 1 ? ['dropped a self-dependency'] : [],
  };
}

/** The four events of one subtask that runs once and succeeds (its result, cost and tokens as given). */
export function subtaskRunEvents(
  taskId: string,
  index: number,
  at: string,
  outcome: { result?: string; cost?: number; input_tokens?: number; output_tokens?: number } = {},
): UnsequencedEvent[] {
  const base = { task_id: taskId, at };
  return [
    { ...base, type: 'subtask.routed', index, tier: 1, model: 'haiku' },
    { ...base, type: 'subtask.queued', index },
    { ...base, type: 'subtask.started', index, attempt: 1, tier: 1, model: 'haiku' },
    {
      ...base,
      type: 'subtask.completed',
      index,
      result: `result ${index}`,
      cost: 0.001,
      input_tokens: 100,
      output_tokens: 50,
      ...outcome,
    },
  ];
}

export function finishedEvent(
  taskId: string,
  at: string,
  status: 'completed' | 'partial' | 'failed' | 'cancelled' = 'completed',
  totalCost = 0,
): UnsequencedEvent {
  return { type: 'task.finished', task_id: taskId, at, status, error: null, total_cost: totalCost };
}

/** ISO time `seconds` after 2026-01-01T00:00:00Z. */
export function isoAt(seconds: number): string {
  return new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();
}
