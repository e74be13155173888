// The SQL of the SQLite task store, prepared once per connection and reused for every call.
// Events are keyed `task_key << 32 | seq` (see sqlite-schema.ts), hence the shifts below.

import type Database from 'better-sqlite3';
import { FINAL_TASK_STATUSES } from '../../core/records.js';
import type { EventRow, SummaryRow, TaskRow } from './sqlite-rows.js';

const FINAL_LIST = [...FINAL_TASK_STATUSES].map((status) => `'${status}'`).join(', ');
const SUMMARY_COLUMNS =
  'id, prompt, status, subtask_count, completed_count, total_cost, created_at, completed_at';

type Statement<Parameters extends unknown[], Row = unknown> = Database.Statement<Parameters, Row>;
type LeaseRow = { holder: string; expires_at: number };
export type DurationRow = { model: string | null; started_at: string | null; completed_at: string | null };

export interface StoreStatements {
  header: Statement<[string], TaskRow>;
  head: Statement<[string], { task_key: number; last_seq: number }>;
  subtaskBodies: Statement<[number], string>;
  insertTask: Statement<unknown[]>;
  updateHeader: Statement<unknown[]>;
  updateCounters: Statement<unknown[]>;
  insertSubtask: Statement<unknown[]>;
  updateSubtask: Statement<unknown[]>;
  deleteSubtasks: Statement<unknown[]>;
  insertEvent: Statement<unknown[]>;
  events: Statement<[string, number, number], EventRow>;
  cancelRequest: Statement<[number, number, number, number], number>;
  listAll: Statement<[number], SummaryRow>;
  idsInRange: Statement<[string, string, number], string>;
  idsFrom: Statement<[string, number], string>;
  listByOwner: Statement<[string | null, number], SummaryRow>;
  unfinished: Statement<[], string>;
  lease: Statement<[number], LeaseRow>;
  upsertLease: Statement<unknown[]>;
  leaseOf: Statement<[string], LeaseRow>;
  deleteLease: Statement<unknown[]>;
  recentCompleted: Statement<[number], DurationRow>;
  prunable: Statement<[string], number>;
  deleteEvents: Statement<unknown[]>;
  deleteTask: Statement<unknown[]>;
}

export function prepareStatements(database: Database.Database): StoreStatements {
  return {
    header: database.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?'),
    head: database.prepare<[string], { task_key: number; last_seq: number }>(
      'SELECT task_key, last_seq FROM tasks WHERE id = ?',
    ),
    subtaskBodies: database
      .prepare<[number], string>('SELECT body FROM subtasks WHERE task_key = ? ORDER BY subtask_index')
      .pluck(),
    insertTask: database.prepare(
      `INSERT INTO tasks (id, prompt, status, reasoning, error, created_at, planned_at, completed_at,
         total_cost, owner, warnings, settings, last_seq, subtask_count, completed_count, answer, estimate)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateHeader: database.prepare(
      `UPDATE tasks SET status = ?, reasoning = ?, error = ?, planned_at = ?, completed_at = ?,
         total_cost = ?, warnings = ?, last_seq = ?, subtask_count = ?, completed_count = ?,
         answer = ?, estimate = ?
       WHERE task_key = ?`,
    ),
    updateCounters: database.prepare(
      'UPDATE tasks SET total_cost = ?, last_seq = ?, completed_count = ? WHERE task_key = ?',
    ),
    insertSubtask: database.prepare('INSERT INTO subtasks (task_key, subtask_index, body) VALUES (?, ?, ?)'),
    updateSubtask: database.prepare('UPDATE subtasks SET body = ? WHERE task_key = ? AND subtask_index = ?'),
    deleteSubtasks: database.prepare('DELETE FROM subtasks WHERE task_key = ?'),
    insertEvent: database.prepare(
      'INSERT INTO events (event_key, type, body, at) VALUES ((? << 32) + ?, ?, ?, ?)',
    ),
    events: database.prepare<[string, number, number], EventRow>(
      `WITH task AS (SELECT task_key << 32 AS base FROM tasks WHERE id = ?)
       SELECT event_key & 4294967295 AS seq, type, body, at FROM events, task
       WHERE event_key > base + ? AND event_key <= base + 4294967295 ORDER BY event_key LIMIT ?`,
    ),
    // Reads the type column of the rows in range, never a body.
    cancelRequest: database
      .prepare<[number, number, number, number], number>(
        `SELECT 1 FROM events WHERE event_key > (? << 32) + ? AND event_key <= (? << 32) + ?
         AND type = 'task.cancel_requested' LIMIT 1`,
      )
      .pluck(),
    listAll: database.prepare<[number], SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks ORDER BY created_at DESC, task_key DESC LIMIT ?`,
    ),
    // Range scans of the id's unique index (see prefix-range.ts).
    idsInRange: database
      .prepare<[string, string, number], string>(
        'SELECT id FROM tasks WHERE id >= ? AND id < ? ORDER BY id LIMIT ?',
      )
      .pluck(),
    idsFrom: database
      .prepare<[string, number], string>('SELECT id FROM tasks WHERE id >= ? ORDER BY id LIMIT ?')
      .pluck(),
    listByOwner: database.prepare<[string | null, number], SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks WHERE owner IS ? ORDER BY created_at DESC, task_key DESC LIMIT ?`,
    ),
    unfinished: database
      .prepare<[], string>(
        `SELECT id FROM tasks WHERE status NOT IN (${FINAL_LIST}, 'awaiting_approval') ORDER BY created_at, task_key`,
      )
      .pluck(),
    lease: database.prepare<[number], { holder: string; expires_at: number }>(
      'SELECT holder, expires_at FROM leases WHERE task_key = ?',
    ),
    upsertLease: database.prepare(
      `INSERT INTO leases (task_key, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (task_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
    ),
    leaseOf: database.prepare<[string], { holder: string; expires_at: number }>(
      `SELECT holder, expires_at FROM leases
       WHERE task_key = (SELECT task_key FROM tasks WHERE id = ?)`,
    ),
    deleteLease: database.prepare(
      'DELETE FROM leases WHERE task_key = (SELECT task_key FROM tasks WHERE id = ?) AND holder = ?',
    ),
    // Walks finished tasks newest first by the completed_at index and stops at the limit.
    recentCompleted: database.prepare<[number], DurationRow>(
      `SELECT json_extract(subtasks.body, '$.model') AS model,
              json_extract(subtasks.body, '$.started_at') AS started_at,
              json_extract(subtasks.body, '$.completed_at') AS completed_at
       FROM tasks INDEXED BY tasks_by_completed JOIN subtasks ON subtasks.task_key = tasks.task_key
       WHERE tasks.completed_at IS NOT NULL AND tasks.status IN (${FINAL_LIST})
         AND json_extract(subtasks.body, '$.status') = 'completed'
       ORDER BY tasks.completed_at DESC LIMIT ?`,
    ),
    prunable: database
      .prepare<[string], number>(
        `SELECT task_key FROM tasks WHERE completed_at < ? AND status IN (${FINAL_LIST})`,
      )
      .pluck(),
    deleteEvents: database.prepare(
      'DELETE FROM events WHERE event_key > (? << 32) AND event_key <= (? << 32) + 4294967295',
    ),
    // Subtasks and leases go with the task (ON DELETE CASCADE).
    deleteTask: database.prepare('DELETE FROM tasks WHERE task_key = ?'),
  };
}
