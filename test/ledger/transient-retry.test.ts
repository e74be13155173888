// The bounded retry behind the ledger's file operations and the SQLite store: which errors are
// transient, that they are waited out with growing pauses, and that the budget bounds the wait.

import { describe, expect, it } from 'vitest';
import { isTransientResourceError, retryTransient } from '../../src/adapters/system/transient-retry.js';
import { osError } from './fixtures/ledger-fixtures.js';

/** A clock that only moves when the retry sleeps. */
function fakeTime() {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
  };
}

describe('transient resource errors', () => {
  it('are EMFILE, ENFILE, EAGAIN and SQLite busy or locked, nothing else', () => {
    for (const code of [
      'EMFILE',
      'ENFILE',
      'EAGAIN',
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED',
    ]) {
      expect(isTransientResourceError(osError(code, 'open')), code).toBe(true);
    }
    for (const code of ['ENOSPC', 'EIO', 'EACCES', 'SQLITE_FULL', 'SQLITE_READONLY']) {
      expect(isTransientResourceError(osError(code, 'open')), code).toBe(false);
    }
    expect(isTransientResourceError(new Error('no code'))).toBe(false);
    expect(isTransientResourceError(null)).toBe(false);
  });

  it('are retried with doubling pauses until the operation succeeds', async () => {
    const time = fakeTime();
    let calls = 0;
    const result = await retryTransient(
      () => {
        calls += 1;
        if (calls <= 4) throw osError(calls % 2 === 0 ? 'ENFILE' : 'EAGAIN', 'open');
        return 'done';
      },
      { budgetMs: 10_000, ...time },
    );
    expect(result).toBe('done');
    expect(calls).toBe(5);
    expect(time.pauses).toEqual([5, 10, 20, 40]);
  });

  it('give up once the budget is spent, saying how long the error lasted', async () => {
    const time = fakeTime();
    const failure = await retryTransient(
      () => {
        throw osError('EMFILE', 'open');
      },
      { budgetMs: 10_000, ...time },
    ).catch((error: unknown) => error as NodeJS.ErrnoException);
    expect(failure.code).toBe('EMFILE');
    expect(failure.message).toMatch(
      /^EMFILE: simulated failure, open \(still failing after \d+ attempts over 10\.0 s\)$/,
    );
    expect(time.pauses.reduce((sum, pause) => sum + pause, 0)).toBe(10_000);
    expect(Math.max(...time.pauses)).toBe(500);
  });

  it('let any other error through at once', async () => {
    const time = fakeTime();
    await expect(
      retryTransient(
        () => {
          throw osError('ENOSPC', 'write');
        },
        { budgetMs: 10_000, ...time },
      ),
    ).rejects.toMatchObject({ code: 'ENOSPC', message: 'ENOSPC: simulated failure, write' });
    expect(time.pauses).toEqual([]);
  });
});
