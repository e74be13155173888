// The simulated provider's failures: the SymbiontError each `fail=KIND` directive raises, as the
// real providers raise it, and the endless wait of `fail=hang` that only an abort ends.

import { SymbiontError } from '../../core/errors.js';
import type { FailureKind, SimulatedDirectives } from './simulated-directives.js';

export function failure(
  kind: Exclude<FailureKind, 'hang'>,
  directives: SimulatedDirectives,
  usage: SymbiontError['usage'],
) {
  const common = { usage, context: { provider: 'simulated', kind } };
  switch (kind) {
    case 'error':
      return new SymbiontError('PROVIDER_EXIT', 'simulated failure: the provider exited with an error', {
        ...common,
        retryable: true,
      });
    case 'garbage':
      return new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        'simulated failure: the provider printed output that is not JSON',
        {
          ...common,
          retryable: true,
        },
      );
    case 'rate_limit':
      return new SymbiontError('PROVIDER_RATE_LIMITED', 'simulated failure: rate limited (429)', {
        ...common,
        retryable: true,
        ...(directives.retryAfterMs === undefined ? {} : { retryAfterMs: directives.retryAfterMs }),
      });
    case 'overload':
      return new SymbiontError('PROVIDER_OVERLOADED', 'simulated failure: overloaded (529)', {
        ...common,
        retryable: true,
        ...(directives.retryAfterMs === undefined ? {} : { retryAfterMs: directives.retryAfterMs }),
      });
    case 'server_error':
      return new SymbiontError('PROVIDER_SERVER_ERROR', 'simulated failure: server error (500)', {
        ...common,
        retryable: true,
      });
    case 'fatal':
      return new SymbiontError(
        'PROVIDER_BAD_REQUEST',
        'simulated failure: fatal, not worth retrying',
        common,
      );
  }
}

/** Waits until the signal aborts, then rejects with its reason. */
export function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
