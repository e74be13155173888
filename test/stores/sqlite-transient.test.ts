// The SQLite store waits out a transient lock: a write that meets SQLITE_BUSY past the busy
// timeout is retried with backoff and lands once the other writer lets go; a lock that persists
// past the retry budget fails with STORE_WRITE naming SQLITE_BUSY and how long it lasted.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTaskStore } from '../../src/adapters/stores/sqlite-store.js';
import { createdEvent, isoAt, makeTask, plannedEvent } from './task-fixtures.js';

let directory: string;
let path: string;
const opened: { close(): unknown }[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'symbiont-sqlite-busy-'));
  path = join(directory, 'symbiont.db');
});
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
  rmSync(directory, { recursive: true, force: true });
});

function open(transientRetryMs: number): SqliteTaskStore {
  const store = openSqliteStore(path, { busyTimeoutMs: 10, transientRetryMs });
  opened.push(store);
  return store;
}

/** Another connection holding the write lock until released. */
function holdWriteLock(): { release(): void } {
  const other = new Database(path, { timeout: 10 });
  opened.push(other);
  other.exec('BEGIN IMMEDIATE');
  return { release: () => other.exec('COMMIT') };
}

describe('sqlite store under lock contention', () => {
  it('retries a write that meets SQLITE_BUSY until the lock clears', async () => {
    const store = open(10_000);
    const task = makeTask();
    await store.createTask(createdEvent(task));
    const lock = holdWriteLock();
    let released = false;
    setTimeout(() => {
      released = true;
      lock.release();
    }, 150);
    const stored = await store.appendEvents(task.id, [plannedEvent(task.id, 2, isoAt(1))]);
    expect(released).toBe(true);
    expect(stored.map((event) => event.seq)).toEqual([2]);
    expect((await store.getTask(task.id))?.subtasks).toHaveLength(2);
  });

  it('fails with STORE_WRITE naming SQLITE_BUSY when the lock persists past the retry budget', async () => {
    const store = open(200);
    const task = makeTask();
    await store.createTask(createdEvent(task));
    const lock = holdWriteLock();
    await expect(store.appendEvents(task.id, [plannedEvent(task.id, 2, isoAt(1))])).rejects.toMatchObject({
      code: 'STORE_WRITE',
      message: expect.stringMatching(/SQLITE_BUSY.*still failing after \d+ attempts over 0\.\d s/),
    });
    lock.release();
    // Nothing of the failed batch was kept: the next append starts from what is stored.
    await store.appendEvents(task.id, [plannedEvent(task.id, 3, isoAt(2))]);
    expect((await store.getTask(task.id))?.subtasks).toHaveLength(3);
  });

  it('rejects a negative retry budget, naming the option', () => {
    expect(() => openSqliteStore(path, { transientRetryMs: -1 })).toThrow(/transientRetryMs/);
  });
});
