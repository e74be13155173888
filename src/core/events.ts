// Progress is one tagged union of events. The engine emits them, the store persists them in
// order (assigning `seq`), and the CLI view, SSE stream and dashboard only render them.

import type { PlanEstimate } from './plan-estimate.js';
import type { ValidatedPlan } from './plan-validation.js';
import type { Subtask, SubtaskStatus, Task, TaskStatus, Tier } from './records.js';

export type TaskEventBody =
  /**
   * The task record as first stored (status `planning`, no subtasks yet), and the ready plan it
   * was submitted with, if any: a resume after a crash before `task.planned` was stored runs
   * that plan instead of asking the planner. `review`: the task waits for approval once planned
   * (SPEC §11), also after such a resume.
   */
  | { type: 'task.created'; task: Task; plan?: ValidatedPlan; review?: boolean }
  /**
   * The streaming planner read one subtask of the plan before the rest arrived (status
   * `pending`, at position `subtask.index`): it may start before `task.planned`. The plan as a
   * whole is still validated when it is complete.
   */
  | { type: 'subtask.planned'; subtask: Subtask }
  /**
   * Planning finished: the validated subtasks (all `pending`, but for those already streamed
   * with `subtask.planned`, whose records carry on as they are).
   */
  | {
      type: 'task.planned';
      reasoning: string | null;
      subtasks: Subtask[];
      warnings: string[];
    }
  /**
   * A task submitted for review was planned, routed and estimated (SPEC §11): it waits for its
   * owner's approval. Stored in the same batch as `task.planned`. Nothing runs until
   * `task.approved`; `resume` leaves it alone.
   */
  | { type: 'task.awaiting_approval'; estimate: PlanEstimate }
  /**
   * The owner approved: the task may run. With `subtasks`, an edited plan (validated, routed)
   * replaces the reviewed one, with its own reasoning, warnings and estimate.
   */
  | {
      type: 'task.approved';
      subtasks?: Subtask[];
      reasoning?: string | null;
      warnings?: string[];
      estimate?: PlanEstimate;
    }
  /** A planning call was made (ledgered); its cost counts in total_cost. */
  | { type: 'task.plan_attempted'; attempt: number; cost: number; success: boolean; error: string | null }
  /** Execution began (or resumed). */
  | { type: 'task.started'; resumed: boolean }
  /** Routing picked a tier and model for a subtask. */
  | { type: 'subtask.routed'; index: number; tier: Tier; model: string }
  /** Dependencies are done; waiting for a concurrency slot. */
  | { type: 'subtask.queued'; index: number }
  /** An attempt started. */
  | { type: 'subtask.started'; index: number; attempt: number; tier: Tier; model: string }
  /**
   * Text the running attempt has produced since its last output event (chunks coalesced to a
   * few events per second). Joined in order, an attempt's chunks are its answer; the record
   * keeps only the final result (`subtask.completed`), so the reducer ignores these.
   */
  | { type: 'subtask.output'; index: number; attempt: number; text: string }
  /** An attempt failed; `retry_in_ms` is null when no retry follows at this tier. */
  | {
      type: 'subtask.attempt_failed';
      index: number;
      attempt: number;
      error: string;
      code: string;
      cost: number;
      input_tokens: number | null;
      output_tokens: number | null;
      retry_in_ms: number | null;
    }
  /** Every attempt at a tier failed; one more try at the next tier. */
  | { type: 'subtask.escalated'; index: number; from_tier: Tier; to_tier: Tier; model: string }
  /** The successful attempt; its cost and tokens add to those of failed attempts before it. */
  | {
      type: 'subtask.completed';
      index: number;
      result: string;
      cost: number;
      input_tokens: number | null;
      output_tokens: number | null;
    }
  /** Final failure; the attempts' costs were already counted by their attempt_failed events. */
  | { type: 'subtask.failed'; index: number; error: string }
  | { type: 'subtask.skipped'; index: number; error: string }
  | { type: 'subtask.cancelled'; index: number }
  /** In-flight subtasks were put back to `pending` because the task is being resumed. */
  | { type: 'subtask.reset'; index: number }
  /** Another process asked the process executing this task to cancel it. */
  | { type: 'task.cancel_requested' }
  /** A process resumes the task: a new run begins (engine/crash-guard.ts counts them). */
  | { type: 'task.resumed' }
  /**
   * The process running the task stopped it cleanly (shutdown, Ctrl-C) and left it resumable:
   * the run before it was not interrupted (not a crash).
   */
  | { type: 'task.detached' }
  /** Planning is being redone after an interrupted planning phase. */
  | { type: 'task.replanning' }
  /**
   * The task's answer (SPEC §10), written after execution and before `task.finished`; `cost` is
   * what the synthesis call's attempts cost (0 when no call was made) and counts in total_cost;
   * `attempts` is how many were made (a retry's synthesis numbers its attempts after them).
   */
  | { type: 'task.answered'; answer: string; cost: number; attempts: number }
  /**
   * A finished task runs again (SPEC §12): these subtasks go back to `pending` (their results
   * cleared, attempts and cost kept), the answer is cleared and the task is unfinished again.
   * With no subtasks (planning had failed) the task is planned again. `previous_status`,
   * `previous_subtasks` (every subtask's status) and `total_cost` say what the retry started
   * from, for readers that count tasks without keeping them (the /metrics gauges).
   */
  | {
      type: 'task.retried';
      indexes: number[];
      previous_status: TaskStatus;
      previous_subtasks: SubtaskStatus[];
      total_cost: number;
    }
  | {
      type: 'task.finished';
      status: Extract<TaskStatus, 'completed' | 'partial' | 'failed' | 'cancelled'>;
      error: string | null;
      total_cost: number;
    };

export type TaskEventType = TaskEventBody['type'];

/** A stored event: the body plus where and when it happened. */
export type TaskEvent = TaskEventBody & {
  /** 1-based, per task, assigned by the store; gap-free and ordered. */
  seq: number;
  task_id: string;
  /** ISO 8601 UTC. */
  at: string;
};

/** An event before the store has sequenced it. */
export type UnsequencedEvent = TaskEventBody & { task_id: string; at: string };
