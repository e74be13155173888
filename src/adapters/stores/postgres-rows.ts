// Row helpers the PostgreSQL store's modules share: events to and from their `body` column,
// the store's not-found error, and the SQLSTATE code of a driver error.

import { SymbiontError } from '../../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../core/events.js';
import type { Task } from '../../core/records.js';

export function notFound(taskId: string): SymbiontError {
  return new SymbiontError('NOT_FOUND', `no task ${taskId}`, { context: { taskId } });
}

export function eventBody(event: UnsequencedEvent): string {
  return JSON.stringify(event);
}

export function eventFromRow(row: { seq: number; body: string }): TaskEvent {
  return { ...(JSON.parse(row.body) as UnsequencedEvent), seq: row.seq } as TaskEvent;
}

export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A stored record; one written before a field existed reads it as null (answer, estimate). */
export function taskFromRecord(record: string): Task {
  const task = JSON.parse(record) as Task;
  task.answer ??= null;
  task.estimate ??= null;
  return task;
}
