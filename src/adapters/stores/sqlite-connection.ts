// Opens the SQLite file behind the task store: creates its directory, sets the pragmas every
// connection needs (WAL, busy timeout, synchronous, foreign keys) and brings the schema up to
// date, turning any failure into a SymbiontError that names the file. The file and its WAL and
// SHM are owner-only (0600): tasks hold prompts and results.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SymbiontError } from '../../core/errors.js';
import { storeOpenError } from './sqlite-errors.js';
import { migrate, SCHEMA_VERSION } from './sqlite-schema.js';

/**
 * Opens an existing database for reading only: no file is created or changed (no schema
 * upgrade, no journal-mode switch), so it works on a read-only data directory. A database
 * closed cleanly is in rollback-journal mode (see closeDatabase) and opens anywhere; one left
 * in WAL mode by a crash (or still open elsewhere) needs its directory writable for the -shm.
 */
export function openDatabaseReadOnly(path: string, busyTimeoutMs: number): Database.Database {
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const version = database.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      throw new SymbiontError(
        'STORE_SCHEMA',
        `database ${path} has schema version ${version} and this symbiont reads version ${SCHEMA_VERSION} only when opening it read-only: ` +
          (version < SCHEMA_VERSION
            ? 'run a writing command (e.g. `symbiont resume`) once to upgrade it'
            : 'upgrade symbiont'),
        { context: { path, version, supported: SCHEMA_VERSION } },
      );
    }
    return database;
  } catch (error) {
    database?.close();
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_CANTOPEN') {
      throw new SymbiontError(
        'STORE_WRITE',
        `cannot open task store ${path} read-only (${error.code}): it was left in WAL mode (by a process that did not close it, or one still running), ` +
          'which needs its directory writable; open it once with write access (e.g. `symbiont resume`)',
        { cause: error, context: { path, sqliteCode: error.code } },
      );
    }
    throw storeOpenError(path, error);
  }
}

/**
 * Closes a writing connection. The last one out switches the file back to rollback-journal
 * mode (folding the WAL in, as closing does anyway), so that readers on read-only media can
 * open it; while other connections are open the switch fails at once and is skipped.
 */
export function closeDatabase(database: Database.Database): void {
  if (!database.open) return;
  if (!database.readonly && database.name !== ':memory:') {
    try {
      database.pragma('busy_timeout = 0');
      database.pragma('journal_mode = DELETE');
    } catch {
      // Busy (another connection), read-only or full: it stays in WAL mode, which is fine.
    }
  }
  database.close();
}

export function openDatabase(path: string, busyTimeoutMs: number, synchronous: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let database: Database.Database | undefined;
  try {
    if (path !== ':memory:') createPrivately(path);
    database = new Database(path, { timeout: busyTimeoutMs });
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    database.pragma('journal_mode = WAL');
    // SQLite gives the WAL and SHM files the database file's mode; older files are narrowed too.
    if (path !== ':memory:') for (const file of [path, `${path}-wal`, `${path}-shm`]) makePrivate(file);
    database.pragma(`synchronous = ${synchronous}`);
    database.pragma('foreign_keys = ON');
    // Keeps a WAL that a long reader made large from staying large on disk after a checkpoint.
    database.pragma('journal_size_limit = 67108864');
    migrate(database, path);
    return database;
  } catch (error) {
    database?.close();
    throw storeOpenError(path, error);
  }
}

/** Creates the database file owner-only (0600) if it does not exist yet, whatever the umask. */
function createPrivately(path: string): void {
  if (existsSync(path)) return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Takes group and other permissions off an existing file; best effort (it may not be ours). */
function makePrivate(path: string): void {
  try {
    const { mode } = statSync(path);
    if ((mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
  } catch {
    // Missing (no WAL yet) or not ours to change: `doctor` reports what stays readable.
  }
}
