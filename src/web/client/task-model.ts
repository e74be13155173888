// What the task view draws, folded from the task's event stream with the core's own reducer
// (src/core/task-reducer.ts): the record, the events with their times (for the timeline and
// the cost line), and the running text of each executing step. Pure, so tests run it in Node.

import type { TaskEvent, TaskEventType } from '../../core/events.js';
import type { Subtask, Task } from '../../core/records.js';
import { applyTaskEvent, cloneTask } from '../../core/task-reducer.js';

/** An event as it arrives on the wire: a known TaskEvent, or a type this page does not know yet. */
export interface WireEvent {
  type: string;
  seq: number;
  task_id: string;
  at: string;
  [field: string]: unknown;
}

/** A chunk of a step's running text (SPEC §13), once the engine sends it. */
export interface OutputEvent extends WireEvent {
  type: 'subtask.output';
  index: number;
  text: string;
}

export function isOutputEvent(event: WireEvent): event is OutputEvent {
  return event.type === 'subtask.output' && typeof event.index === 'number' && typeof event.text === 'string';
}

const KNOWN_TYPES: ReadonlySet<string> = new Set<TaskEventType>([
  'task.created',
  'task.planned',
  'task.plan_attempted',
  'task.started',
  'task.replanning',
  'task.cancel_requested',
  'task.answered',
  'task.retried',
  'task.finished',
  'subtask.routed',
  'subtask.queued',
  'subtask.started',
  'subtask.attempt_failed',
  'subtask.escalated',
  'subtask.completed',
  'subtask.failed',
  'subtask.skipped',
  'subtask.cancelled',
  'subtask.reset',
]);

/** The event names the page listens for on a task's stream. */
export const TASK_EVENT_NAMES: readonly string[] = [...KNOWN_TYPES, 'subtask.output'];

export class TaskModel {
  task: Task | null = null;
  /** Every event since task.created, in seq order (times for the pictures). */
  readonly events: WireEvent[] = [];
  /** Running text per step index, while it runs. */
  readonly liveText = new Map<number, string>();
  lastSeq = 0;

  /** Applies one event; false when it was seen already (a replay after a reconnect). */
  apply(event: WireEvent): boolean {
    if (typeof event.seq === 'number') {
      if (event.seq <= this.lastSeq) return false;
      this.lastSeq = event.seq;
    }
    if (event.type === 'task.created') {
      this.events.length = 0;
      this.liveText.clear();
      this.task = cloneTask((event as unknown as Extract<TaskEvent, { type: 'task.created' }>).task);
      this.events.push(event);
      return true;
    }
    this.events.push(event);
    if (isOutputEvent(event)) {
      this.liveText.set(event.index, (this.liveText.get(event.index) ?? '') + event.text);
      return true;
    }
    if (this.task === null || !KNOWN_TYPES.has(event.type)) return true;
    applyTaskEvent(this.task, event as unknown as TaskEvent);
    if (
      event.type === 'subtask.started' ||
      event.type === 'subtask.reset' ||
      event.type === 'task.replanning'
    ) {
      // A new attempt starts its text afresh.
      if (typeof event.index === 'number') this.liveText.delete(event.index);
      else this.liveText.clear();
    }
    return true;
  }

  /** Takes the stored record (e.g. after task.finished): it may carry fields events do not. */
  adopt(record: Task): void {
    this.task = record;
  }
}

/** The answer of the task (the record's `answer`, once the server sends one). */
export function answerOf(task: Task): string | null {
  const answer = (task as Task & { answer?: unknown }).answer;
  if (typeof answer === 'string') return answer;
  const text = (answer as { text?: unknown } | null | undefined)?.text;
  return typeof text === 'string' ? text : null;
}

/** The steps nothing depends on: until the task has an answer, their results are its outcome. */
export function sinksOf(subtasks: readonly Subtask[]): Subtask[] {
  const needed = new Set<number>();
  for (const subtask of subtasks) for (const dependency of subtask.depends_on) needed.add(dependency);
  return subtasks.filter((subtask) => !needed.has(subtask.index));
}

/** A step's estimated cost, when the plan carries one (`estimate`: a number or {cost_usd}). */
export function estimateOf(subtask: Subtask): number | null {
  const estimate = (subtask as Subtask & { estimate?: unknown }).estimate;
  if (typeof estimate === 'number' && Number.isFinite(estimate)) return estimate;
  if (estimate !== null && typeof estimate === 'object') {
    for (const key of ['cost_usd', 'cost', 'usd']) {
      const value = (estimate as Record<string, unknown>)[key];
      if (typeof value === 'number' && Number.isFinite(value)) return value;
    }
  }
  return null;
}
