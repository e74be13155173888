// The PostgreSQL task store (`--database postgres://…`): the store several processes on several
// machines share. A task is one row (its record as JSON, the columns listings sort on), its
// events rows keyed (task_id, seq), its lease a row the holder renews. appendEvents locks the
// task row (SELECT … FOR UPDATE), applies the batch with the same reducer as every store, and
// writes events and record in one transaction: concurrent appenders serialize per task.
// Lease expiry uses the store's clock (the system clock in production): machines sharing a
// database need synchronized clocks (NTP), as the lease TTLs are tens of seconds.

import { type DurationSample, durationSampleOf } from '../../core/duration-estimates.js';
import { SymbiontError } from '../../core/errors.js';
import { FINAL_TASK_STATUSES, summarizeTask, type Task } from '../../core/records.js';
import type { Clock } from '../../ports/clock.js';
import type { TaskStore } from '../../ports/task-store.js';
import { systemClock } from '../system/system-clock.js';
import { openPostgresPool, type PostgresPool, postgresError } from './postgres-connection.js';
import { eventFromRow, notFound, pgCode, taskFromRecord } from './postgres-rows.js';
import { ensurePostgresSchema } from './postgres-schema.js';
import { appendTaskEvents, insertTask } from './postgres-task-writes.js';
import { checkAfterSeq, checkCreatedEvent, checkLeaseTtl, checkListLimit } from './store-checks.js';

export interface PostgresStoreOptions {
  /** Time for lease expiry. Default: the system clock. */
  readonly clock?: Clock;
  /** A pool to share (with the ledger); the store then does not close it. */
  readonly pool?: PostgresPool;
}

export type PostgresTaskStore = TaskStore & { readonly database: PostgresPool };

const FINAL = [...FINAL_TASK_STATUSES];

