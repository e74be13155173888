// Cancelling a task that this process does not execute. One that no process runs (its lease
// was free) ends cancelled in the store at once. For one that another process executes, the
// canceller stores `task.cancel_requested` and waits for the task to end; the executing process
// polls for such a request and cancels.

import { SymbiontError } from '../core/errors.js';
import type { TaskEvent } from '../core/events.js';
import { isFinalSubtaskStatus, isFinalTaskStatus, type Task } from '../core/records.js';
import type { Clock, Timer } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import { repeatEvery } from './timers.js';

/**
 * The executing side: every `everyMs`, asks the store whether a cancel request arrived and
 * calls `onRequest` when one did. Its own cursor: a request can land between two of the
 * runner's batches, below the runner's latest seq.
 */
export function watchCancelRequests(
  store: TaskStore,
  clock: Clock,
  taskId: string,
  everyMs: number,
  onRequest: () => void,
): Timer {
  let cursor = 0;
  return repeatEvery(
    clock,
    everyMs,
    () =>
      store.cancelRequestedAfter(taskId, cursor).then(
        ({ requested, lastSeq }) => {
          cursor = lastSeq;
          if (requested) onRequest();
        },
        () => undefined,
      ),
    { background: true },
  );
}

export interface RemoteCancelOptions {
  /** How long to wait for the other process to stop the task. */
  waitMs: number;
  /** How often to look at the task meanwhile. */
  pollMs: number;
}

/**
 * The cancelling side: stores the request and waits (up to `waitMs`) for the task to end;
 * resolves with its record, throws CONFLICT if it is still running by then.
 */
export async function requestRemoteCancel(
  store: TaskStore,
  clock: Clock,
  taskId: string,
  options: RemoteCancelOptions,
): Promise<Task | undefined> {
  const at = new Date(clock.now()).toISOString();
  const [request] = await store.appendEvents(taskId, [
    { type: 'task.cancel_requested', task_id: taskId, at },
  ]);
  const deadline = clock.now() + options.waitMs;
  for (;;) {
    const task = await store.getTask(taskId);
    if (!task || isFinalTaskStatus(task.status)) return task;
    if (clock.now() > deadline) {
      throw new SymbiontError(
        'CONFLICT',
        `task ${taskId} runs in another process; cancellation was requested (event ${request?.seq}) but it has not stopped yet`,
      );
    }
    // A foreground wait: the caller is waiting for the answer.
    await clock.sleep(options.pollMs);
  }
}

/** A task nobody runs (the caller holds its lease): its open subtasks and itself end cancelled. */
export function cancelStoredTask(store: TaskStore, clock: Clock, task: Task): Promise<TaskEvent[]> {
  const at = new Date(clock.now()).toISOString();
  const taskId = task.id;
  const events = task.subtasks
    .filter((subtask) => !isFinalSubtaskStatus(subtask.status))
    .map((subtask) => ({ type: 'subtask.cancelled' as const, index: subtask.index, task_id: taskId, at }));
  return store.appendEvents(taskId, [
    ...events,
    {
      type: 'task.finished',
      status: 'cancelled',
      error: null,
      total_cost: task.total_cost,
      task_id: taskId,
      at,
    },
  ]);
}
