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

/** A chunk of a step's running text (SPEC §13): `{type: 'subtask.output', index, attempt, text}`. */
export interface OutputEvent extends WireEvent {
  type: 'subtask.output';
  index: number;
  text: string;
}

export function isOutputEvent(event: WireEvent): event is OutputEvent {
  return event.type === 'subtask.output' && typeof event.index === 'number' && typeof event.text === 'string';
}

// Every event type of the core's union: a type added there fails the typecheck here until the
// page folds it (a type left out would leave the page's record behind, e.g. in awaiting_approval).
// subtask.output is the live text, kept apart from the record (liveText).
const EVERY_TYPE: Record<Exclude<TaskEventType, 'subtask.output'>, true> = {
  'task.created': true,
  'task.planned': true,
  'task.plan_attempted': true,
  'task.awaiting_approval': true,
  'task.approved': true,
  'task.started': true,
  'task.replanning': true,
  'subtask.planned': true,
  'task.resumed': true,
  'task.detached': true,
  'task.cancel_requested': true,
  'task.answered': true,
  'task.retried': true,
  'task.finished': true,
  'subtask.routed': true,
  'subtask.queued': true,
  'subtask.started': true,
  'subtask.attempt_failed': true,
  'subtask.escalated': true,
  'subtask.completed': true,
  'subtask.failed': true,
  'subtask.skipped': true,
  'subtask.cancelled': true,
  'subtask.reset': true,
};

const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.keys(EVERY_TYPE));

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

/** A cost estimate as the record carries it (SPEC §4): one attempt of each call. */
export interface CostRange {
  low_usd: number;
  high_usd: number;
}

/** The estimate of a step or a task (`estimate: {low_usd, high_usd}`), or null when it has none. */
export function estimateOf(record: { estimate?: unknown }): CostRange | null {
  const estimate = record.estimate as Record<string, unknown> | null | undefined;
  if (estimate === null || typeof estimate !== 'object') return null;
  const { low_usd: low, high_usd: high } = estimate;
  if (typeof low !== 'number' || !Number.isFinite(low)) return null;
  if (typeof high !== 'number' || !Number.isFinite(high)) return null;
  return { low_usd: low, high_usd: high };
}
