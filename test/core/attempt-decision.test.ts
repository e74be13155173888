import { describe, expect, it } from 'vitest';
import {
  type AttemptDecision,
  decideAfterFailure,
  type FailedAttempt,
} from '../../src/core/attempt-decision.js';
import { ERROR_TRAITS, errorTraits } from '../../src/core/error-traits.js';
import { type ErrorCode, SymbiontError } from '../../src/core/errors.js';
import { DEFAULT_RETRY_POLICY } from '../../src/core/retry-policy.js';
import { fatalEndEvents, finalTaskOutcome } from '../../src/core/task-outcome.js';

function decide(error: SymbiontError, overrides: Partial<FailedAttempt> = {}): AttemptDecision {
  return decideAfterFailure({
    error,
    tryAtTier: 1,
    attemptsAtTier: 3,
    tier: 1,
    escalated: false,
    escalate: true,
    policy: DEFAULT_RETRY_POLICY,
    random: 0.5,
    ...overrides,
  });
}

const transient = () => new SymbiontError('PROVIDER_SERVER_ERROR', '500', { retryable: true });

describe('decideAfterFailure', () => {
  it('retries a flagged error with the doubling delay while attempts remain at the tier', () => {
    expect(decide(transient())).toEqual({ kind: 'retry', delayMs: 500 });
    expect(decide(transient(), { tryAtTier: 2 })).toEqual({ kind: 'retry', delayMs: 1000 });
  });

  it('escalates one tier once the attempts at a tier are used up, and only once', () => {
    expect(decide(transient(), { tryAtTier: 3 })).toEqual({ kind: 'escalate', tier: 2 });
    expect(decide(transient(), { tryAtTier: 1, attemptsAtTier: 1, tier: 2, escalated: true })).toEqual({
      kind: 'fail',
    });
    expect(decide(transient(), { tryAtTier: 3, tier: 3 })).toEqual({ kind: 'fail' });
    expect(decide(transient(), { tryAtTier: 3, escalate: false })).toEqual({ kind: 'fail' });
  });

  it('escalates a non-retryable model error at once, but not bad credentials or an outage', () => {
    expect(decide(new SymbiontError('PROVIDER_BAD_REQUEST', 'no'))).toEqual({ kind: 'escalate', tier: 2 });
    expect(decide(new SymbiontError('PROVIDER_AUTH', 'bad key'))).toEqual({ kind: 'fail' });
    expect(
      decide(new SymbiontError('PROVIDER_UNAVAILABLE', 'down', { retryable: true }), { tryAtTier: 3 }),
    ).toEqual({
      kind: 'fail',
    });
  });

  it('ends on cancellation, and makes store and ledger failures fatal to the task', () => {
    expect(decide(new SymbiontError('CANCELLED', 'cancelled', { retryable: true }))).toEqual({
      kind: 'cancelled',
    });
    expect(decide(new SymbiontError('LEDGER_WRITE', 'ENOSPC'))).toEqual({ kind: 'fatal' });
    expect(decide(new SymbiontError('STORE_WRITE', 'busy', { retryable: true }))).toEqual({ kind: 'fatal' });
  });
});

describe('error traits', () => {
  it('has a row for every code, with the statuses the HTTP API and the CLI report', () => {
    const rows = Object.entries(ERROR_TRAITS) as [ErrorCode, (typeof ERROR_TRAITS)[ErrorCode]][];
    const usage = rows.filter(([, traits]) => traits.exitCode === 2).map(([code]) => code);
    expect(usage.sort()).toEqual([
      'CONFIG',
      'EMPTY_PLAN',
      'INVALID_ARGUMENT',
      'INVALID_PLAN',
      'NOT_ALLOWED',
      'NOT_FOUND',
      'PLAN_CYCLE',
    ]);
    expect(errorTraits('INVALID_PLAN').httpStatus).toBe(422);
    // Operator limits: a value not allowed is 403, a quota or count reached 429.
    expect(errorTraits('NOT_ALLOWED').httpStatus).toBe(403);
    expect(errorTraits('LIMIT_EXCEEDED').httpStatus).toBe(429);
    expect(errorTraits('PROVIDER_TIMEOUT').httpStatus).toBe(504);
    expect(errorTraits('STORE_WRITE').httpStatus).toBe(503);
    expect(errorTraits('LEDGER_WRITE').httpStatus).toBe(500);
    const fatal = rows.filter(([, traits]) => traits.fatal).map(([code]) => code);
    expect(fatal.sort()).toEqual(['LEDGER_WRITE', 'STORE_WRITE']);
    const reasks = rows.filter(([, traits]) => traits.reasksPlanner).map(([code]) => code);
    expect(reasks.sort()).toEqual(['EMPTY_PLAN', 'INVALID_PLAN', 'PLAN_CYCLE', 'PROVIDER_BAD_OUTPUT']);
    const neverRetried = rows.filter(([, traits]) => traits.retryable === 'never').map(([code]) => code);
    expect(neverRetried).toContain('CANCELLED');
    expect(neverRetried).toContain('BUDGET_EXHAUSTED');
    expect(neverRetried.some((code) => code.startsWith('PROVIDER_'))).toBe(false);
  });
});

describe('finalTaskOutcome', () => {
  const of = (...statuses: string[]) => statuses.map((status) => ({ status }) as { status: 'completed' });

  it('is completed, partial or failed by how many subtasks completed', () => {
    expect(finalTaskOutcome(of('completed', 'completed'), undefined)).toEqual({
      status: 'completed',
      error: null,
    });
    expect(finalTaskOutcome(of('completed', 'failed', 'skipped'), undefined)).toEqual({
      status: 'partial',
      error: '1 subtask(s) failed, 1 skipped',
    });
    expect(finalTaskOutcome(of('failed', 'skipped'), undefined)).toEqual({
      status: 'failed',
      error: '1 subtask(s) failed, 1 skipped',
    });
  });

  it('is cancelled when cancelled, and names an exhausted budget', () => {
    expect(finalTaskOutcome(of('completed', 'cancelled'), 'cancelled').status).toBe('cancelled');
    expect(finalTaskOutcome(of('completed', 'skipped'), 'budget')).toEqual({
      status: 'partial',
      error: 'budget exhausted',
    });
  });

  it('ends a fatally stopped task failed, cancelling only the subtasks still open', () => {
    const task = {
      id: 't',
      total_cost: 0.5,
      subtasks: of('completed', 'executing', 'queued', 'failed').map((subtask, index) => ({
        ...subtask,
        index,
      })),
    } as unknown as Parameters<typeof fatalEndEvents>[0];
    expect(fatalEndEvents(task, 'ENOSPC', 'T')).toEqual([
      { type: 'subtask.cancelled', index: 1, task_id: 't', at: 'T' },
      { type: 'subtask.cancelled', index: 2, task_id: 't', at: 'T' },
      { type: 'task.finished', status: 'failed', error: 'ENOSPC', total_cost: 0.5, task_id: 't', at: 'T' },
    ]);
  });
});
