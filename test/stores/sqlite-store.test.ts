// The SQLite store passes the task-store conformance suite, and beyond it: survives reopening,
// shares one file between connections, upgrades a version-1 database, refuses a newer one, and
// reports a failed write as STORE_WRITE with nothing of the batch stored and the file intact.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/adapters/stores/sqlite-schema.js';
import { openSqliteStore, type SqliteTaskStore } from '../../src/adapters/stores/sqlite-store.js';
import { SymbiontError } from '../../src/core/errors.js';
import { summarizeTask } from '../../src/core/records.js';
import { replayTask } from '../../src/core/task-reducer.js';
import {
  createdEvent,
  finishedEvent,
  isoAt,
  makeSubtasks,
  makeTask,
  plannedEvent,
  subtaskRunEvents,
  TEST_SETTINGS,
} from './task-fixtures.js';
import { describeTaskStoreConformance } from './task-store-conformance.js';

function makeTempDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'symbiont-sqlite-'));
}

describeTaskStoreConformance('sqlite', async ({ clock }) => {
  const directory = makeTempDirectory();
  const store = openSqliteStore(join(directory, 'symbiont.db'), { clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

/** The schema of version 1, frozen here as a fixture: what a first-release database holds. */
const VERSION_1_SQL = `
  CREATE TABLE tasks (
    task_key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, prompt TEXT NOT NULL, status TEXT NOT NULL,
    reasoning TEXT, error TEXT, created_at TEXT NOT NULL, planned_at TEXT, completed_at TEXT,
    total_cost REAL NOT NULL, owner TEXT, warnings TEXT NOT NULL, settings TEXT NOT NULL,
    last_seq INTEGER NOT NULL
  );
  CREATE TABLE subtasks (
    task_key INTEGER NOT NULL REFERENCES tasks (task_key) ON DELETE CASCADE,
    subtask_index INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (task_key, subtask_index)
  ) WITHOUT ROWID;
  CREATE TABLE events (
    event_key INTEGER PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL
  );
  CREATE VIEW task_events AS
    SELECT tasks.id AS task_id, events.event_key & 4294967295 AS seq, events.type, events.body, events.at
    FROM events JOIN tasks ON tasks.task_key = events.event_key >> 32;
  PRAGMA user_version = 1;
`;

describe('sqlite store', () => {
  let directory: string;
  let path: string;
  const opened: SqliteTaskStore[] = [];

  function open(): SqliteTaskStore {
    const store = openSqliteStore(path);
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    directory = makeTempDirectory();
    path = join(directory, 'home', 'symbiont.db');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('opens in WAL mode with foreign keys on, at the current schema version', () => {
    const { database } = open();
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('keeps tasks and events across close and reopen', async () => {
    const first = open();
    const task = makeTask();
    await first.createTask(createdEvent(task));
    await first.appendEvents(task.id, [plannedEvent(task.id, 3, isoAt(1))]);
    await first.appendEvents(task.id, subtaskRunEvents(task.id, 1, isoAt(2)));
    const before = await first.getTask(task.id);
    await first.close();
    const second = open();
    expect(await second.getTask(task.id)).toEqual(before);
    const events = await second.readEvents(task.id, 0);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replayTask(events)).toEqual(before);
    // Appending after reopening continues the sequence.
    const [next] = await second.appendEvents(task.id, subtaskRunEvents(task.id, 0, isoAt(3)));
    expect(next?.seq).toBe(7);
  });

  it('shares one file between two connections that both read and append', async () => {
    const writer = open();
    const reader = open();
    const task = makeTask();
    await writer.createTask(createdEvent(task));
    await writer.appendEvents(task.id, [plannedEvent(task.id, 4, isoAt(1))]);
    await writer.appendEvents(task.id, subtaskRunEvents(task.id, 0, isoAt(2)));
    expect(await reader.getTask(task.id)).toEqual(await writer.getTask(task.id));
    // The second connection appends; the first must notice (last_seq moved) and not overwrite.
    const fromReader = await reader.appendEvents(task.id, subtaskRunEvents(task.id, 1, isoAt(3)));
    expect(fromReader.map((event) => event.seq)).toEqual([7, 8, 9, 10]);
    const fromWriter = await writer.appendEvents(task.id, subtaskRunEvents(task.id, 2, isoAt(4)));
    expect(fromWriter.map((event) => event.seq)).toEqual([11, 12, 13, 14]);
    const record = await reader.getTask(task.id);
    expect(record?.subtasks.map((subtask) => subtask.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'pending',
    ]);
    expect(record).toEqual(replayTask(await reader.readEvents(task.id, 0)));
    expect(await writer.getTask(task.id)).toEqual(record);
    const [summary] = await reader.listTasks({ limit: 1 });
    expect(summary).toEqual(summarizeTask(record!));
  });

  it('upgrades a version-1 database and keeps its tasks readable', async () => {
    const task = makeTask({ owner: 'alice', status: 'executing', planned_at: isoAt(1), total_cost: 0.25 });
    task.subtasks = makeSubtasks(3);
    task.subtasks[0]!.status = 'completed';
    task.subtasks[0]!.result = 'done';
    task.subtasks[1]!.status = 'executing';
    mkdirSync(join(directory, 'home'));
    const legacy = new Database(path);
    legacy.exec(VERSION_1_SQL);
    const taskKey = 7;
    legacy
      .prepare(
        `INSERT INTO tasks (task_key, id, prompt, status, reasoning, error, created_at, planned_at, completed_at,
           total_cost, owner, warnings, settings, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        taskKey,
        task.id,
        task.prompt,
        task.status,
        null,
        null,
        task.created_at,
        task.planned_at,
        null,
        task.total_cost,
        task.owner,
        '[]',
        JSON.stringify(TEST_SETTINGS),
        1,
      );
    for (const subtask of task.subtasks) {
      legacy
        .prepare('INSERT INTO subtasks (task_key, subtask_index, body) VALUES (?, ?, ?)')
        .run(taskKey, subtask.index, JSON.stringify(subtask));
    }
    legacy
      .prepare('INSERT INTO events (event_key, type, body, at) VALUES ((? << 32) + 1, ?, ?, ?)')
      .run(
        taskKey,
        'task.created',
        JSON.stringify({ task: makeTask({ id: task.id, owner: 'alice' }) }),
        task.created_at,
      );
    legacy.close();

    const store = open();
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(await store.getTask(task.id)).toEqual(task);
    const [summary] = await store.listTasks({ limit: 5, owner: 'alice' });
    expect(summary).toEqual(summarizeTask(task));
    expect(summary).toMatchObject({ subtask_count: 3, completed_count: 1 });
    expect(await store.listUnfinished()).toEqual([task.id]);
    expect(await store.acquireLease(task.id, 'worker-a', 1000)).toBe(true);
    const [next] = await store.appendEvents(task.id, subtaskRunEvents(task.id, 1, isoAt(5)));
    expect(next?.seq).toBe(2);
    expect((await store.listTasks({ limit: 1 }))[0]?.completed_count).toBe(2);
    expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('numbers its migrations 1, 2, 3, ... with no gap or repeat', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      MIGRATIONS.map((_migration, position) => position + 1),
    );
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('upgrades a version-4 database (review estimates) to the answer column, keeping the estimate', async () => {
    const task = makeTask({ status: 'completed', planned_at: isoAt(1), completed_at: isoAt(2) });
    const estimate = { low_usd: 0.01, high_usd: 0.5 };
    mkdirSync(join(directory, 'home'));
    const legacy = new Database(path);
    for (const migration of MIGRATIONS.filter((entry) => entry.version <= 4)) legacy.exec(migration.sql);
    legacy.pragma('user_version = 4');
    legacy
      .prepare(
        `INSERT INTO tasks (id, prompt, status, reasoning, error, created_at, planned_at, completed_at,
           total_cost, owner, warnings, settings, last_seq, subtask_count, completed_count, estimate)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        task.id,
        task.prompt,
        task.status,
        null,
        null,
        task.created_at,
        task.planned_at,
        task.completed_at,
        0,
        null,
        '[]',
        JSON.stringify(TEST_SETTINGS),
        1,
        0,
        0,
        JSON.stringify(estimate),
      );
    legacy.close();

    const store = open();
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const record = await store.getTask(task.id);
    expect(record?.estimate).toEqual(estimate);
    expect(record?.answer).toBeNull();
    expect(record).toEqual({ ...task, estimate });
  });

  it('refuses a database from a newer symbiont with a clear message', () => {
    open().database.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    for (const store of opened.splice(0)) store.database.close();
    let caught: unknown;
    try {
      openSqliteStore(path);
    } catch (error) {
      caught = error;
    }
    expect(SymbiontError.is(caught, 'STORE_SCHEMA')).toBe(true);
    expect((caught as Error).message).toBe(
      `database ${path} has schema version ${SCHEMA_VERSION + 1}, newer than this symbiont supports (${SCHEMA_VERSION}): upgrade symbiont`,
    );
  });

  it('refuses a file that is not a database with STORE_SCHEMA', async () => {
    mkdirSync(join(directory, 'home'));
    writeFileSync(path, 'this is not a database, just text long enough to have a header.'.repeat(20));
    expect(() => openSqliteStore(path)).toThrow(/not a usable symbiont database/);
  });

  it('reports a full disk as STORE_WRITE, stores nothing of the batch, and stays intact', async () => {
    const store = open();
    const task = makeTask();
    await store.createTask(createdEvent(task));
    await store.appendEvents(task.id, [plannedEvent(task.id, 50, isoAt(1))]);
    await store.appendEvents(task.id, subtaskRunEvents(task.id, 0, isoAt(2)));
    const before = await store.getTask(task.id);
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    const large = subtaskRunEvents(task.id, 1, isoAt(3)).map((event) =>
      event.type === 'subtask.completed' ? { ...event, result: 'r'.repeat(200_000) } : event,
    );
    const error = await store.appendEvents(task.id, large).catch((caught: unknown) => caught);
    expect(SymbiontError.is(error, 'STORE_WRITE')).toBe(true);
    expect((error as Error).message).toBe(
      `could not write task store ${path}: SQLITE_FULL: database or disk is full`,
    );
    expect(await store.readEvents(task.id, 0)).toHaveLength(6);
    expect(await store.getTask(task.id)).toEqual(before);
    expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
    // Once there is room again, the same batch is stored, numbered after the last stored event.
    store.database.pragma('max_page_count = 1073741823');
    const stored = await store.appendEvents(task.id, large);
    expect(stored.map((event) => event.seq)).toEqual([7, 8, 9, 10]);
    expect(await store.getTask(task.id)).toEqual(replayTask(await store.readEvents(task.id, 0)));
  });

  it('reports a read-only database as STORE_WRITE and keeps the cached record honest', async () => {
    const store = open();
    const task = makeTask();
    await store.createTask(createdEvent(task));
    await store.appendEvents(task.id, [plannedEvent(task.id, 2, isoAt(1))]);
    store.database.pragma('query_only = ON');
    await expect(store.appendEvents(task.id, subtaskRunEvents(task.id, 0, isoAt(2)))).rejects.toMatchObject({
      code: 'STORE_WRITE',
      message: expect.stringContaining('SQLITE_READONLY'),
    });
    await expect(store.acquireLease(task.id, 'worker-a', 1000)).rejects.toMatchObject({
      code: 'STORE_WRITE',
    });
    await expect(store.createTask(createdEvent(makeTask()))).rejects.toMatchObject({ code: 'STORE_WRITE' });
    store.database.pragma('query_only = OFF');
    // The failed batch must not linger in memory: the next append starts from what is stored.
    await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(3), 'cancelled')]);
    const record = await store.getTask(task.id);
    expect(record?.subtasks.map((subtask) => subtask.status)).toEqual(['pending', 'pending']);
    expect(record).toEqual(replayTask(await store.readEvents(task.id, 0)));
    expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('deletes a pruned task with its events, subtasks and lease rows', async () => {
    const store = open();
    const task = makeTask();
    await store.createTask(createdEvent(task));
    await store.appendEvents(task.id, [plannedEvent(task.id, 2, isoAt(1)), finishedEvent(task.id, isoAt(2))]);
    await store.acquireLease(task.id, 'worker-a', 1000);
    expect(await store.pruneFinishedBefore(isoAt(10))).toBe(1);
    for (const table of ['tasks', 'subtasks', 'events', 'leases']) {
      expect(store.database.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });

  it('rejects options out of range, naming the option', () => {
    expect(() => openSqliteStore(path, { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => openSqliteStore(path, { cacheSize: 0 })).toThrow(/cacheSize/);
    expect(() => openSqliteStore(path, { synchronous: 'OFF' as 'FULL' })).toThrow(/synchronous/);
  });
});
