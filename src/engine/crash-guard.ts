// No crash loop on restart: a task's first run begins at `task.created`, every later one at
// `task.resumed`; a clean stop (close, Ctrl-C) stores `task.detached`. The last runs in a row
// that ended without one were interrupted (the process died under them). A task interrupted
// `maxInterruptions` times is set aside as failed, with what to do, instead of being run again:
// a task that kills its process (memory, a provider that hangs the host) cannot take every
// restart down with it.

import type { TaskEvent } from '../core/events.js';
import { isFinalSubtaskStatus, type Task } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';

const PAGE = 500;

/**
 * How many of the task's last runs in a row were interrupted, the one that just ended included
 * (paged: a long history is never held at once).
 */
export async function interruptionsOf(store: TaskStore, taskId: string): Promise<number> {
  let interrupted = 0;
  let runOpen = false;
  let after = 0;
  for (;;) {
    const page: TaskEvent[] = await store.readEvents(taskId, after, PAGE);
    for (const event of page) {
      if (event.type === 'task.created' || event.type === 'task.resumed') {
        if (runOpen) interrupted++;
        runOpen = true;
      } else if (event.type === 'task.detached') {
        interrupted = 0;
        runOpen = false;
      }
    }
    if (page.length < PAGE) return runOpen ? interrupted + 1 : interrupted;
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
