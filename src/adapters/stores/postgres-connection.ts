// The PostgreSQL connection pool the store and the ledger share: one pool per URL, errors of
// idle connections caught (pg emits them on the pool and an unhandled one would kill the
// process), the URL shown without its password, and a transaction helper.

import pg from 'pg';
import { SymbiontError } from '../../core/errors.js';

export type PgClient = pg.PoolClient;

export interface PostgresPool {
  readonly pool: pg.Pool;
  /** The URL without its password, for messages. */
  readonly safeUrl: string;
  /** Runs `work` in one transaction (READ COMMITTED); rolls back when it throws. */
  transaction<T>(work: (client: PgClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; anything unparsable hidden. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return '(an unparsable database URL)';
  }
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export interface PostgresPoolOptions {
  /** Connections at most. Default 10. */
  readonly max?: number;
  /** idle_in_transaction_session_timeout: a frozen process cannot hold a lock longer. Default 10 s. */
  readonly idleInTransactionMs?: number;
}

export function openPostgresPool(url: string, options: PostgresPoolOptions = {}): PostgresPool {
  if (!isPostgresUrl(url)) {
    throw new SymbiontError(
      'CONFIG',
      `a database URL starts with postgres:// or postgresql://, got ${redactUrl(url)}`,
    );
  }
  const safeUrl = redactUrl(url);
  const idle = options.idleInTransactionMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    options: `-c idle_in_transaction_session_timeout=${idle}`,
  });
  // A connection that dies while idle in the pool: the next query reconnects.
  pool.on('error', () => {});
  return {
    pool,
    safeUrl,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** A driver or server error as a SymbiontError naming the database (without its password). */
export function postgresError(safeUrl: string, doing: string, error: unknown): SymbiontError {
  if (error instanceof SymbiontError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // 40001 serialization failure, 40P01 deadlock, 57P01 admin shutdown, 08xxx connection.
  const retryable =
    typeof code === 'string' &&
    (code === '40001' || code === '40P01' || code.startsWith('08') || code === '57P01');
  return new SymbiontError('STORE_WRITE', `could not ${doing} in ${safeUrl}: ${message}`, {
    cause: error,
    retryable: retryable || (error as { errno?: unknown }).errno !== undefined,
    context: { database: safeUrl, ...(typeof code === 'string' ? { pgCode: code } : {}) },
  });
}

/** For `doctor`: connects and asks the server its version; never throws. */
export async function checkPostgres(
  url: string,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  const safeUrl = redactUrl(url);
  if (!isPostgresUrl(url)) return { ok: false, detail: `${safeUrl} is not a postgres:// URL` };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    const found = await client.query<{ version: string; read_only: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('transaction_read_only') AS read_only",
    );
    const row = found.rows[0]!;
    if (row.read_only === 'on')
      return { ok: false, detail: `${safeUrl}: PostgreSQL ${row.version} is read-only` };
    return { ok: true, detail: `${safeUrl}: PostgreSQL ${row.version}, writable` };
  } catch (error) {
    return { ok: false, detail: `${safeUrl}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await client.end().catch(() => {});
  }
}
