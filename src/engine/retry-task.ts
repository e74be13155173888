// Re-running a finished task (SPEC §12), the store side: with the task's lease held, check what
// may run again (core/retry-selection.ts), record `task.retried`, and say how the new run numbers
// its calls (attempt numbers continue: a subtask's from its record, planning and synthesis from
// the stored events). The task manager then runs the task as any other.

import { isoTime } from '../core/iso-time.js';
import type { ValidatedPlan } from '../core/plan-validation.js';
import type { Task } from '../core/records.js';
import { retrySelection } from '../core/retry-selection.js';
import { applyTaskEvent, cloneTask } from '../core/task-reducer.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';

export interface PreparedRetry {
  /** The record after `task.retried` (status `planned`, or `planning` when it had no plan). */
  task: Task;
  /** The subtasks reset, ascending. */
  indexes: number[];
  /** Seq of the stored `task.retried`: a viewer follows the new run from there. */
  seq: number;
  /** The plan the task was submitted with, for a task that is planned again. */
  plan: ValidatedPlan | undefined;
  planAttemptsBefore: number;
  synthesisAttemptsBefore: number;
}

/**
 * Records the retry of `task` (read after its lease was taken) and publishes the event.
 * Throws CONFLICT (not finished, nothing to retry) or INVALID_ARGUMENT (no such subtask).
 */
export async function prepareRetry(
  store: TaskStore,
  bus: EventBus,
  clock: Clock,
  task: Task,
  named: readonly number[],
): Promise<PreparedRetry> {
  const indexes = retrySelection(task, named);
  let plan: ValidatedPlan | undefined;
  let planAttemptsBefore = 0;
  let synthesisAttemptsBefore = 0;
  for (const event of await store.readEvents(task.id, 0)) {
    if (event.type === 'task.created') plan = event.plan;
    else if (event.type === 'task.plan_attempted')
      planAttemptsBefore = Math.max(planAttemptsBefore, event.attempt);
    else if (event.type === 'task.answered') synthesisAttemptsBefore += event.attempts;
  }
  const stored = await store.appendEvents(task.id, [
    {
      type: 'task.retried',
      indexes,
      previous_status: task.status,
      previous_subtasks: task.subtasks.map((subtask) => subtask.status),
      total_cost: task.total_cost,
      task_id: task.id,
      at: isoTime(clock.now()),
    },
  ]);
  bus.publish(stored);
  const retried = stored[0]!;
  return {
    task: applyTaskEvent(cloneTask(task), retried),
    indexes,
    seq: retried.seq,
    plan,
    planAttemptsBefore,
    synthesisAttemptsBefore,
  };
}
