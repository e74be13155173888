// Turns better-sqlite3's errors into the SymbiontError family: a failed write is STORE_WRITE
// (retryable when another process held the lock too long), naming the file and SQLite's code.

import Database from 'better-sqlite3';
import { SymbiontError, toSymbiontError } from '../../core/errors.js';

function isBusy(code: string): boolean {
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function describe(error: InstanceType<typeof Database.SqliteError>): string {
  return `${error.code}: ${error.message}`;
}

/** For every path that writes: nothing of the failed write was stored. */
export function storeWriteError(path: string, error: unknown): SymbiontError {
  if (error instanceof SymbiontError) return error;
  if (error instanceof Database.SqliteError) {
    return new SymbiontError('STORE_WRITE', `could not write task store ${path}: ${describe(error)}`, {
      cause: error,
      retryable: isBusy(error.code),
      context: { path, sqliteCode: error.code },
    });
  }
  return toSymbiontError(error);
}

/** For reads: there is no store-read code, so INTERNAL, still naming the file and the cause. */
export function storeReadError(path: string, error: unknown): SymbiontError {
  if (error instanceof SymbiontError) return error;
  if (error instanceof Database.SqliteError) {
    return new SymbiontError('INTERNAL', `could not read task store ${path}: ${describe(error)}`, {
      cause: error,
      retryable: isBusy(error.code),
      context: { path, sqliteCode: error.code },
    });
  }
  return toSymbiontError(error);
}

/** For opening: a file that is not a database is a schema problem, anything else a write one. */
export function storeOpenError(path: string, error: unknown): SymbiontError {
  if (error instanceof SymbiontError) return error;
  if (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT')
  ) {
    return new SymbiontError(
      'STORE_SCHEMA',
      `${path} is not a usable symbiont database: ${describe(error)}`,
      {
        cause: error,
        context: { path, sqliteCode: error.code },
      },
    );
  }
  if (error instanceof Database.SqliteError || error instanceof TypeError) {
    const reason = error instanceof Database.SqliteError ? describe(error) : error.message;
    return new SymbiontError('STORE_WRITE', `could not open task store ${path}: ${reason}`, {
      cause: error,
      context: { path },
    });
  }
  return toSymbiontError(error);
}
