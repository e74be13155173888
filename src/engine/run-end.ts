// How a run ends (TaskRunner): once execution settled, the answer is written from what
// completed, before the end is recorded (SPEC §2 step 5), and the end is the one the core
// decides (task-outcome.ts). After a store or ledger failure the task is recorded `failed`
// with the error, if the store still writes.

import type { SymbiontError } from '../core/errors.js';
import { isoTime } from '../core/iso-time.js';
import { isFinalTaskStatus, type Task } from '../core/records.js';
import { type FinalStatus, fatalEndEvents, finalTaskOutcome, type StopReason } from '../core/task-outcome.js';
import { applyTaskEvent } from '../core/task-reducer.js';
import type { Clock } from '../ports/clock.js';
import type { EventWriter } from './event-writer.js';
import type { RunContext } from './run-context.js';
import { writeAnswer } from './synthesis.js';

/** What the end of a run reads of it. */
export interface EndingRun {
  readonly context: RunContext;
  readonly options: { synthesisAttemptsBefore?: number };
  /** Why the run stopped, if it did (read again after each await). */
  stopReason(): StopReason;
  fatalError(): SymbiontError | undefined;
  /** What stopped the run short (budget or provider), in words. */
  stopMessage(): string | undefined;
}

/** Writes the answer (unless stored already) and records the end; throws a fatal stop's error. */
export async function answerAndFinish(run: EndingRun): Promise<void> {
  const task = run.context.task;
  if (run.stopReason() === 'fatal') throw run.fatalError();
  // A run resumed after its answer was stored keeps that answer (a retry clears it first).
  const stopped = finalTaskOutcome(task.subtasks, run.stopReason()).status === 'cancelled';
  // A provider that refused a call would refuse the synthesis call too: the results are joined.
  const noCall =
    run.stopReason() === 'provider' ? `the provider refused a call (${run.stopMessage()})` : undefined;
  if (task.answer === null)
    await writeAnswer(run.context, stopped, run.options.synthesisAttemptsBefore, noCall);
  // A store failure meanwhile stops the run (the writer calls stop).
  if (run.stopReason() === 'fatal') throw run.fatalError();
  // Computed again: the task may have been cancelled while its answer was being written.
  const outcome = finalTaskOutcome(task.subtasks, run.stopReason());
  const stop = run.stopReason();
  const error =
    stop === 'budget' || stop === 'provider' ? (run.stopMessage() ?? outcome.error) : outcome.error;
  await finishTask(run.context, outcome.status, error);
}

/** Records the task's end. */
export function finishTask(context: RunContext, status: FinalStatus, error: string | null): Promise<void> {
  return context.emit({ type: 'task.finished', status, error, total_cost: context.task.total_cost });
}

/**
 * After a store or ledger failure stopped the run: once the writes in flight settled, records
 * `failed` with the error (and the open subtasks' ends) unless the task has ended already.
 */
export async function endAfterFatal(
  task: Task,
  writer: EventWriter,
  clock: Clock,
  error: SymbiontError,
): Promise<void> {
  await writer.drain().catch(() => undefined);
  if (isFinalTaskStatus(task.status)) return;
  const events = fatalEndEvents(task, error.message, isoTime(clock.now()));
  for (const event of events) applyTaskEvent(task, event);
  await writer.emitDespiteFailure(events);
}
