// The PostgreSQL schema of the task store and the ledger, created (or checked) at open under an
// advisory lock so that processes starting together do not race on CREATE TABLE. Ids and
// timestamps use the "C" collation: byte order of UTF-8, which is code point order, as in SQLite.

import { SymbiontError } from '../../core/errors.js';
import type { PgClient, PostgresPool } from './postgres-connection.js';

export const PG_SCHEMA_VERSION = 1;

/** Any constant: the advisory lock key that serializes schema creation. */
const SCHEMA_LOCK = 0x5359_4d42;

const SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS symbiont_schema (version integer NOT NULL);
  CREATE TABLE IF NOT EXISTS tasks (
    id text COLLATE "C" PRIMARY KEY,
    created_order bigserial NOT NULL,
    owner text,
    status text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    completed_at text COLLATE "C",
    finished_order bigint,
    last_seq integer NOT NULL,
    record text NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tasks_by_created ON tasks (created_at DESC, created_order DESC);
  CREATE INDEX IF NOT EXISTS tasks_by_completed ON tasks (completed_at DESC, finished_order DESC)
    WHERE completed_at IS NOT NULL;
  CREATE SEQUENCE IF NOT EXISTS tasks_finished_order;
  CREATE TABLE IF NOT EXISTS task_events (
    task_id text COLLATE "C" NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    type text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (task_id, seq)
  );
  CREATE TABLE IF NOT EXISTS task_leases (
    task_id text COLLATE "C" PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    holder text NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ledger_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
  );
  CREATE TABLE IF NOT EXISTS ledger_entries (
    seq bigint PRIMARY KEY,
    prev_hash text NOT NULL UNIQUE,
    hash text NOT NULL UNIQUE,
    call_id text UNIQUE,
    line text NOT NULL
  );
  CREATE TABLE IF NOT EXISTS call_results (
    call_id text PRIMARY KEY,
    task_id text COLLATE "C",
    attempt_token text NOT NULL,
    body text NOT NULL,
    written_at bigint NOT NULL
  );
`;

/**
 * call_results rows name their task (for pruning, executors/call-results.ts) since the table
 * was first made: a table from before gets the column (its old rows keep NULL) and its index.
 * Older symbionts still write rows (without task_id), so the schema version stays 1.
 */
async function addCallResultsTaskId(client: PgClient): Promise<void> {
  const column = await client.query(
    `SELECT 1 FROM pg_attribute
     WHERE attrelid = 'call_results'::regclass AND attname = 'task_id' AND NOT attisdropped`,
  );
  if (column.rows.length === 0)
    await client.query('ALTER TABLE call_results ADD COLUMN task_id text COLLATE "C"');
  await client.query('CREATE INDEX IF NOT EXISTS call_results_by_task ON call_results (task_id)');
}

/** Creates the tables when missing; refuses a database written by a newer symbiont. */
export async function ensurePostgresSchema(database: PostgresPool): Promise<void> {
  await database.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA_SQL);
    await addCallResultsTaskId(client);
    const found = await client.query<{ version: number }>('SELECT version FROM symbiont_schema');
    const version = found.rows[0]?.version;
    if (version === undefined) {
      await client.query('INSERT INTO symbiont_schema (version) VALUES ($1)', [PG_SCHEMA_VERSION]);
    } else if (version > PG_SCHEMA_VERSION) {
      throw new SymbiontError(
        'STORE_SCHEMA',
        `${database.safeUrl} holds schema version ${version}; this symbiont knows up to ${PG_SCHEMA_VERSION}: upgrade symbiont`,
        { context: { database: database.safeUrl, version } },
      );
    }
  });
}
