// The SQLite task store (better-sqlite3, WAL): the default, durable store. Each appendEvents is
// one BEGIN IMMEDIATE transaction that stores the events, the header and only the subtask rows
// the batch touched (sqlite-task-writes.ts); other processes on the same file read consistent
// snapshots meanwhile. This file opens the database and answers the TaskStore port: reads,
// leases and pruning, each behind the guards that retry transient failures (sqlite-guards.ts).

import type Database from 'better-sqlite3';
import { durationSampleOf } from '../../core/duration-estimates.js';
import { invalidValue } from '../../core/errors.js';
import type { TaskEvent } from '../../core/events.js';
import type { Clock } from '../../ports/clock.js';
import type { TaskStore } from '../../ports/task-store.js';
import { systemClock } from '../system/system-clock.js';
import { prefixUpperBound } from './prefix-range.js';
import { closeDatabase, openDatabase, openDatabaseReadOnly } from './sqlite-connection.js';
import { guardedAccess, writeProbe } from './sqlite-guards.js';
import { eventFromRow, notFound, summaryFromRow } from './sqlite-rows.js';
import { prepareStatements } from './sqlite-statements.js';
import { sqliteTaskWrites } from './sqlite-task-writes.js';
import { checkAfterSeq, checkCreatedEvent, checkLeaseTtl, checkListLimit } from './store-checks.js';

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
  const writes = sqliteTaskWrites(database, statements, settings.cacheSize);

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
      await writing(() => writes.create(created));
      return { ...created, seq: 1 } as TaskEvent;
    },

    async appendEvents(taskId, events) {
      if (events.length === 0) {
        if ((await reading(() => statements.head.get(taskId))) === undefined) throw notFound(taskId);
        return [];
      }
      return writing(() => writes.append(taskId, events));
    },

    async getTask(taskId) {
      return reading(() => writes.readTask(taskId));
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
      writes.clear();
      closeDatabase(database);
    },
  };
}
