// The simulated provider's failures: the SymbiontError each `fail=KIND` directive raises, as the
// real providers raise it, and the endless wait of `fail=hang` that only an abort ends.

import { type ErrorCode, SymbiontError } from '../../core/errors.js';
import type { FailureKind, SimulatedDirectives } from './simulated-directives.js';

type FailingKind = Exclude<FailureKind, 'hang'>;

/** What each `fail=KIND` raises; `retryAfter`: the `retry_after=` directive is passed on. */
const FAILURES: Record<
  FailingKind,
  { code: ErrorCode; message: string; retryable: boolean; retryAfter?: true }
> = {
  error: { code: 'PROVIDER_EXIT', message: 'the provider exited with an error', retryable: true },
  garbage: {
    code: 'PROVIDER_BAD_OUTPUT',
    message: 'the provider printed output that is not JSON',
    retryable: true,
  },
  rate_limit: {
    code: 'PROVIDER_RATE_LIMITED',
    message: 'rate limited (429)',
    retryable: true,
    retryAfter: true,
  },
  overload: { code: 'PROVIDER_OVERLOADED', message: 'overloaded (529)', retryable: true, retryAfter: true },
  server_error: { code: 'PROVIDER_SERVER_ERROR', message: 'server error (500)', retryable: true },
  fatal: { code: 'PROVIDER_BAD_REQUEST', message: 'fatal, not worth retrying', retryable: false },
};

export function failure(kind: FailingKind, directives: SimulatedDirectives, usage: SymbiontError['usage']) {
  const { code, message, retryable, retryAfter } = FAILURES[kind];
  return new SymbiontError(code, `simulated failure: ${message}`, {
    usage,
    context: { provider: 'simulated', kind },
    retryable,
    ...(retryAfter && directives.retryAfterMs !== undefined ? { retryAfterMs: directives.retryAfterMs } : {}),
  });
}

/** Waits until the signal aborts, then rejects with its reason. */
export function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
