import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  nextRetry,
  RETRY_AFTER_CAP_MS,
  resolveRetryPolicy,
} from '../../src/core/retry-policy.js';

const transient = (options: { retryAfterMs?: number } = {}) =>
  new SymbiontError('PROVIDER_OVERLOADED', 'overloaded', { retryable: true, ...options });
const noJitter = resolveRetryPolicy({ jitter: 0, maxAttempts: 10 });

function delayOf(decision: ReturnType<typeof nextRetry>): number {
  if (!decision.retry) throw new Error(`expected a retry, got: ${decision.reason}`);
  return decision.delayMs;
}

describe('resolveRetryPolicy', () => {
  it('defaults to 3 attempts, 500 ms doubling up to 30 s, 25% jitter', () => {
    expect(resolveRetryPolicy()).toEqual({
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      jitter: 0.25,
    });
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(3);
  });

  it('applies given fields and ignores undefined ones', () => {
    expect(resolveRetryPolicy({ maxAttempts: 5, baseDelayMs: undefined })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: 5,
    });
  });

  it.each([
    [{ maxAttempts: 0 }, 'Expected `maxAttempts` to be an integer from 1 and up, got `0` (number)'],
    [{ maxAttempts: 1.5 }, 'Expected `maxAttempts` to be an integer from 1 and up, got `1.5` (number)'],
    [{ baseDelayMs: -1 }, 'Expected `baseDelayMs` to be a finite number from 0 and up, got `-1` (number)'],
    [
      { maxDelayMs: Number.POSITIVE_INFINITY },
      'Expected `maxDelayMs` to be a finite number from 0 and up, got `Infinity` (number)',
    ],
    [{ jitter: 2 }, 'Expected `jitter` to be a number from 0 to 1, got `2` (number)'],
    [
      { jitter: '0.1' as unknown as number },
      'Expected `jitter` to be a number from 0 to 1, got `0.1` (string)',
    ],
  ])('rejects %o', (partial, message) => {
    let caught: unknown;
    try {
      resolveRetryPolicy(partial);
    } catch (error) {
      caught = error;
    }
    expect(SymbiontError.is(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });
});

describe('nextRetry', () => {
  it('doubles the delay with each attempt', () => {
    const delays = [1, 2, 3, 4].map((attempt) => delayOf(nextRetry(transient(), attempt, noJitter, 0.5)));
    expect(delays).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('caps the delay at maxDelayMs, jitter included', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 30, jitter: 0.25 });
    expect(delayOf(nextRetry(transient(), 20, policy, 0.999))).toBe(30_000);
    expect(delayOf(nextRetry(transient(), 20, policy, 0))).toBe(22_500);
  });

  it('spreads the delay within +-jitter', () => {
    const policy = resolveRetryPolicy({ jitter: 0.25 });
    expect(delayOf(nextRetry(transient(), 2, policy, 0))).toBe(750);
    expect(delayOf(nextRetry(transient(), 2, policy, 0.5))).toBe(1_000);
    for (let step = 0; step < 100; step++) {
      const delay = delayOf(nextRetry(transient(), 2, policy, step / 100));
      expect(delay).toBeGreaterThanOrEqual(750);
      expect(delay).toBeLessThanOrEqual(1_250);
    }
  });

  it('waits at least as long as retry-after asks', () => {
    expect(delayOf(nextRetry(transient({ retryAfterMs: 7_000 }), 1, noJitter, 0.5))).toBe(7_000);
  });

  it('keeps the computed delay when it is longer than retry-after', () => {
    expect(delayOf(nextRetry(transient({ retryAfterMs: 100 }), 3, noJitter, 0.5))).toBe(2_000);
  });

  it('caps an excessive retry-after at five minutes', () => {
    expect(delayOf(nextRetry(transient({ retryAfterMs: 3_600_000 }), 1, noJitter, 0.5))).toBe(
      RETRY_AFTER_CAP_MS,
    );
  });

  it('stops when the attempts are used up', () => {
    const decision = nextRetry(transient(), 3, DEFAULT_RETRY_POLICY, 0.5);
    expect(decision).toEqual({ retry: false, reason: 'gave up after 3 of 3 attempts' });
    expect(nextRetry(transient(), 2, DEFAULT_RETRY_POLICY, 0.5).retry).toBe(true);
  });

  it('never retries with a single attempt allowed', () => {
    expect(nextRetry(transient(), 1, resolveRetryPolicy({ maxAttempts: 1 }), 0.5).retry).toBe(false);
  });

  it('does not retry an error that is not retryable', () => {
    const error = new SymbiontError('PROVIDER_AUTH', 'bad key');
    expect(nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0.5)).toEqual({
      retry: false,
      reason: 'not retryable: PROVIDER_AUTH',
    });
  });

  it('does not retry cancellation or an exhausted budget even if marked retryable', () => {
    for (const code of ['CANCELLED', 'BUDGET_EXHAUSTED'] as const) {
      const error = new SymbiontError(code, 'stop', { retryable: true });
      expect(nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0.5)).toEqual({
        retry: false,
        reason: `not retryable: ${code}`,
      });
    }
  });

  it('does not retry an error outside the SymbiontError family', () => {
    expect(nextRetry(new Error('boom'), 1, DEFAULT_RETRY_POLICY, 0.5)).toEqual({
      retry: false,
      reason: 'not retryable: unexpected error',
    });
  });
});
