// Folds a task's event stream into its record. Pure and deterministic: the stores use it to
// keep the record that matches the events they persisted, and replaying the events of a task
// from `task.created` reproduces the stored record exactly.

import { SymbiontError } from './errors.js';
import type { TaskEvent, UnsequencedEvent } from './events.js';
import type { PlanEstimate } from './plan-estimate.js';
import { frozenDependencies, type Subtask, type Task } from './records.js';

function subtaskAt(task: Task, index: number): Subtask {
  const subtask = task.subtasks[index];
  if (subtask === undefined) {
    throw new SymbiontError(
      'INTERNAL',
      `event names subtask ${index}, task ${task.id} has ${task.subtasks.length}`,
    );
  }
  return subtask;
}

function addTokens(current: number | null, more: number | null): number | null {
  if (more === null) return current;
  return (current ?? 0) + more;
}

/**
 * A copy of a subtask that shares nothing mutable with it: the record is flat but for
 * `depends_on`, which is frozen and shared (see frozenDependencies). Much faster than
 * structuredClone.
 */
export function cloneSubtask(subtask: Subtask): Subtask {
  return { ...subtask, depends_on: frozenDependencies(subtask.depends_on) };
}

/** Deep copy of a task record. Hand-written: structuredClone costs ~70 ms for 10,000 subtasks. */
export function cloneTask(task: Task): Task {
  return {
    ...task,
    subtasks: task.subtasks.map(cloneSubtask),
    warnings: [...task.warnings],
    settings: { ...task.settings, models: { ...task.settings.models } },
  };
}

/** Puts a plan estimate on the record: the totals on the task, one figure per subtask. */
function applyEstimate(task: Task, estimate: PlanEstimate): void {
  task.estimate = Object.freeze({ low_usd: estimate.low_usd, high_usd: estimate.high_usd });
  for (const subtask of task.subtasks) {
    const figure = estimate.subtasks[subtask.index];
    subtask.estimate =
      figure === undefined ? null : Object.freeze({ low_usd: figure.low_usd, high_usd: figure.high_usd });
  }
}

/**
 * A subtask about to run again: pending, with no result, error or times, and routed afresh
 * (tier and model cleared, so an escalation of the earlier run is not inherited). Its attempts,
 * cost and tokens stay: attempt numbers continue and the cost is what it really cost in all.
 */
function resetForRetry(subtask: Subtask): void {
  subtask.status = 'pending';
  subtask.result = null;
  subtask.error = null;
  subtask.tier_assigned = null;
  subtask.model = null;
  subtask.started_at = null;
  subtask.completed_at = null;
}

/**
 * Applies one event to `task` IN PLACE and returns it. Callers that share the record must
 * clone first. `task.created` is not applied here: it carries the initial record itself.
 */
