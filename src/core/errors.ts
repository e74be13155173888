// The one error family. Every failure that crosses a module boundary is a SymbiontError with
// a stable `code`; the retry policy decides from `retryable` and `code`, never from messages.
// Every message is passed through redactSecrets: the last line of defence that keeps URL
// credentials and key=value secrets out of task errors, the store, the ledger and logs.

import { redactSecrets } from './redact.js';

export type ErrorCode =
  // input and configuration
  | 'INVALID_ARGUMENT'
  | 'INVALID_PLAN'
  | 'PLAN_CYCLE'
  | 'EMPTY_PLAN'
  | 'CONFIG'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  // providers (one model call)
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_OVERLOADED'
  | 'PROVIDER_SERVER_ERROR'
  | 'PROVIDER_CONNECTION'
  | 'PROVIDER_BAD_OUTPUT'
  | 'PROVIDER_EXIT'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_BAD_REQUEST'
  | 'PROVIDER_MODEL_NOT_FOUND'
  | 'PROVIDER_REFUSED'
  | 'PROVIDER_UNAVAILABLE'
  // execution
  | 'CANCELLED'
  | 'BUDGET_EXHAUSTED'
  | 'DEPENDENCY_FAILED'
  // storage
  | 'STORE_WRITE'
  | 'STORE_SCHEMA'
  | 'LEDGER_WRITE'
  | 'LEDGER_CORRUPT'
  | 'INTERNAL';

/** Token counts and cost a failed call may still have reported (e.g. the CLI's is_error result). */
export interface ErrorUsage {
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
}

export interface SymbiontErrorOptions {
  /** Whether trying the same call again may succeed. Default: false. */
  retryable?: boolean;
  /** Milliseconds the other side asked us to wait before trying again (retry-after). */
  retryAfterMs?: number;
  /** The underlying error. */
  cause?: unknown;
  /** Facts that explain the error (file, line, status code...). Never secrets. */
  context?: Record<string, unknown>;
  /** Usage reported by a call that failed. */
  usage?: ErrorUsage;
}

export class SymbiontError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly context: Record<string, unknown>;
  readonly usage: ErrorUsage | undefined;

  constructor(code: ErrorCode, message: string, options: SymbiontErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SymbiontError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.context = options.context ?? {};
    this.usage = options.usage;
  }

  static is(value: unknown, code?: ErrorCode): value is SymbiontError {
    return value instanceof SymbiontError && (code === undefined || value.code === code);
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Wraps anything thrown into a SymbiontError, keeping one that already is. */
export function toSymbiontError(value: unknown, fallback: ErrorCode = 'INTERNAL'): SymbiontError {
  if (value instanceof SymbiontError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new SymbiontError(fallback, message, { cause: value });
}

/** How a refused value is shown in a message: `value` (type), objects as JSON. */
export function describeValue(value: unknown): string {
  const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return `\`${shown}\` (${typeof value})`;
}

/**
 * The error for an argument or option outside what it accepts:
 * "Expected `field` to be <expected>, got `value` (type)", naming the field in the context.
 */
export function invalidValue(
  field: string,
  expected: string,
  value: unknown,
  code: ErrorCode = 'INVALID_ARGUMENT',
): SymbiontError {
  return new SymbiontError(code, `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}`, {
    context: { field },
  });
}
