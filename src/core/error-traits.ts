// What each error code means to the rest of the system, in one table: whether a retry may help,
// whether a stronger model may help, whether it ends the whole task, whether the planner re-asks,
// and how the HTTP API and the CLI report it. The retry policy, the subtask outcome decisions,
// the planner, the HTTP error replies and the CLI's exit status all read this table; no other
// module keeps a set of codes.

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
  /**
   * Whether a subtask that failed with it stops the task from starting any other call: every
   * call to the provider would fail the same way (its credentials were refused). The calls in
   * flight end on their own; what has not started is skipped with the error.
   */
  stopsTask: boolean;
  /** Whether a planner answer that failed with it is worth one re-ask (it was not a usable plan). */
  reasksPlanner: boolean;
  /** The HTTP status of a request that failed with it (500s reveal nothing). */
  httpStatus: number;
  /** The CLI's exit status: 2 bad usage or input, 1 anything else that failed. */
  exitCode: 1 | 2;
}

const USAGE = {
  retryable: 'never',
  escalates: true,
  fatal: false,
  stopsTask: false,
  reasksPlanner: false,
  exitCode: 2,
} as const;
const BAD_PLAN = { ...USAGE, reasksPlanner: true, httpStatus: 422 } as const;
const PROVIDER = {
  retryable: 'if-flagged',
  escalates: true,
  fatal: false,
  stopsTask: false,
  reasksPlanner: false,
  httpStatus: 500,
  exitCode: 1,
} as const;
const OTHER = {
  retryable: 'never',
  escalates: true,
  fatal: false,
  stopsTask: false,
  reasksPlanner: false,
  exitCode: 1,
} as const;
const STOPS_TASK = {
  retryable: 'if-flagged',
  escalates: false,
  fatal: true,
  stopsTask: true,
  reasksPlanner: false,
  exitCode: 1,
} as const;

export const ERROR_TRAITS: Readonly<Record<ErrorCode, Readonly<ErrorTraits>>> = Object.freeze({
  // input and configuration
  INVALID_ARGUMENT: { ...USAGE, httpStatus: 400 },
  INVALID_PLAN: BAD_PLAN,
  PLAN_CYCLE: BAD_PLAN,
  EMPTY_PLAN: BAD_PLAN,
  CONFIG: { ...USAGE, httpStatus: 500 },
  NOT_FOUND: { ...USAGE, httpStatus: 404 },
  CONFLICT: { ...OTHER, httpStatus: 409 },
  UNAUTHORIZED: { ...OTHER, httpStatus: 401 },
  // The error's context names the limit ({ limit: { name, value } }); the HTTP body carries it.
  LIMIT_EXCEEDED: { ...OTHER, escalates: false, httpStatus: 429 },
  NOT_ALLOWED: { ...USAGE, escalates: false, httpStatus: 403 },
  // providers (one model call)
  PROVIDER_TIMEOUT: { ...PROVIDER, httpStatus: 504 },
  PROVIDER_RATE_LIMITED: { ...PROVIDER, httpStatus: 503 },
  PROVIDER_OVERLOADED: { ...PROVIDER, httpStatus: 503 },
  PROVIDER_SERVER_ERROR: PROVIDER,
  PROVIDER_CONNECTION: PROVIDER,
  // Not JSON, or not the answer's shape: for the planner, worth one re-ask with the error.
  PROVIDER_BAD_OUTPUT: { ...PROVIDER, reasksPlanner: true },
  PROVIDER_EXIT: PROVIDER,
  // A stronger model of the same provider has the same credentials, and so has every other
  // call of the task: one refusal stops the task (a bad key costs one request, not one per step).
  PROVIDER_AUTH: { ...PROVIDER, escalates: false, stopsTask: true },
  PROVIDER_BAD_REQUEST: PROVIDER,
  PROVIDER_MODEL_NOT_FOUND: PROVIDER,
  PROVIDER_REFUSED: PROVIDER,
  PROVIDER_UNAVAILABLE: { ...PROVIDER, escalates: false, httpStatus: 503 },
  // execution
  CANCELLED: { ...OTHER, escalates: false, httpStatus: 409 },
  BUDGET_EXHAUSTED: { ...OTHER, escalates: false, httpStatus: 422 },
  DEPENDENCY_FAILED: { ...OTHER, httpStatus: 500 },
  // storage
  STORE_WRITE: { ...STOPS_TASK, httpStatus: 503 },
  STORE_SCHEMA: { ...OTHER, httpStatus: 500 },
  LEDGER_WRITE: { ...STOPS_TASK, httpStatus: 500 },
  LEDGER_CORRUPT: { ...OTHER, httpStatus: 500 },
  INTERNAL: { ...OTHER, httpStatus: 500 },
});

export function errorTraits(code: ErrorCode): Readonly<ErrorTraits> {
  return ERROR_TRAITS[code];
}
