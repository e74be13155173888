// The PostgreSQL store's two writes, each one transaction: a new task row with its first event,
// and a batch of events applied under the task row's lock (SELECT … FOR UPDATE) so concurrent
// appenders serialize per task; the batch that finishes a task also deletes the task's
// call_results rows (executors/call-results.ts). The caller checks the input and maps driver errors.

import { SymbiontError } from '../../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../core/events.js';
import { isFinalTaskStatus } from '../../core/records.js';
import { applyTaskEvent } from '../../core/task-reducer.js';
import type { PostgresPool } from './postgres-connection.js';
import { eventBody, notFound, pgCode, taskFromRecord } from './postgres-rows.js';
import { checkEventBatch } from './store-checks.js';

export async function insertTask(
  database: PostgresPool,
  created: UnsequencedEvent & { type: 'task.created' },
): Promise<TaskEvent> {
  const task = created.task;
  try {
    await database.transaction(async (client) => {
      await client.query(
        `INSERT INTO tasks (id, owner, status, created_at, completed_at, finished_order, last_seq, record)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN nextval('tasks_finished_order') END, 1, $7)`,
        [
          task.id,
          task.owner,
          task.status,
          task.created_at,
          task.completed_at,
          isFinalTaskStatus(task.status),
          JSON.stringify(task),
        ],
      );
      await client.query('INSERT INTO task_events (task_id, seq, type, body) VALUES ($1, 1, $2, $3)', [
        task.id,
        created.type,
        eventBody(created),
      ]);
    });
  } catch (error) {
    if (pgCode(error) === '23505') {
      throw new SymbiontError('CONFLICT', `task ${task.id} already exists`, {
        context: { taskId: task.id },
      });
    }
    throw error;
  }
  return { ...created, seq: 1 } as TaskEvent;
}

export function appendTaskEvents(
  database: PostgresPool,
  taskId: string,
  events: readonly UnsequencedEvent[],
): Promise<TaskEvent[]> {
  return database.transaction(async (client) => {
    const found = await client.query<{ last_seq: number; record: string }>(
      'SELECT last_seq, record FROM tasks WHERE id = $1 FOR UPDATE',
      [taskId],
    );
    const row = found.rows[0];
    if (row === undefined) throw notFound(taskId);
    const task = taskFromRecord(row.record);
    checkEventBatch(task, taskId, events);
    if (events.length === 0) return [];
    const wasFinal = isFinalTaskStatus(task.status);
    const stored: TaskEvent[] = [];
    const seqs: number[] = [];
    const types: string[] = [];
    const bodies: string[] = [];
    let seq = row.last_seq;
    for (const event of events) {
      seq += 1;
      applyTaskEvent(task, event);
      seqs.push(seq);
      types.push(event.type);
      bodies.push(eventBody(event));
      stored.push({ ...event, seq } as TaskEvent);
    }
    await client.query(
      `INSERT INTO task_events (task_id, seq, type, body)
       SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[])`,
      [taskId, seqs, types, bodies],
    );
    const isFinal = isFinalTaskStatus(task.status);
    await client.query(
      `UPDATE tasks SET status = $2, completed_at = $3, last_seq = $4, record = $5,
         finished_order = CASE WHEN NOT $6 THEN NULL WHEN $7 THEN finished_order
                               ELSE nextval('tasks_finished_order') END
       WHERE id = $1`,
      [taskId, task.status, task.completed_at, seq, JSON.stringify(task), isFinal, wasFinal],
    );
    // Finished: every call outcome the run used is ledgered and recorded, and no resume will ask
    // for one again (a retry numbers its calls after these), so its call_results rows go now.
    if (isFinal && !wasFinal) await client.query('DELETE FROM call_results WHERE task_id = $1', [taskId]);
    return stored;
  });
}
