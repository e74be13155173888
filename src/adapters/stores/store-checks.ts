// Argument checks the memory and SQLite stores share. Checking a batch of events against the
// task before applying any of them means the reducer cannot fail half-way through a batch: a
// store applies the whole batch or none of it.

import { invalidValue, SymbiontError } from '../../core/errors.js';
import type { UnsequencedEvent } from '../../core/events.js';
import type { Task } from '../../core/records.js';

/**
 * Throws (INVALID_ARGUMENT or INTERNAL) unless every event belongs to `taskId`, none is a
 * `task.created`, and every subtask index names a subtask that exists when the event applies.
 */
export function checkEventBatch(task: Task, taskId: string, events: readonly UnsequencedEvent[]): void {
  let subtaskCount = task.subtasks.length;
  for (let position = 0; position < events.length; position++) {
    const event = events[position]!;
    if (event.task_id !== taskId) {
      throw new SymbiontError(
        'INVALID_ARGUMENT',
        `event ${position} (${event.type}) is for task ${event.task_id}, not ${taskId}`,
      );
    }
    switch (event.type) {
      case 'task.created':
        throw new SymbiontError('INVALID_ARGUMENT', `task.created starts a stream; task ${taskId} exists`);
      case 'task.planned':
        subtaskCount = event.subtasks.length;
        break;
      case 'task.replanning':
        subtaskCount = 0;
        break;
      case 'task.retried':
        for (const index of event.indexes) {
          if (!Number.isInteger(index) || index < 0 || index >= subtaskCount) {
            throw new SymbiontError(
              'INTERNAL',
              `event ${position} (task.retried) names subtask ${index}, task ${taskId} has ${subtaskCount}`,
            );
          }
        }
        break;
      case 'task.approved':
        if (event.subtasks !== undefined) subtaskCount = event.subtasks.length;
        break;
      case 'subtask.planned':
        if (event.subtask.index !== subtaskCount) {
          throw new SymbiontError(
            'INTERNAL',
            `event ${position} (subtask.planned) streams subtask ${event.subtask.index}, task ${taskId} has ${subtaskCount}`,
          );
        }
        subtaskCount++;
        break;
      default:
        if ('index' in event) {
          const index = event.index;
          if (!Number.isInteger(index) || index < 0 || index >= subtaskCount) {
            throw new SymbiontError(
              'INTERNAL',
              `event ${position} (${event.type}) names subtask ${index}, task ${taskId} has ${subtaskCount}`,
            );
          }
        }
    }
  }
}

/**
 * Whether the batch rewrites the subtask list: a plan, a replanning that clears it, a review
 * estimate or approval (which set every subtask's estimate, or replace the plan), a subtask the
 * streaming planner added, or a retry that resets several subtasks at once.
 */
export function replacesSubtasks(events: readonly UnsequencedEvent[]): boolean {
  return events.some(
    (event) =>
      event.type === 'task.planned' ||
      event.type === 'task.replanning' ||
      event.type === 'task.awaiting_approval' ||
      event.type === 'task.approved' ||
      event.type === 'subtask.planned' ||
      event.type === 'task.retried',
  );
}

/** Throws INVALID_ARGUMENT unless `value` is a positive finite number of milliseconds. */
export function checkLeaseTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw invalidValue('ttlMs', 'a positive number', ttlMs);
  }
}

/** Throws INVALID_ARGUMENT unless `limit` is a non-negative integer. */
export function checkListLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw invalidValue('limit', 'an integer from 0 and up', limit);
  }
}

/** Throws INVALID_ARGUMENT unless `afterSeq` is a non-negative integer. */
export function checkAfterSeq(afterSeq: number): void {
  if (!Number.isInteger(afterSeq) || afterSeq < 0) {
    throw invalidValue('afterSeq', 'an integer from 0 and up', afterSeq);
  }
}

/** Checks that a created event starts the stream of the task it carries. */
export function checkCreatedEvent(created: UnsequencedEvent): void {
  if (created.type !== 'task.created') {
    throw new SymbiontError('INVALID_ARGUMENT', `createTask needs a task.created event, got ${created.type}`);
  }
  if (created.task_id !== created.task.id) {
    throw new SymbiontError(
      'INVALID_ARGUMENT',
      `task.created is for task ${created.task_id} but carries task ${created.task.id}`,
    );
  }
}
