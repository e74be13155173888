// The SQLite task store (better-sqlite3, WAL): the default, durable store. Each appendEvents is
// one BEGIN IMMEDIATE transaction that stores the events, the header and only the subtask rows
// the batch touched; other processes on the same file read consistent snapshots meanwhile.

import type Database from 'better-sqlite3';
import { durationSampleOf } from '../../core/duration-estimates.js';
import { invalidValue, SymbiontError } from '../../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../core/events.js';
import { isFinalTaskStatus, type Task } from '../../core/records.js';
import { applyTaskEvent, cloneTask } from '../../core/task-reducer.js';
import type { Clock } from '../../ports/clock.js';
import type { TaskStore } from '../../ports/task-store.js';
import { systemClock } from '../system/system-clock.js';
import { prefixUpperBound } from './prefix-range.js';
import { closeDatabase, openDatabase, openDatabaseReadOnly } from './sqlite-connection.js';
import { guardedAccess, writeProbe } from './sqlite-guards.js';
import {
  countCompleted,
  eventBody,
  eventFromRow,
  summaryFromRow,
  type TaskRow,
  taskFromRows,
  taskInsertValues,
} from './sqlite-rows.js';
import { prepareStatements } from './sqlite-statements.js';
import {
  checkAfterSeq,
  checkCreatedEvent,
  checkEventBatch,
  checkLeaseTtl,
  checkListLimit,
  replacesSubtasks,
} from './store-checks.js';

export interface SqliteStoreOptions {
  /** Milliseconds a write waits for another process's write lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * PRAGMA synchronous. Default `NORMAL`: a commit survives a crash of the process; an OS crash
   * or power loss may lose the last commits, never consistency. `FULL` fsyncs every commit.
   * See docs/decisions/sqlite-store.md.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Time for lease expiry. Default: the system clock. */
  readonly clock?: Clock;
  /** Unfinished task records kept in memory for appends by this process. Default 64. */
  readonly cacheSize?: number;
  /** Open an existing file for reading only (see openDatabaseReadOnly); writes then fail. Default false. */
  readonly readOnly?: boolean;
  /**
   * How long an operation failing with SQLITE_BUSY / SQLITE_LOCKED (after busyTimeoutMs) or
   * EMFILE, ENFILE, EAGAIN is retried, with growing pauses, before it fails. 0: never. Default 10,000.
   */
  readonly transientRetryMs?: number;
}

export type SqliteTaskStore = TaskStore & {
  readonly database: Database.Database;
  /** True when no task was ever stored in this file (new, or replaced by an empty one; not pruned). */
  neverHeldTasks(): boolean;
};

/** The record of a task this process appends to, as of `lastSeq`. */
interface CachedTask {
  taskKey: number;
  task: Task;
  lastSeq: number;
  completedCount: number;
}

function checkOptions(options: Required<Omit<SqliteStoreOptions, 'clock' | 'readOnly'>>): void {
  if (!(options.transientRetryMs >= 0)) {
    throw invalidValue('transientRetryMs', 'a number from 0 up', options.transientRetryMs);
  }
  if (!Number.isInteger(options.busyTimeoutMs) || options.busyTimeoutMs < 0) {
    throw invalidValue('busyTimeoutMs', 'an integer from 0 and up', options.busyTimeoutMs);
  }
  if (options.synchronous !== 'NORMAL' && options.synchronous !== 'FULL') {
    throw invalidValue('synchronous', 'NORMAL or FULL', options.synchronous);
  }
  if (!Number.isInteger(options.cacheSize) || options.cacheSize < 1) {
    throw invalidValue('cacheSize', 'an integer from 1 and up', options.cacheSize);
  }
}

