// Retries an operation that failed on a transient resource error (too many open files, a busy
// database, a resource temporarily unavailable) with growing pauses, for a bounded time, so that
// a moment of file-descriptor exhaustion or lock contention never fails a task by itself.

import { setTimeout as delay } from 'node:timers/promises';

const TRANSIENT_OS_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN']);

/** EMFILE, ENFILE, EAGAIN from the OS, or SQLITE_BUSY / SQLITE_LOCKED (and their extended codes). */
export function isTransientResourceError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_OS_CODES.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export interface TransientRetryOptions {
  /** Total time spent retrying before the error is let through. 0: no retry. */
  readonly budgetMs: number;
  /** Default: Date.now. */
  readonly now?: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** First pause, doubled after each failure up to MAX_PAUSE_MS. */
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 500;

/**
 * Runs `operation`, again after each transient failure until `budgetMs` has passed. The error
 * that finally escapes keeps its code and says how long it persisted.
 */
export async function retryTransient<T>(
  operation: () => T | Promise<T>,
  options: TransientRetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? delay;
  const started = now();
  let pause = FIRST_PAUSE_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientResourceError(error)) throw error;
      const elapsed = now() - started;
      if (elapsed >= options.budgetMs) throw persisted(error, attempt, elapsed);
      await sleep(Math.min(pause, options.budgetMs - elapsed));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

function persisted(error: unknown, attempts: number, elapsedMs: number): unknown {
  if (attempts === 1 || !(error instanceof Error)) return error;
  error.message = `${error.message} (still failing after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)} s)`;
  return error;
}
