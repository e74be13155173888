// The call_results rows in PostgreSQL: a worker writes a call's outcome there before it
// completes the job, and the coordinator that asked reads it back (so does a coordinator that
// resumes the task after the first one died). A row is needed until its task is finished:
// while the task is unfinished a resumed runner may still ask for the call (the same attempt's
// id, or an earlier attempt's that a dead coordinator had in flight) and must find its outcome
// rather than pay for the call again. The store deletes a task's rows in the transaction that
// makes the task final (postgres-task-writes.ts); pruneCallResults sweeps, on the coordinators'
// schedule, the rows no unfinished task can ask for: written after their task finished (a call
// its cancelled task abandoned), of a pruned task, or of a call with no stored task (planning
// for `symbiont plan`). See docs/decisions/call-results-pruning.md.

import { FINAL_TASK_STATUSES } from '../../core/records.js';
import type { CallOutcome } from '../../ports/call-executor.js';
import type { PostgresPool } from '../stores/postgres-connection.js';
import { outcomeFromJson, outcomeToJson } from './call-queues.js';

const FINAL = [...FINAL_TASK_STATUSES];

/**
 * Stores a call's outcome, first writer wins: a second worker that ran the same call (the first
 * froze past its lock) finds the row taken and its result is rejected. True when this one won.
 */
export async function writeCallResult(
  database: PostgresPool,
  call: { callId: string; taskId: string },
  attemptToken: string,
  outcome: CallOutcome,
  now: number,
): Promise<boolean> {
  const written = await database.pool.query(
    `INSERT INTO call_results (call_id, task_id, attempt_token, body, written_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (call_id) DO NOTHING`,
    [call.callId, call.taskId, attemptToken, outcomeToJson(outcome), Math.floor(now)],
  );
  return written.rowCount === 1;
}

/** The stored outcomes of those of `callIds` that have one. */
export async function readCallResults(
  database: PostgresPool,
  callIds: string[],
): Promise<Map<string, CallOutcome>> {
  const found = await database.pool.query<{ call_id: string; body: string }>(
    'SELECT call_id, body FROM call_results WHERE call_id = ANY($1::text[])',
    [callIds],
  );
  return new Map(found.rows.map((row) => [row.call_id, outcomeFromJson(row.body)]));
}

/**
 * Why a worker need not run a job: its outcome is stored (a second delivery), or its task is
 * stored and finished (nobody will read the outcome; its row may already be gone). Undefined:
 * run it. A call with no stored task (`symbiont plan`) is run.
 */
export async function callIsMoot(
  database: PostgresPool,
  call: { callId: string; taskId: string },
): Promise<'answered' | 'task finished' | undefined> {
  const found = await database.pool.query<{ answered: boolean; finished: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM call_results WHERE call_id = $1) AS answered,
            EXISTS (SELECT 1 FROM tasks WHERE id = $2 AND status = ANY($3::text[])) AS finished`,
    [call.callId, call.taskId, FINAL],
  );
  const row = found.rows[0]!;
  return row.answered ? 'answered' : row.finished ? 'task finished' : undefined;
}

/**
 * Deletes the rows written before `writtenBefore` (epoch ms) that no unfinished task can ask
 * for: their task is finished or not stored. Returns how many. A row of an older worker (no
 * task_id) is matched by the task id its call id starts with (`call-<task id>.`).
 */
export async function pruneCallResults(database: PostgresPool, writtenBefore: number): Promise<number> {
  const deleted = await database.pool.query(
    `DELETE FROM call_results c
     WHERE c.written_at < $1
       AND NOT EXISTS (
         SELECT 1 FROM tasks t
         WHERE t.id = COALESCE(c.task_id, split_part(substr(c.call_id, 6), '.', 1) COLLATE "C")
           AND NOT (t.status = ANY($2::text[])))`,
    [Math.floor(writtenBefore), FINAL],
  );
  return deleted.rowCount ?? 0;
}
