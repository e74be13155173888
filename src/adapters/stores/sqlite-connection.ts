// Opens the SQLite file behind the task store: creates its directory, sets the pragmas every
// connection needs (WAL, busy timeout, synchronous, foreign keys) and brings the schema up to
// date, turning any failure into a SymbiontError that names the file. The file and its WAL and
// SHM are owner-only (0600): tasks hold prompts and results.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { storeOpenError } from './sqlite-errors.js';
import { migrate } from './sqlite-schema.js';

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
