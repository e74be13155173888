// No crash loop on restart: every run of a task stores `task.started`; a clean stop stores
// `task.detached`. The runs since the last clean stop that never ended are interruptions (the
// process died under them). A task interrupted `maxInterruptions` times is set aside as failed,
// with what to do, instead of being run again: a task that kills its process (memory, a
// provider that hangs the host) cannot take every restart down with it.

import type { TaskEvent } from '../core/events.js';
import { isFinalSubtaskStatus, type Task } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';

const PAGE = 500;

/** Runs of the task since its last clean stop (paged: a long history is never held at once). */
export async function interruptionsOf(store: TaskStore, taskId: string): Promise<number> {
  let runs = 0;
  let after = 0;
  for (;;) {
    const page: TaskEvent[] = await store.readEvents(taskId, after, PAGE);
    for (const event of page) {
      if (event.type === 'task.started') runs++;
      else if (event.type === 'task.detached') runs = 0;
    }
    if (page.length < PAGE) return runs;
    after = page[page.length - 1]!.seq;
  }
}

export function setAsideMessage(taskId: string, interruptions: number): string {
  return (
    `interrupted ${interruptions === 2 ? 'twice' : `${interruptions} times`} while running; not resumed again. ` +
    `Inspect it with \`symbiont show ${taskId}\` and re-run it with \`symbiont retry ${taskId}\``
  );
}

/** Ends the task failed (its open subtasks too) with the set-aside message. The caller holds its lease. */
export async function setAside(
  store: TaskStore,
  clock: Clock,
  task: Task,
  interruptions: number,
): Promise<TaskEvent[]> {
  const at = new Date(clock.now()).toISOString();
  const error = setAsideMessage(task.id, interruptions);
  const base = { task_id: task.id, at };
  return store.appendEvents(task.id, [
    ...task.subtasks
      .filter((subtask) => !isFinalSubtaskStatus(subtask.status))
      .map((subtask) => ({ ...base, type: 'subtask.failed' as const, index: subtask.index, error })),
    { ...base, type: 'task.finished', status: 'failed', error, total_cost: task.total_cost },
  ]);
}
