// The in-memory task store (tests, `--store memory`). It keeps every unfinished task and the
// newest `keepFinished` finished ones, by completed_at; a running task is never evicted.
// Records and events handed out are copies, so callers cannot change what is stored.

import { type DurationSample, durationSampleOf } from '../../core/duration-estimates.js';
import { invalidValue, SymbiontError } from '../../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../core/events.js';
import {
  isFinalTaskStatus,
  isResumableTaskStatus,
  summarizeTask,
  type Task,
  type TaskSummary,
} from '../../core/records.js';
import { applyTaskEvent, cloneSubtask, cloneTask } from '../../core/task-reducer.js';
import type { Clock } from '../../ports/clock.js';
import type { ListQuery, TaskStore } from '../../ports/task-store.js';
import { systemClock } from '../system/system-clock.js';
import {
  checkAfterSeq,
  checkCreatedEvent,
  checkEventBatch,
  checkLeaseTtl,
  checkListLimit,
} from './store-checks.js';

export interface MemoryStoreOptions {
  /** Finished tasks kept, newest (by completed_at) first; older ones are evicted. Default 1000. */
  readonly keepFinished?: number;
  /** Time for lease expiry. Default: the system clock. */
  readonly clock?: Clock;
}

interface Entry {
  task: Task;
  events: TaskEvent[];
  /** Insertion order: breaks created_at ties so that listings are stable. */
  order: number;
}

interface Lease {
  holder: string;
  expiresAt: number;
}

/** A copy sharing nothing with `event`. */
function copyEvent(event: TaskEvent): TaskEvent {
  return sequencedCopy(event, event.seq);
}

/**
 * A copy of `event` with its seq set, sharing nothing with it: only `task.created` and
 * `task.planned` carry nested objects (and the review events: estimates, an edited plan) (a subtask's frozen dependency list is shared).
 */
function sequencedCopy(event: UnsequencedEvent, seq: number): TaskEvent {
  const copy = { ...event, seq } as TaskEvent;
  if (copy.type === 'task.created') copy.task = cloneTask(copy.task);
  else if (copy.type === 'task.planned') {
    copy.subtasks = copy.subtasks.map(cloneSubtask);
    copy.warnings = [...copy.warnings];
  } else if (copy.type === 'task.awaiting_approval') copy.estimate = structuredClone(copy.estimate);
  else if (copy.type === 'task.approved') {
    if (copy.subtasks) copy.subtasks = copy.subtasks.map(cloneSubtask);
    if (copy.warnings) copy.warnings = [...copy.warnings];
    if (copy.estimate) copy.estimate = structuredClone(copy.estimate);
  }
  return copy;
}

