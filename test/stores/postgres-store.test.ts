// The PostgreSQL store passes the task-store conformance suite against a real PostgreSQL 15
// (started by the test), and beyond it: two stores on one database see each other's writes,
// serialize concurrent appends to one task, and hide the password of the URL in errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresPool } from '../../src/adapters/stores/postgres-connection.js';
import { openPostgresStore } from '../../src/adapters/stores/postgres-store.js';
import { SymbiontError } from '../../src/core/errors.js';
import { replayTask } from '../../src/core/task-reducer.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { createdEvent, isoAt, makeTask, plannedEvent, subtaskRunEvents } from './task-fixtures.js';
import { describeTaskStoreConformance } from './task-store-conformance.js';

let server: PostgresServer;
let databases = 0;

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(() => server?.stop());

describeTaskStoreConformance('postgres', async ({ clock }) => {
  databases += 1;
  const store = await openPostgresStore(server.createDatabase(`conformance_${databases}`), { clock });
  return { store, cleanup: () => store.close() };
});

describe('postgres store shared between processes', () => {
  it('two stores on one database see one another and serialize appends to one task', async () => {
    const url = server.createDatabase('shared');
    const [first, second] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      const task = makeTask();
      await first.createTask(createdEvent(task));
      await second.appendEvents(task.id, [plannedEvent(task.id, 6, isoAt(1))]);
      // Both write subtask events to the same task at once: one gap-free stream.
      await Promise.all(
        [0, 1, 2, 3, 4, 5].map((index) =>
          (index % 2 === 0 ? first : second).appendEvents(
            task.id,
            subtaskRunEvents(task.id, index, isoAt(2 + index)),
          ),
        ),
      );
      const events = await first.readEvents(task.id, 0);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, position) => position + 1));
      expect(await second.getTask(task.id)).toEqual(replayTask(events));
      expect(
        (await second.getTask(task.id))?.subtasks.every((subtask) => subtask.status === 'completed'),
      ).toBe(true);
      expect(await first.acquireLease(task.id, 'a', 10_000)).toBe(true);
      expect(await second.acquireLease(task.id, 'b', 10_000)).toBe(false);
      expect(await second.leaseHolder(task.id)).toBe('a');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('fails to open with STORE_WRITE naming the URL without its credentials', async () => {
    const error = await openPostgresStore('postgres://alice:s3cret@127.0.0.1:1/none').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(SymbiontError.is(error, 'STORE_WRITE')).toBe(true);
    expect(String((error as Error).message)).toContain('postgres://127.0.0.1:1/none');
    expect(String((error as Error).message)).not.toContain('s3cret');
  });

  it('refuses a URL that is not postgres:// with CONFIG', async () => {
    await expect(openPostgresStore('mysql://x/y')).rejects.toThrow(/postgres:\/\//);
  });

  it('gives a call_results table from before task_id the column, keeping its rows', async () => {
    const url = server.createDatabase('old_call_results');
    const pool = openPostgresPool(url);
    try {
      await pool.pool.query(`CREATE TABLE call_results (call_id text PRIMARY KEY, attempt_token text NOT NULL,
        body text NOT NULL, written_at bigint NOT NULL)`);
      await pool.pool.query(`INSERT INTO call_results VALUES ('call-old.plan.plan.1.ab', 't', '{}', 1)`);
      const [first, second] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
      await Promise.all([first.close(), second.close()]);
      const rows = await pool.pool.query('SELECT call_id, task_id FROM call_results');
      expect(rows.rows).toEqual([{ call_id: 'call-old.plan.plan.1.ab', task_id: null }]);
      const index = await pool.pool.query(
        "SELECT 1 FROM pg_indexes WHERE indexname = 'call_results_by_task'",
      );
      expect(index.rows).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });
});
