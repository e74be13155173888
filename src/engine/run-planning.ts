// The planning phase of a run (TaskRunner): plan (or take the given plan) and store it, or end
// the task when planning failed; a task under review stores its estimate and waits for
// approval instead. The planner's answer streams: its subtasks may start before it is complete
// (early-starts.ts), and are handed to dispatch once the plan is stored.

import type { SymbiontError } from '../core/errors.js';
import type { FinalStatus, StopReason } from '../core/task-outcome.js';
import { EarlyStarts } from './early-starts.js';
import { planOrFailure, subtasksOfPlan } from './plan-task.js';
import { estimateSubtasks } from './review.js';
import type { RunContext } from './run-context.js';
import type { SubtaskOutcome } from './subtask-attempts.js';
import type { TaskRunnerOptions } from './task-runner-options.js';

/** What the planning phase reads of its run and asks of it. */
export interface PlanningRun {
  readonly context: RunContext;
  readonly options: TaskRunnerOptions;
  /** Why the run stopped so far, if it did. */
  stopReason(): StopReason;
  /** The store or ledger failure that stopped the run, if any. */
  fatalError(): SymbiontError | undefined;
  /** Records the task's end (`task.finished`). */
  finish(status: FinalStatus, error: string | null): Promise<void>;
  /** A subtask started during planning ended after dispatch took it over. */
  settleLate(index: number, outcome: SubtaskOutcome): void;
  /** A store or ledger failure of a subtask started during planning. */
  fatal(error: unknown): void;
}

export interface Planned {
  /** False when planning ended the task, or the task now waits for approval. */
  ready: boolean;
  /** The subtasks the streaming planner started, for dispatch to take over. */
  early?: EarlyStarts;
}

/** Plans and stores the plan; throws the fatal error when a store or ledger failure stopped it. */
export async function planRun(run: PlanningRun): Promise<Planned> {
  const { context, options } = run;
  const task = context.task;
  // A task under review starts nothing before approval, so its plan is read whole.
  const early = options.plan || options.review ? undefined : earlyStarts(run);
  const { plan, error } = await planOrFailure(context, options, early);
  const subtasks = plan ? subtasksOfPlan(task.id, plan, context.modelFor) : [];
  const failure = error ?? early?.mismatch(subtasks);
  if (failure) {
    await early?.stop();
    if (run.stopReason() === 'fatal') throw run.fatalError();
    const cancelled = failure.code === 'CANCELLED' || run.stopReason() === 'cancelled';
    await run.finish(cancelled ? 'cancelled' : 'failed', cancelled ? null : failure.message);
    return { ready: false };
  }
  const planned = context.emit({
    type: 'task.planned',
    reasoning: plan!.reasoning,
    subtasks,
    warnings: plan!.warnings,
  });
  if (!options.review) {
    await planned;
    return { ready: true, ...(early ? { early } : {}) };
  }
  // Emitted in the same turn, so stored in the same batch: no crash leaves the plan without
  // its wait (a `planned` task would be run by `resume`).
  const estimate = estimateSubtasks(task, subtasks, context);
  await context.emit({ type: 'task.awaiting_approval', estimate });
  return { ready: false };
}

function earlyStarts(run: PlanningRun): EarlyStarts {
  const task = run.context.task;
  return new EarlyStarts({
    context: run.context,
    pool: run.options.pool,
    concurrency: task.settings.concurrency,
    emit: (body) => run.context.emit(body),
    settleLate: (index, outcome) => run.settleLate(index, outcome),
    fatal: (error) => run.fatal(error),
    // A resumed planning: what the interrupted one completed is kept (the replanning clears it).
    prior: [...task.subtasks],
  });
}
