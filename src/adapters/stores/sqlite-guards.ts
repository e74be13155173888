// What wraps every call of the SQLite store: transient errors (SQLITE_BUSY past the busy
// timeout, EMFILE...) waited out for a bounded time, failures turned into SymbiontErrors naming
// the file; and the readiness probe, a real write that leaves nothing behind.

import type Database from 'better-sqlite3';
import { retryTransient } from '../system/transient-retry.js';
import { storeReadError, storeWriteError } from './sqlite-errors.js';

export interface GuardedAccess {
  reading<T>(read: () => T): Promise<T>;
  writing<T>(write: () => T): Promise<T>;
}

export function guardedAccess(path: string, retryBudgetMs: number): GuardedAccess {
  const retry = { budgetMs: retryBudgetMs };
  return {
    async reading(read) {
      try {
        return await retryTransient(read, retry);
      } catch (error) {
        throw storeReadError(path, error);
      }
    },
    async writing(write) {
      try {
        return await retryTransient(write, retry);
      } catch (error) {
        throw storeWriteError(path, error);
      }
    },
  };
}

/** How long a successful probe is reused: a load balancer polling /healthz costs a write a second at most. */
const PROBE_REUSE_MS = 1000;

/**
 * A committed write that leaves nothing behind: a lease row for no task, inserted and deleted in
 * one transaction (its foreign key is checked only at commit, when the row is gone). The pages it
 * dirties reach the WAL, so a read-only, locked or corrupt file fails it. Not retried: readiness
 * reports the store as it is now.
 */
export function writeProbe(database: Database.Database, path: string): () => Promise<void> {
  const insert = database.prepare('INSERT INTO leases (task_key, holder, expires_at) VALUES (-1, ?, 0)');
  const remove = database.prepare('DELETE FROM leases WHERE task_key = -1');
  const probe = database.transaction(() => {
    database.pragma('defer_foreign_keys = ON');
    insert.run('readiness probe');
    remove.run();
  });
  let writableAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (Date.now() - writableAt < PROBE_REUSE_MS) return;
    try {
      probe.immediate();
    } catch (error) {
      throw storeWriteError(path, error);
    }
    writableAt = Date.now();
  };
}
