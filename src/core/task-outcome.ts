// How a task ends, from how its subtasks ended and why execution stopped (SPEC §3). Pure.

import type { Subtask, SubtaskStatus, TaskStatus } from './records.js';

export type FinalStatus = Extract<TaskStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;

/** Why execution stopped before every subtask ran; undefined when it ran to the end. */
export type StopReason = 'cancelled' | 'budget' | 'fatal' | undefined;

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

/** Subtasks that did not end on their own: those a fatal stop marks cancelled. */
export function endedOnItsOwn(status: SubtaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'skipped';
}