/** SQLite's BINARY order (UTF-8 bytes) is code point order, which `<` on strings is not. */
function byCodePoint(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let position = 0; position < Math.min(left.length, right.length); position++) {
    const difference = left[position]!.codePointAt(0)! - right[position]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function notFound(taskId: string): SymbiontError {
  return new SymbiontError('NOT_FOUND', `no task ${taskId}`, { context: { taskId } });
}

export function createMemoryStore(options: MemoryStoreOptions = {}): TaskStore {
  const settings = { keepFinished: 1000, clock: systemClock, ...options };
  if (!Number.isInteger(settings.keepFinished) || settings.keepFinished < 0) {
    throw invalidValue('keepFinished', 'an integer from 0 and up', settings.keepFinished);
  }
  const entries = new Map<string, Entry>();
  const leases = new Map<string, Lease>();
  /** Ids of finished tasks, oldest completed_at first. */
  const finished: string[] = [];
  let nextOrder = 0;

  const completedAt = (taskId: string): string => entries.get(taskId)?.task.completed_at ?? '';

  function forget(taskId: string): void {
    entries.delete(taskId);
    leases.delete(taskId);
    const position = finished.indexOf(taskId);
    if (position >= 0) finished.splice(position, 1);
  }

  /** Keeps `finished` in step with the task's status, then evicts beyond keepFinished. */
  function track(taskId: string, task: Task): void {
    const position = finished.indexOf(taskId);
    if (position >= 0) finished.splice(position, 1);
    if (!isFinalTaskStatus(task.status)) return;
    const key = task.completed_at ?? '';
    // Binary search for the first entry completed later than this one.
    let low = 0;
    let high = finished.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (completedAt(finished[middle]!) <= key) low = middle + 1;
      else high = middle;
    }
    finished.splice(low, 0, taskId);
    while (finished.length > settings.keepFinished) forget(finished[0]!);
  }

  function entryOf(taskId: string): Entry {
    const entry = entries.get(taskId);
    if (entry === undefined) throw notFound(taskId);
    return entry;
  }

  function byCreated(descending: boolean): (a: Entry, b: Entry) => number {
    const sign = descending ? -1 : 1;
    return (a, b) => {
      if (a.task.created_at !== b.task.created_at)
        return a.task.created_at < b.task.created_at ? -sign : sign;
      return (a.order - b.order) * sign;
    };
  }

  return {
    async createTask(created) {
      checkCreatedEvent(created);
      const taskId = created.task.id;
      if (entries.has(taskId)) {
        throw new SymbiontError('CONFLICT', `task ${taskId} already exists`, { context: { taskId } });
      }
      const stored = sequencedCopy(created, 1);
      entries.set(taskId, { task: cloneTask(created.task), events: [stored], order: nextOrder++ });
      track(taskId, created.task);
      return copyEvent(stored);
    },

    async appendEvents(taskId: string, events: readonly UnsequencedEvent[]) {
      const entry = entryOf(taskId);
      checkEventBatch(entry.task, taskId, events);
      let seq = entry.events.length;
      const sequenced: TaskEvent[] = [];
      for (const event of events) {
        seq += 1;
        applyTaskEvent(entry.task, event);
        entry.events.push(sequencedCopy(event, seq));
        // The bus's copy may share values with the caller's event, never with the stored one.
        sequenced.push({ ...event, seq } as TaskEvent);
      }
      if (events.length > 0) track(taskId, entry.task);
      return sequenced;
    },

    async getTask(taskId) {
      const entry = entries.get(taskId);
      return entry === undefined ? undefined : cloneTask(entry.task);
    },

    async listTasks(query: ListQuery): Promise<TaskSummary[]> {
      checkListLimit(query.limit);
      const owner = query.owner;
      const matching = [...entries.values()].filter(
        (entry) => owner === undefined || entry.task.owner === owner,
      );
      return matching
        .sort(byCreated(true))
        .slice(0, query.limit)
        .map((entry) => summarizeTask(entry.task));
    },

    async findTaskIds(prefix, limit) {
      checkListLimit(limit);
      const ids = [...entries.keys()].filter((id) => id.startsWith(prefix)).sort(byCodePoint);
      return ids.slice(0, limit);
    },

    async readEvents(taskId, afterSeq, limit) {
      checkAfterSeq(afterSeq);
      if (limit !== undefined) checkListLimit(limit);
      const entry = entryOf(taskId);
      // seq n sits at position n - 1: the stream is gap-free from 1.
      const end = limit === undefined ? undefined : afterSeq + limit;
      return entry.events.slice(afterSeq, end).map(copyEvent);
    },

    async cancelRequestedAfter(taskId, afterSeq) {
      checkAfterSeq(afterSeq);
      const events = entryOf(taskId).events;
      // seq n sits at position n - 1.
      for (let position = afterSeq; position < events.length; position++) {
        if (events[position]!.type === 'task.cancel_requested')
          return { requested: true, lastSeq: events.length };
      }
      return { requested: false, lastSeq: events.length };
    },

    async listUnfinished() {
      return [...entries.values()]
        .filter((entry) => isResumableTaskStatus(entry.task.status))
        .sort(byCreated(false))
        .map((entry) => entry.task.id);
    },

    async acquireLease(taskId, holder, ttlMs) {
      checkLeaseTtl(ttlMs);
      entryOf(taskId);
      const now = settings.clock.now();
      const lease = leases.get(taskId);
      if (lease !== undefined && lease.holder !== holder && lease.expiresAt > now) return false;
      leases.set(taskId, { holder, expiresAt: now + ttlMs });
      return true;
    },

    async leaseHolder(taskId) {
      const lease = leases.get(taskId);
      return lease !== undefined && lease.expiresAt > settings.clock.now() ? lease.holder : undefined;
    },

    async releaseLease(taskId, holder) {
      if (leases.get(taskId)?.holder === holder) leases.delete(taskId);
    },

    async recentDurations(limit) {
      checkListLimit(limit);
      const samples: DurationSample[] = [];
      for (let position = finished.length - 1; position >= 0 && samples.length < limit; position--) {
        for (const subtask of entries.get(finished[position]!)!.task.subtasks) {
          const sample = durationSampleOf(subtask);
          if (sample !== undefined) samples.push(sample);
          if (samples.length === limit) break;
        }
      }
      return samples;
    },

    async pruneFinishedBefore(isoTime) {
      const old = finished.filter((taskId) => completedAt(taskId) < isoTime);
      for (const taskId of old) forget(taskId);
      return old.length;
    },

    async close() {},
  };
}