export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresTaskStore> {
  const database = options.pool ?? openPostgresPool(url);
  const ownsPool = options.pool === undefined;
  const clock = options.clock ?? systemClock;
  try {
    await ensurePostgresSchema(database);
  } catch (error) {
    if (ownsPool) await database.close().catch(() => {});
    throw postgresError(database.safeUrl, 'open the task store', error);
  }
  const { pool, safeUrl } = database;

  async function guarded<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw postgresError(safeUrl, doing, error);
    }
  }

  async function requireTask(taskId: string): Promise<number> {
    const found = await pool.query<{ last_seq: number }>('SELECT last_seq FROM tasks WHERE id = $1', [
      taskId,
    ]);
    if (found.rows.length === 0) throw notFound(taskId);
    return found.rows[0]!.last_seq;
  }

  return {
    database,

    async createTask(created) {
      checkCreatedEvent(created);
      return guarded('store a task', () => insertTask(database, created));
    },

    async appendEvents(taskId, events) {
      return guarded('append events', () => appendTaskEvents(database, taskId, events));
    },

    async getTask(taskId) {
      return guarded('read a task', async () => {
        const found = await pool.query<{ record: string }>('SELECT record FROM tasks WHERE id = $1', [
          taskId,
        ]);
        const row = found.rows[0];
        return row === undefined ? undefined : taskFromRecord(row.record);
      });
    },

    async listTasks(query) {
      checkListLimit(query.limit);
      return guarded('list tasks', async () => {
        const byOwner = query.owner !== undefined;
        const found = await pool.query<{ record: string }>(
          `SELECT record FROM tasks ${byOwner ? 'WHERE owner IS NOT DISTINCT FROM $2' : ''}
           ORDER BY created_at DESC, created_order DESC LIMIT $1`,
          byOwner ? [query.limit, query.owner] : [query.limit],
        );
        return found.rows.map((row) => summarizeTask(JSON.parse(row.record) as Task));
      });
    },

    async findTaskIds(prefix, limit) {
      checkListLimit(limit);
      return guarded('find task ids', async () => {
        const found = await pool.query<{ id: string }>(
          'SELECT id FROM tasks WHERE starts_with(id, $1) ORDER BY id LIMIT $2',
          [prefix, limit],
        );
        return found.rows.map((row) => row.id);
      });
    },

    async readEvents(taskId, afterSeq, limit) {
      checkAfterSeq(afterSeq);
      if (limit !== undefined) checkListLimit(limit);
      return guarded('read events', async () => {
        await requireTask(taskId);
        const found = await pool.query<{ seq: number; body: string }>(
          'SELECT seq, body FROM task_events WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
          [taskId, afterSeq, limit ?? null],
        );
        return found.rows.map(eventFromRow);
      });
    },

    async cancelRequestedAfter(taskId, afterSeq) {
      checkAfterSeq(afterSeq);
      return guarded('read cancel requests', async () => {
        const found = await pool.query<{ last_seq: number; requested: boolean }>(
          `SELECT last_seq, EXISTS (SELECT 1 FROM task_events
             WHERE task_id = $1 AND seq > $2 AND type = 'task.cancel_requested') AS requested
           FROM tasks WHERE id = $1`,
          [taskId, afterSeq],
        );
        const row = found.rows[0];
        if (row === undefined) throw notFound(taskId);
        return { requested: row.requested, lastSeq: row.last_seq };
      });
    },

    async listUnfinished() {
      return guarded('list unfinished tasks', async () => {
        const found = await pool.query<{ id: string }>(
          'SELECT id FROM tasks WHERE status <> ALL($1::text[]) ORDER BY created_at, created_order',
          [[...FINAL, 'awaiting_approval']],
        );
        return found.rows.map((row) => row.id);
      });
    },

    async acquireLease(taskId, holder, ttlMs) {
      checkLeaseTtl(ttlMs);
      return guarded('take a lease', async () => {
        const now = clock.now();
        try {
          const taken = await pool.query(
            `INSERT INTO task_leases AS lease (task_id, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (task_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE lease.holder = excluded.holder OR lease.expires_at <= $4
             RETURNING 1`,
            [taskId, holder, Math.floor(now + ttlMs), Math.floor(now)],
          );
          return taken.rowCount === 1;
        } catch (error) {
          if (pgCode(error) === '23503') throw notFound(taskId);
          throw error;
        }
      });
    },

    async leaseHolder(taskId) {
      return guarded('read a lease', async () => {
        const found = await pool.query<{ holder: string }>(
          'SELECT holder FROM task_leases WHERE task_id = $1 AND expires_at > $2',
          [taskId, Math.floor(clock.now())],
        );
        return found.rows[0]?.holder;
      });
    },

    async releaseLease(taskId, holder) {
      await guarded('release a lease', () =>
        pool.query('DELETE FROM task_leases WHERE task_id = $1 AND holder = $2', [taskId, holder]),
      );
    },

    async recentDurations(limit) {
      checkListLimit(limit);
      return guarded('read durations', async () => {
        const samples: DurationSample[] = [];
        const page = 100;
        for (let offset = 0; samples.length < limit; offset += page) {
          const found = await pool.query<{ record: string }>(
            `SELECT record FROM tasks WHERE completed_at IS NOT NULL AND status = ANY($1::text[])
             ORDER BY completed_at DESC, finished_order DESC LIMIT $2 OFFSET $3`,
            [FINAL, page, offset],
          );
          for (const row of found.rows) {
            for (const subtask of (JSON.parse(row.record) as Task).subtasks) {
              const sample = durationSampleOf(subtask);
              if (sample !== undefined && samples.length < limit) samples.push(sample);
            }
          }
          if (found.rows.length < page) break;
        }
        return samples;
      });
    },

    async pruneFinishedBefore(isoTime) {
      return guarded('prune tasks', async () => {
        const deleted = await pool.query(
          'DELETE FROM tasks WHERE status = ANY($1::text[]) AND completed_at < $2',
          [FINAL, isoTime],
        );
        return deleted.rowCount ?? 0;
      });
    },

    async checkWritable() {
      await guarded('check the database is writable', async () => {
        const found = await pool.query<{ read_only: string }>('SHOW transaction_read_only');
        if (found.rows[0]?.read_only === 'on') {
          throw new SymbiontError('STORE_WRITE', `${safeUrl} is read-only (a standby?)`, {
            context: { database: safeUrl },
          });
        }
      });
    },

    async close() {
      if (ownsPool) await database.close();
    },
  };
}
