// The task-store port. A store persists each task's event stream and the task record those
// events produce (core/task-reducer.ts), atomically, before anyone can read either: no reader
// ever sees a state the store could lose. Adapters: memory (tests, --store memory), SQLite.

import type { DurationSample } from '../core/duration-estimates.js';
import type { TaskEvent, UnsequencedEvent } from '../core/events.js';
import type { Task, TaskSummary } from '../core/records.js';

export interface ListQuery {
  /** Newest first; at most this many. */
  limit: number;
  /** Only tasks with this owner; undefined means every owner. */
  owner?: string | null;
}

export interface TaskStore {
  /**
   * Stores a new task. `created` must be a `task.created` event whose `task` is the record;
   * it becomes event seq 1. Rejects with CONFLICT if the id exists.
   */
  createTask(created: UnsequencedEvent & { type: 'task.created' }): Promise<TaskEvent>;
  /**
   * Applies events in order to the task (applyTaskEvent), stores the events (assigning
   * consecutive `seq`) and the new record in one atomic write, and returns the stored events.
   * Rejects with NOT_FOUND for an unknown task and STORE_WRITE when the write fails (then
   * nothing of the batch is stored).
   */
  appendEvents(taskId: string, events: readonly UnsequencedEvent[]): Promise<TaskEvent[]>;
  /** A copy of the current record, or undefined. */
  getTask(taskId: string): Promise<Task | undefined>;
  /** Recent-task summaries, newest (created_at) first. */
  listTasks(query: ListQuery): Promise<TaskSummary[]>;
  /**
   * Ids that start with `prefix` (exact, case-sensitive characters: `%` and `_` are not
   * wildcards), in ascending order, at most `limit`. The CLI resolves typed id prefixes with it.
   */
  findTaskIds(prefix: string, limit: number): Promise<string[]>;
  /** Stored events with seq > afterSeq, in order, at most `limit` (default: all). */
  readEvents(taskId: string, afterSeq: number, limit?: number): Promise<TaskEvent[]>;
  /**
   * Whether a `task.cancel_requested` was stored with seq > afterSeq, and the task's last seq
   * (the next call's afterSeq). The executing process polls this twice a second; it reads or
   * copies no event, however many were stored since. NOT_FOUND for an unknown task.
   */
  cancelRequestedAfter(taskId: string, afterSeq: number): Promise<{ requested: boolean; lastSeq: number }>;
  /** Ids of tasks to resume: not final and not awaiting approval (planning, planned, executing), oldest first. */
  listUnfinished(): Promise<string[]>;
  /**
   * Takes or renews the execution lease on a task for `holder` until now + ttlMs. Succeeds
   * when there is no lease, it is `holder`'s own, or it has expired. Only a lease holder
   * may execute the task.
   */
  acquireLease(taskId: string, holder: string, ttlMs: number): Promise<boolean>;
  /** The holder of the task's unexpired lease, or undefined when none is held. */
  leaseHolder(taskId: string): Promise<string | undefined>;
  /** Gives up the lease if `holder` holds it. */
  releaseLease(taskId: string, holder: string): Promise<void>;
  /**
   * Durations of completed subtasks of finished tasks (durationSampleOf), newest finished task
   * first, at most `limit`: the history critical-path estimates learn from.
   */
  recentDurations(limit: number): Promise<DurationSample[]>;
  /** Deletes finished tasks (and their events) completed before `isoTime`; returns how many. */
  pruneFinishedBefore(isoTime: string): Promise<number>;
  /**
   * Resolves when a write to the store would succeed now (readiness); rejects with the reason
   * otherwise. Optional: a store that cannot fail to write (memory) leaves it out.
   */
  checkWritable?(): Promise<void>;
  close(): Promise<void>;
}
