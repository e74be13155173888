// The SQLite store's schema: an ordered list of migrations and the PRAGMA user_version that
// records how many have run. Opening an older database upgrades it in one transaction; a
// database from a newer symbiont is refused rather than misread.

import type Database from 'better-sqlite3';
import { SymbiontError } from '../../core/errors.js';

export interface Migration {
  /** The user_version the database has once this migration ran. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // Tables refer to a task by its integer task_key. An event's rowid is task_key << 32 | seq:
    // a task's events are contiguous and ordered with no second index to maintain, and appends
    // fill pages instead of splitting them. Events have no foreign key; pruning deletes them.
    // The task_events view shows them with task_id and seq for people reading the file.
    description: 'tasks (header), subtasks (one row each) and events (per-task sequence)',
    sql: `
      CREATE TABLE tasks (
        task_key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        prompt TEXT NOT NULL,
        status TEXT NOT NULL,
        reasoning TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        planned_at TEXT,
        completed_at TEXT,
        total_cost REAL NOT NULL,
        owner TEXT,
        warnings TEXT NOT NULL,
        settings TEXT NOT NULL,
        last_seq INTEGER NOT NULL
      );
      CREATE TABLE subtasks (
        task_key INTEGER NOT NULL REFERENCES tasks (task_key) ON DELETE CASCADE,
        subtask_index INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (task_key, subtask_index)
      ) WITHOUT ROWID;
      CREATE TABLE events (
        event_key INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE VIEW task_events AS
        SELECT tasks.id AS task_id, events.event_key & 4294967295 AS seq, events.type, events.body, events.at
        FROM events JOIN tasks ON tasks.task_key = events.event_key >> 32;
    `,
  },
  {
    version: 2,
    description: 'execution leases; summary counts and indexes for listing, resuming and pruning',
    sql: `
      CREATE TABLE leases (
        task_key INTEGER PRIMARY KEY REFERENCES tasks (task_key) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      ALTER TABLE tasks ADD COLUMN subtask_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN completed_count INTEGER NOT NULL DEFAULT 0;
      UPDATE tasks SET
        subtask_count = (SELECT count(*) FROM subtasks WHERE subtasks.task_key = tasks.task_key),
        completed_count = (
          SELECT count(*) FROM subtasks
          WHERE subtasks.task_key = tasks.task_key AND json_extract(subtasks.body, '$.status') = 'completed'
        );
      CREATE INDEX tasks_by_created ON tasks (created_at);
      CREATE INDEX tasks_by_owner ON tasks (owner, created_at);
      CREATE INDEX tasks_by_status ON tasks (status, created_at);
      CREATE INDEX tasks_by_completed ON tasks (completed_at);
    `,
  },
  {
    version: 3,
    description: 'store facts: when the first task was stored (an empty store that never held one is new)',
    sql: `
      CREATE TABLE store_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO store_facts (name, value)
        SELECT 'first_task_at', min(created_at) FROM tasks HAVING count(*) > 0;
      CREATE TRIGGER remember_first_task AFTER INSERT ON tasks BEGIN
        INSERT OR IGNORE INTO store_facts (name, value) VALUES ('first_task_at', NEW.created_at);
      END;
    `,
  },
  {
    version: 4,
    description: "the review estimate of a task's plan (SPEC §11), as JSON",
    sql: 'ALTER TABLE tasks ADD COLUMN estimate TEXT;',
  },
  {
    version: 5,
    description: "the task's answer (SPEC §10)",
    sql: 'ALTER TABLE tasks ADD COLUMN answer TEXT;',
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;

function schemaVersion(database: Database.Database): number {
  return database.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(path: string, version: number): SymbiontError {
  return new SymbiontError(
    'STORE_SCHEMA',
    `database ${path} has schema version ${version}, newer than this symbiont supports (${SCHEMA_VERSION}): upgrade symbiont`,
    { context: { path, version, supported: SCHEMA_VERSION } },
  );
}

/**
 * Brings the database to SCHEMA_VERSION. Runs under BEGIN IMMEDIATE and reads the version again
 * there, so two processes opening an old database at once upgrade it once.
 */
export function migrate(database: Database.Database, path: string): void {
  const found = schemaVersion(database);
  if (found > SCHEMA_VERSION) throw refuseNewer(path, found);
  if (found === SCHEMA_VERSION) return;
  database
    .transaction(() => {
      const version = schemaVersion(database);
      if (version > SCHEMA_VERSION) throw refuseNewer(path, version);
      for (const migration of MIGRATIONS) {
        if (migration.version > version) database.exec(migration.sql);
      }
      database.pragma(`user_version = ${SCHEMA_VERSION}`);
    })
    .immediate();
}
