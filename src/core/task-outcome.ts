// How a task ends, from how its subtasks ended and why execution stopped (SPEC §3). Pure.

import type { UnsequencedEvent } from './events.js';
import type { Subtask, SubtaskStatus, Task, TaskStatus } from './records.js';

export type FinalStatus = Extract<TaskStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;

/**
 * Why execution stopped before every subtask ran; undefined when it ran to the end. `provider`:
 * a call failed with an error that every call would meet (error-traits.ts `stopsTask`).
 */
export type StopReason = 'cancelled' | 'budget' | 'provider' | 'fatal' | undefined;

/**
 * Cancelled when the task was cancelled; else completed when every subtask completed, failed
 * when none did, partial otherwise. The error names the budget, or counts failures and skips.
 */
export function finalTaskOutcome(
  subtasks: readonly Pick<Subtask, 'status'>[],
  stop: StopReason,
): { status: FinalStatus; error: string | null } {
  let completed = 0;
  let failed = 0;
  let skipped = 0;
  for (const subtask of subtasks) {
    if (subtask.status === 'completed') completed++;
    else if (subtask.status === 'failed') failed++;
    else if (subtask.status === 'skipped') skipped++;
  }
  const status: FinalStatus =
    stop === 'cancelled'
      ? 'cancelled'
      : completed === subtasks.length
        ? 'completed'
        : completed === 0
          ? 'failed'
          : 'partial';
  let error: string | null = null;
  if (stop === 'budget') error = 'budget exhausted';
  else if (failed > 0 || skipped > 0) error = `${failed} subtask(s) failed, ${skipped} skipped`;
  return { status, error };
}

/** Where a stored subtask starts in the scheduler when a run begins (a resume keeps results). */
export function schedulerStartOf(status: SubtaskStatus): 'succeeded' | 'ended' | 'open' {
  if (status === 'completed') return 'succeeded';
  if (status === 'failed' || status === 'skipped' || status === 'cancelled') return 'ended';
  return 'open';
}

/** Whether a subtask was left mid-way by an interrupted run (its start is recorded again). */
export function needsReset(status: SubtaskStatus): boolean {
  return status === 'queued' || status === 'executing' || status === 'routing';
}

/**
 * The end of a task a store or ledger failure stopped: subtasks that did not end on their own
 * end cancelled, then the task ends failed with the error (written in one go, since a failed
 * store may not have taken the cancellations written meanwhile).
 */
export function fatalEndEvents(task: Task, error: string, at: string): UnsequencedEvent[] {
  const events: UnsequencedEvent[] = [];
  for (const subtask of task.subtasks) {
    const status = subtask.status;
    if (status === 'completed' || status === 'failed' || status === 'skipped') continue;
    events.push({ type: 'subtask.cancelled', index: subtask.index, task_id: task.id, at });
  }
  events.push({
    type: 'task.finished',
    status: 'failed',
    error,
    total_cost: task.total_cost,
    task_id: task.id,
    at,
  });
  return events;
}