function notFound(taskId: string): SymbiontError {
  return new SymbiontError('NOT_FOUND', `no task ${taskId}`, { context: { taskId } });
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteTaskStore {
  const settings = {
    busyTimeoutMs: 5000,
    synchronous: 'NORMAL' as const,
    cacheSize: 64,
    transientRetryMs: 10_000,
    ...options,
  };
  checkOptions(settings);
  const clock = options.clock ?? systemClock;
  const database = options.readOnly
    ? openDatabaseReadOnly(path, settings.busyTimeoutMs)
    : openDatabase(path, settings.busyTimeoutMs, settings.synchronous);

  const statements = prepareStatements(database);

  /** Least recently written last; holds only unfinished tasks this process writes. */
  const cache = new Map<string, CachedTask>();

  function remember(taskId: string, entry: CachedTask): void {
    cache.delete(taskId);
    if (isFinalTaskStatus(entry.task.status)) return;
    cache.set(taskId, entry);
    if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value!);
  }

  function loadTask(taskId: string): { task: Task; row: TaskRow } | undefined {
    const row = statements.header.get(taskId);
    if (row === undefined) return undefined;
    return { task: taskFromRows(row, statements.subtaskBodies.all(row.task_key)), row };
  }

  /** Reads header and subtasks in one snapshot, even while another process writes. */
  const readTask = database.transaction((taskId: string) => loadTask(taskId)?.task);

  const create = database.transaction((created: UnsequencedEvent & { type: 'task.created' }) => {
    const task = created.task;
    if (statements.head.get(task.id) !== undefined) {
      throw new SymbiontError('CONFLICT', `task ${task.id} already exists`, { context: { taskId: task.id } });
    }
    const completedCount = countCompleted(task.subtasks);
    const taskKey = Number(
      statements.insertTask.run(...taskInsertValues(task, 1, completedCount)).lastInsertRowid,
    );
    for (const subtask of task.subtasks) {
      statements.insertSubtask.run(taskKey, subtask.index, JSON.stringify(subtask));
    }
    statements.insertEvent.run(taskKey, 1, created.type, eventBody(created), created.at);
    return { taskKey, task: cloneTask(task), lastSeq: 1, completedCount };
  });

  /**
   * Applies the batch to the cached record IN PLACE and writes what changed. If anything throws,
   * the transaction rolls back and the caller drops the cache entry, so it never holds a change
   * that was not stored.
   */
  const append = database.transaction((taskId: string, events: readonly UnsequencedEvent[]) => {
    const head = statements.head.get(taskId);
    if (head === undefined) throw notFound(taskId);
    let entry = cache.get(taskId);
    if (entry === undefined || entry.lastSeq !== head.last_seq || entry.taskKey !== head.task_key) {
      // First write here, or another process wrote since: start from what is stored.
      const loaded = loadTask(taskId)!;
      entry = {
        taskKey: loaded.row.task_key,
        task: loaded.task,
        lastSeq: loaded.row.last_seq,
        completedCount: loaded.row.completed_count,
      };
    }
    const taskKey = entry.taskKey;
    const task = entry.task;
    checkEventBatch(task, taskId, events);
    const replaced = replacesSubtasks(events);
    // Completed-before of each subtask the batch touches, for an incremental completed_count.
    const touched = new Map<number, boolean>();
    let headerChanged = replaced;
    if (!replaced) {
      for (const event of events) {
        if (event.type === 'subtask.output') continue; // changes no record
        if ('index' in event) {
          if (!touched.has(event.index))
            touched.set(event.index, task.subtasks[event.index]!.status === 'completed');
        } else headerChanged = true;
      }
    }
    const stored: TaskEvent[] = [];
    let seq = entry.lastSeq;
    for (const event of events) {
      seq += 1;
      applyTaskEvent(task, event);
      statements.insertEvent.run(taskKey, seq, event.type, eventBody(event), event.at);
      stored.push({ ...event, seq } as TaskEvent);
    }
    if (replaced) {
      statements.deleteSubtasks.run(taskKey);
      for (const subtask of task.subtasks) {
        statements.insertSubtask.run(taskKey, subtask.index, JSON.stringify(subtask));
      }
      entry.completedCount = countCompleted(task.subtasks);
    } else {
      for (const [index, wasCompleted] of touched) {
        const subtask = task.subtasks[index]!;
        statements.updateSubtask.run(JSON.stringify(subtask), taskKey, index);
        entry.completedCount += Number(subtask.status === 'completed') - Number(wasCompleted);
      }
    }
    if (headerChanged) {
      statements.updateHeader.run(
        task.status,
        task.reasoning,
        task.error,
        task.planned_at,
        task.completed_at,
        task.total_cost,
        JSON.stringify(task.warnings),
        seq,
        task.subtasks.length,
        entry.completedCount,
        task.answer,
        task.estimate === null ? null : JSON.stringify(task.estimate),
        taskKey,
      );
    } else {
      statements.updateCounters.run(task.total_cost, seq, entry.completedCount, taskKey);
    }
    entry.lastSeq = seq;
    return { stored, entry };
  });

  const prune = database.transaction((isoTime: string) => {
    const taskKeys = statements.prunable.all(isoTime);
    for (const taskKey of taskKeys) {
      statements.deleteEvents.run(taskKey, taskKey);
      statements.deleteTask.run(taskKey);
    }
    return taskKeys.length;
  });

  const acquire = database.transaction((taskId: string, holder: string, ttlMs: number) => {
    const head = statements.head.get(taskId);
    if (head === undefined) throw notFound(taskId);
    const now = clock.now();
    const lease = statements.lease.get(head.task_key);
    if (lease !== undefined && lease.holder !== holder && lease.expires_at > now) return false;
    statements.upsertLease.run(head.task_key, holder, now + ttlMs);
    return true;
  });

  const { reading, writing } = guardedAccess(path, settings.transientRetryMs);
  const checkWritable = writeProbe(database, path);

  const firstTaskFact = database
    .prepare<[], number>("SELECT 1 FROM store_facts WHERE name = 'first_task_at'")
    .pluck();

  return {
    database,

    neverHeldTasks: () => firstTaskFact.get() === undefined,

    async createTask(created) {
      checkCreatedEvent(created);
      const entry = await writing(() => create.immediate(created));
      remember(created.task.id, entry);
      return { ...created, seq: 1 } as TaskEvent;
    },

    async appendEvents(taskId, events) {
      if (events.length === 0) {
        if ((await reading(() => statements.head.get(taskId))) === undefined) throw notFound(taskId);
        return [];
      }
      // A failed transaction may have changed the cached record in place: drop it before a retry.
      const { stored, entry } = await writing(() => {
        try {
          return append.immediate(taskId, events);
        } catch (error) {
          cache.delete(taskId);
          throw error;
        }
      });
      remember(taskId, entry);
      return stored;
    },

    async getTask(taskId) {
      return reading(() => readTask(taskId));
    },

    async listTasks(query) {
      checkListLimit(query.limit);
      const rows = await reading(() =>
        query.owner === undefined
          ? statements.listAll.all(query.limit)
          : statements.listByOwner.all(query.owner, query.limit),
      );
      return rows.map(summaryFromRow);
    },

    async findTaskIds(prefix, limit) {
      checkListLimit(limit);
      const upper = prefixUpperBound(prefix);
      return reading(() =>
        upper === undefined
          ? statements.idsFrom.all(prefix, limit)
          : statements.idsInRange.all(prefix, upper, limit),
      );
    },

    async readEvents(taskId, afterSeq, limit) {
      checkAfterSeq(afterSeq);
      if (limit !== undefined) checkListLimit(limit);
      return reading(() => {
        const rows = statements.events.all(taskId, afterSeq, limit ?? -1);
        if (rows.length === 0 && statements.head.get(taskId) === undefined) throw notFound(taskId);
        return rows.map((row) => eventFromRow(taskId, row));
      });
    },

    async cancelRequestedAfter(taskId, afterSeq) {
      checkAfterSeq(afterSeq);
      return reading(() => {
        const head = statements.head.get(taskId);
        if (head === undefined) throw notFound(taskId);
        const lastSeq = head.last_seq;
        if (lastSeq <= afterSeq) return { requested: false, lastSeq };
        const found = statements.cancelRequest.get(head.task_key, afterSeq, head.task_key, lastSeq);
        return { requested: found !== undefined, lastSeq };
      });
    },

    async listUnfinished() {
      return reading(() => statements.unfinished.all());
    },

    async acquireLease(taskId, holder, ttlMs) {
      checkLeaseTtl(ttlMs);
      return writing(() => acquire.immediate(taskId, holder, ttlMs));
    },

    async leaseHolder(taskId) {
      const lease = await reading(() => statements.leaseOf.get(taskId));
      return lease !== undefined && lease.expires_at > clock.now() ? lease.holder : undefined;
    },

    async releaseLease(taskId, holder) {
      await writing(() => statements.deleteLease.run(taskId, holder));
    },

    async recentDurations(limit) {
      checkListLimit(limit);
      return (await reading(() => statements.recentCompleted.all(limit)))
        .map((row) => durationSampleOf({ status: 'completed', ...row }))
        .filter((sample) => sample !== undefined);
    },

    async pruneFinishedBefore(isoTime) {
      return writing(() => prune.immediate(isoTime));
    },

    checkWritable,

    async close() {
      cache.clear();
      closeDatabase(database);
    },
  };
}
