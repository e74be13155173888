// `symbiont resume`: resumes every task the store holds unfinished and waits until each one is
// final. A task that another live process is running is waited for through the store; if that
// owner dies (its lease lapses, or its process is known to be gone) this process takes it over.

import { invalidValue } from '../core/errors.js';
import { isResumableTaskStatus, type Task } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import type { TaskManager } from './task-manager.js';

export interface ResumeAllOptions {
  /** Time source for the waits between looks at tasks other processes hold. */
  clock: Clock;
  /** How often tasks held elsewhere are looked at again. Default 250 ms. */
  pollIntervalMs?: number;
  /** Stops waiting (tasks this process runs keep running until the manager closes). */
  signal?: AbortSignal;
  /** Called once for each task this process starts executing. */
  onResumed?: (taskId: string) => void;
}

export interface ResumeAllResult {
  /**
   * The record of every task that was unfinished when resume began (oldest first), as stored
   * at the end: final, unless a store failure kept its end from being recorded.
   */
  tasks: Task[];
  /** Ids of the tasks this process executed (the others were finished by another process). */
  resumedHere: string[];
  /** Store or ledger failures that ended runs here, by task id. */
  failures: { taskId: string; error: unknown }[];
}

/**
 * Resumes the tasks unfinished at the start (tasks created later are not this call's business)
 * and resolves when each of them is final, or ended here by a store or ledger failure (then
 * it is in `failures`, and stays resumable if even its failure could not be stored).
 */
export async function resumeAllAndWait(
  manager: TaskManager,
  store: TaskStore,
  options: ResumeAllOptions,
): Promise<ResumeAllResult> {
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
    throw invalidValue('pollIntervalMs', 'a number above 0', pollIntervalMs);
  }
  let targets = await store.listUnfinished();
  const finals = new Map<string, Task>();
  const resumedHere: string[] = [];
  const waits = new Map<string, Promise<void>>();
  const gone = new Set<string>();
  const failures: ResumeAllResult['failures'] = [];
  /** Tasks whose run here ended in a failure: their record as last read (if it could be). */
  const ended = new Map<string, Task | undefined>();
  for (;;) {
    for (const taskId of targets) {
      if (finals.has(taskId) || waits.has(taskId) || ended.has(taskId)) continue;
      if (await manager.resumeTask(taskId)) {
        if (!resumedHere.includes(taskId)) {
          resumedHere.push(taskId);
          options.onResumed?.(taskId);
        }
        waits.set(
          taskId,
          manager.waitForTask(taskId).then(
            (task) => {
              // Final, or waiting for approval (a resumed planning of a task under review): done.
              // Otherwise the run here stopped (its lease was lost); look at the store again.
              if (!isResumableTaskStatus(task.status)) finals.set(taskId, task);
              else waits.delete(taskId);
            },
            async (error: unknown) => {
              failures.push({ taskId, error });
              ended.set(taskId, (await store.getTask(taskId).catch(() => undefined)) ?? undefined);
            },
          ),
        );
        continue;
      }
      // Final already, awaiting approval, gone (pruned), or held by a live process: look.
      const task = await store.getTask(taskId);
      if (task === undefined) gone.add(taskId);
      else if (!isResumableTaskStatus(task.status)) finals.set(taskId, task);
    }
    if (gone.size > 0) targets = targets.filter((taskId) => !gone.has(taskId));
    const open = targets.filter((taskId) => !finals.has(taskId) && !ended.has(taskId));
    if (open.length === 0) break;
    if (options.signal?.aborted) throw options.signal.reason;
    const running = open.filter((taskId) => waits.has(taskId)).map((taskId) => waits.get(taskId)!);
    if (running.length === open.length) {
      await Promise.all(running);
      continue;
    }
    // Some are held elsewhere: look again after a pause, or sooner if a run here ends.
    const pause = options.clock.sleep(pollIntervalMs, options.signal).catch(() => undefined);
    await Promise.race([pause, ...running]);
  }
  const tasks: Task[] = [];
  for (const taskId of targets) {
    const task = finals.get(taskId) ?? ended.get(taskId);
    if (task) tasks.push(task);
  }
  return { tasks, resumedHere, failures };
}
