// Opens the SQLite file behind the task store: creates its directory, sets the pragmas every
// connection needs (WAL, busy timeout, synchronous, foreign keys) and brings the schema up to
// date, turning any failure into a SymbiontError that names the file.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { storeOpenError } from './sqlite-errors.js';
import { migrate } from './sqlite-schema.js';

export function openDatabase(path: string, busyTimeoutMs: number, synchronous: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { timeout: busyTimeoutMs });
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    database.pragma('journal_mode = WAL');
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