export function applyTaskEvent(task: Task, event: UnsequencedEvent | TaskEvent): Task {
  switch (event.type) {
    case 'task.created':
      throw new SymbiontError('INTERNAL', 'task.created starts a stream; it cannot be applied to a task');
    case 'subtask.planned':
      if (event.subtask.index !== task.subtasks.length) {
        throw new SymbiontError(
          'INTERNAL',
          `streamed subtask ${event.subtask.index} arrived with ${task.subtasks.length} before it`,
        );
      }
      task.subtasks.push(cloneSubtask(event.subtask));
      return task;
    case 'subtask.output':
      return task;
    case 'task.planned':
      task.status = 'planned';
      task.reasoning = event.reasoning;
      // Subtasks streamed before the plan was complete keep their records (they may be running).
      task.subtasks = event.subtasks.map((subtask, at) => {
        const streamed = task.subtasks[at];
        return streamed !== undefined && streamed.id === subtask.id ? streamed : cloneSubtask(subtask);
      });
      task.warnings = [...event.warnings];
      task.planned_at = event.at;
      return task;
    case 'task.plan_attempted':
      task.total_cost += event.cost;
      return task;
    case 'task.awaiting_approval':
      task.status = 'awaiting_approval';
      applyEstimate(task, event.estimate);
      return task;
    case 'task.approved':
      task.status = 'planned';
      if (event.subtasks !== undefined) {
        task.subtasks = event.subtasks.map(cloneSubtask);
        task.reasoning = event.reasoning ?? null;
        task.warnings = [...(event.warnings ?? [])];
      }
      if (event.estimate !== undefined) applyEstimate(task, event.estimate);
      return task;
    case 'task.replanning':
      task.status = 'planning';
      task.subtasks = [];
      task.reasoning = null;
      task.planned_at = null;
      return task;
    case 'task.started':
      task.status = 'executing';
      return task;
    case 'subtask.routed': {
      const subtask = subtaskAt(task, event.index);
      // Routing happens for the whole plan at once; the subtask stays `pending` until queued.
      subtask.tier_assigned = event.tier;
      subtask.model = event.model;
      return task;
    }
    case 'subtask.queued':
      subtaskAt(task, event.index).status = 'queued';
      return task;
    case 'subtask.started': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'executing';
      subtask.attempts = event.attempt;
      subtask.tier_assigned = event.tier;
      subtask.model = event.model;
      subtask.started_at ??= event.at;
      return task;
    }
    case 'subtask.attempt_failed': {
      const subtask = subtaskAt(task, event.index);
      subtask.cost = (subtask.cost ?? 0) + event.cost;
      subtask.input_tokens = addTokens(subtask.input_tokens, event.input_tokens);
      subtask.output_tokens = addTokens(subtask.output_tokens, event.output_tokens);
      subtask.error = event.error;
      task.total_cost += event.cost;
      return task;
    }
    case 'subtask.escalated': {
      const subtask = subtaskAt(task, event.index);
      subtask.tier_assigned = event.to_tier;
      subtask.model = event.model;
      return task;
    }
    case 'subtask.completed': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'completed';
      subtask.result = event.result;
      subtask.error = null;
      subtask.cost = (subtask.cost ?? 0) + event.cost;
      subtask.input_tokens = addTokens(subtask.input_tokens, event.input_tokens);
      subtask.output_tokens = addTokens(subtask.output_tokens, event.output_tokens);
      subtask.completed_at = event.at;
      task.total_cost += event.cost;
      return task;
    }
    case 'subtask.failed': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'failed';
      subtask.error = event.error;
      subtask.completed_at = event.at;
      return task;
    }
    case 'subtask.skipped': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'skipped';
      subtask.error = event.error;
      subtask.completed_at = event.at;
      return task;
    }
    case 'subtask.cancelled': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'cancelled';
      subtask.error = subtask.error ?? 'cancelled';
      subtask.completed_at = event.at;
      return task;
    }
    case 'subtask.reset': {
      const subtask = subtaskAt(task, event.index);
      subtask.status = 'pending';
      return task;
    }
    case 'task.answered':
      task.answer = event.answer;
      task.total_cost += event.cost;
      return task;
    case 'task.retried':
      for (const index of event.indexes) resetForRetry(subtaskAt(task, index));
      task.status = task.subtasks.length === 0 ? 'planning' : 'planned';
      task.error = null;
      task.answer = null;
      task.completed_at = null;
      return task;
    case 'task.cancel_requested':
      // A request only; the executing process answers with the cancellation events.
      return task;
    case 'task.resumed':
    case 'task.detached':
      // Markers for resume: a run began; the run before stopped cleanly.
      return task;
    case 'task.finished':
      task.status = event.status;
      task.error = event.error;
      task.total_cost = event.total_cost;
      task.completed_at = event.at;
      return task;
  }
}

/** Rebuilds a record from its full stream (first event must be task.created). */
export function replayTask(events: readonly TaskEvent[]): Task {
  const [first, ...rest] = events;
  if (first === undefined || first.type !== 'task.created') {
    throw new SymbiontError('INTERNAL', 'an event stream must start with task.created');
  }
  const task = cloneTask(first.task);
  for (const event of rest) applyTaskEvent(task, event);
  return task;
}
