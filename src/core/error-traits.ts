// What each error code means to the rest of the system, in one table: whether a retry may help,
// whether a stronger model may help, whether it ends the whole task, and how the HTTP API and
// the CLI report it. The retry policy, the subtask outcome decisions, the HTTP error replies and
// the CLI's exit status all read this table; no other module keeps a set of codes.

import type { ErrorCode } from './errors.js';

export interface ErrorTraits {
  /**
   * `if-flagged`: retried when the error instance says `retryable` (the adapter judges the
   * instance: a 500 is, a 400 is not). `never`: not retried, whatever the flag says.
   */
  retryable: 'if-flagged' | 'never';
  /** Whether a subtask that failed every attempt with it is tried once more one tier up. */
  escalates: boolean;
  /** Whether it ends the whole task at once (the store or the ledger cannot be written). */
  fatal: boolean;
  /** The HTTP status of a request that failed with it (500s reveal nothing). */
  httpStatus: number;
  /** The CLI's exit status: 2 bad usage or input, 1 anything else that failed. */
  exitCode: 1 | 2;
}

const USAGE = { retryable: 'never', escalates: true, fatal: false, exitCode: 2 } as const;
const PROVIDER = {
  retryable: 'if-flagged',
  escalates: true,
  fatal: false,
  httpStatus: 500,
  exitCode: 1,
} as const;
const STOPS_TASK = { retryable: 'if-flagged', escalates: false, fatal: true, exitCode: 1 } as const;

export const ERROR_TRAITS: Readonly<Record<ErrorCode, Readonly<ErrorTraits>>> = Object.freeze({
  // input and configuration
  INVALID_ARGUMENT: { ...USAGE, httpStatus: 400 },
  INVALID_PLAN: { ...USAGE, httpStatus: 422 },
  PLAN_CYCLE: { ...USAGE, httpStatus: 422 },
  EMPTY_PLAN: { ...USAGE, httpStatus: 422 },
  CONFIG: { ...USAGE, httpStatus: 500 },
  NOT_FOUND: { ...USAGE, httpStatus: 404 },
  CONFLICT: { retryable: 'never', escalates: true, fatal: false, httpStatus: 409, exitCode: 1 },
  UNAUTHORIZED: { retryable: 'never', escalates: true, fatal: false, httpStatus: 401, exitCode: 1 },
  // providers (one model call)
  PROVIDER_TIMEOUT: { ...PROVIDER, httpStatus: 504 },
  PROVIDER_RATE_LIMITED: { ...PROVIDER, httpStatus: 503 },
  PROVIDER_OVERLOADED: { ...PROVIDER, httpStatus: 503 },
  PROVIDER_SERVER_ERROR: PROVIDER,
  PROVIDER_CONNECTION: PROVIDER,
  PROVIDER_BAD_OUTPUT: PROVIDER,
  PROVIDER_EXIT: PROVIDER,
  // A stronger model of the same provider has the same credentials and the same outage.
  PROVIDER_AUTH: { ...PROVIDER, escalates: false },
  PROVIDER_BAD_REQUEST: PROVIDER,
  PROVIDER_MODEL_NOT_FOUND: PROVIDER,
  PROVIDER_REFUSED: PROVIDER,
  PROVIDER_UNAVAILABLE: { ...PROVIDER, escalates: false, httpStatus: 503 },
  // execution
  CANCELLED: { retryable: 'never', escalates: false, fatal: false, httpStatus: 409, exitCode: 1 },
  BUDGET_EXHAUSTED: { retryable: 'never', escalates: false, fatal: false, httpStatus: 422, exitCode: 1 },
  DEPENDENCY_FAILED: { retryable: 'never', escalates: true, fatal: false, httpStatus: 500, exitCode: 1 },
  // storage
  STORE_WRITE: { ...STOPS_TASK, httpStatus: 503 },
  STORE_SCHEMA: { retryable: 'never', escalates: true, fatal: false, httpStatus: 500, exitCode: 1 },
  LEDGER_WRITE: { ...STOPS_TASK, httpStatus: 500 },
  LEDGER_CORRUPT: { retryable: 'never', escalates: true, fatal: false, httpStatus: 500, exitCode: 1 },
  INTERNAL: { retryable: 'never', escalates: true, fatal: false, httpStatus: 500, exitCode: 1 },
});

export function errorTraits(code: ErrorCode): Readonly<ErrorTraits> {
  return ERROR_TRAITS[code];
}
