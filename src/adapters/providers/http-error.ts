// Maps an HTTP provider's failure (status, headers, error body) onto one SymbiontError with the
// right code, `retryable` flag and `retryAfterMs`, so the engine's retry policy decides from
// the code and never from a message. Shared by the anthropic and openai-compatible providers.

import { type ErrorCode, SymbiontError } from '../../core/errors.js';
import { redactSecrets, redactUrl } from '../../core/redact.js';

/** Anything with a case-insensitive `get`, such as fetch's Headers. */
export interface HeaderLookup {
  get(name: string): string | null;
}

export interface HttpFailure {
  /** Provider name for messages: `anthropic`, `openai-compatible`. */
  provider: string;
  status: number;
  headers?: HeaderLookup | undefined;
  /** The error message from the response body, when there is one. */
  apiMessage?: string | null | undefined;
  /** The error type from the response body (`overloaded_error`, `rate_limit_error`...). */
  apiType?: string | null | undefined;
  /** The error code from the response body (OpenAI's `insufficient_quota`...). */
  apiCode?: string | null | undefined;
  /** The model the call asked for. */
  model?: string | undefined;
  /** Where the endpoint lives, for messages about 404s. */
  baseURL?: string | undefined;
  /** The environment variable holding the key, named in authentication messages. */
  keyVariable?: string | undefined;
  /** Secrets that must never appear in a message (the API key). */
  secrets?: ReadonlyArray<string | undefined> | undefined;
  /** Milliseconds since the epoch, to turn an HTTP-date retry-after into a wait. */
  now: number;
}

/**
 * The wait the server asked for, in milliseconds: `retry-after-ms` first (Anthropic and OpenAI
 * send it), else `retry-after` as seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderLookup | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Replaces every secret in `text`, and shows every URL in it without userinfo and query
 * string (redactSecrets), so that no key reaches a message, a log or the ledger.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  return redactSecrets(text, secrets);
}

interface Mapping {
  code: ErrorCode;
  retryable: boolean;
  message: string;
}

function describe(failure: HttpFailure): Mapping {
  const { provider, status } = failure;
  const key = failure.keyVariable ? `check ${failure.keyVariable}` : 'check the API key';
  const model = failure.model ? `'${failure.model}'` : 'the model';
  const where = failure.baseURL ? ` at ${redactUrl(failure.baseURL)}` : '';
  if (status === 429 && failure.apiCode === 'insufficient_quota') {
    return {
      code: 'PROVIDER_AUTH',
      retryable: false,
      message: `${provider} quota exhausted (429): check the account's plan and billing`,
    };
  }
  if (status === 429) {
    return {
      code: 'PROVIDER_RATE_LIMITED',
      retryable: true,
      message: `${provider} rate limit reached (429)`,
    };
  }
  if (status === 529 || failure.apiType === 'overloaded_error') {
    return { code: 'PROVIDER_OVERLOADED', retryable: true, message: `${provider} is overloaded (${status})` };
  }
  if (status >= 500) {
    return {
      code: 'PROVIDER_SERVER_ERROR',
      retryable: true,
      message: `${provider} server error (${status})`,
    };
  }
  switch (status) {
    case 401:
      return { code: 'PROVIDER_AUTH', retryable: false, message: `authentication failed: ${key}` };
    case 402:
      return {
        code: 'PROVIDER_AUTH',
        retryable: false,
        message: `${provider} refused to bill the account (402): check its billing and spend limits`,
      };
    case 403:
      return {
        code: 'PROVIDER_AUTH',
        retryable: false,
        message: `permission denied (403): the key may not use ${model}; ${key} and the account's permissions`,
      };
    case 404:
      return {
        code: 'PROVIDER_MODEL_NOT_FOUND',
        retryable: false,
        message: `not found (404): model ${model} or the endpoint${where} does not exist; check the model names per tier and the base URL`,
      };
    case 408:
      return {
        code: 'PROVIDER_TIMEOUT',
        retryable: true,
        message: `${provider} timed out the request (408)`,
      };
    case 409:
      return {
        code: 'PROVIDER_SERVER_ERROR',
        retryable: true,
        message: `${provider} reported a conflict (409)`,
      };
    case 413:
      return {
        code: 'PROVIDER_BAD_REQUEST',
        retryable: false,
        message: `${provider} rejected the request as too large (413): shorten the prompt or the dependency context`,
      };
    default:
      return {
        code: 'PROVIDER_BAD_REQUEST',
        retryable: false,
        message: `${provider} rejected the request (${status})`,
      };
  }
}

/** The SymbiontError for one failed HTTP attempt. */
export function errorFromHttpStatus(failure: HttpFailure): SymbiontError {
  const mapping = describe(failure);
  const detail = failure.apiMessage ? `: ${failure.apiMessage}` : '';
  const retryAfterMs = mapping.retryable ? parseRetryAfter(failure.headers, failure.now) : undefined;
  const context: Record<string, unknown> = { provider: failure.provider, status: failure.status };
  if (failure.model) context.model = failure.model;
  if (failure.apiType) context.errorType = failure.apiType;
  if (failure.apiCode) context.errorCode = failure.apiCode;
  const requestId = failure.headers?.get('request-id') ?? failure.headers?.get('x-request-id');
  if (requestId) context.requestId = requestId;
  return new SymbiontError(mapping.code, redact(`${mapping.message}${detail}`, failure.secrets), {
    retryable: mapping.retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    context,
  });
}

/** A request that never got an HTTP answer (refused, reset, DNS): retryable. */
export function connectionError(
  provider: string,
  baseURL: string,
  cause: unknown,
  secrets: ReadonlyArray<string | undefined> = [],
): SymbiontError {
  const reason = describeCause(cause);
  const shownURL = redactUrl(baseURL);
  return new SymbiontError(
    'PROVIDER_CONNECTION',
    redact(`could not reach ${provider} at ${shownURL}${reason ? `: ${reason}` : ''}`, secrets),
    { retryable: true, cause: redactedCause(cause, secrets), context: { provider, baseURL: shownURL } },
  );
}

/**
 * The cause as kept on the error (and logged with it): fetch's own messages quote the URL it
 * was given, credentials included, so the chain is copied with every message redacted.
 */
function redactedCause(cause: unknown, secrets: ReadonlyArray<string | undefined>, depth = 0): unknown {
  if (!(cause instanceof Error) || depth >= 4) return cause instanceof Error ? undefined : cause;
  const inner = (cause as { cause?: unknown }).cause;
  const copy = new Error(redact(cause.message, secrets), {
    ...(inner === undefined ? {} : { cause: redactedCause(inner, secrets, depth + 1) }),
  });
  copy.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** The innermost useful reason of a fetch failure (`connect ECONNREFUSED 127.0.0.1:1`). */
function describeCause(cause: unknown): string {
  let current: unknown = cause;
  let message = '';
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current.message && current.message !== 'fetch failed') message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/** The signal's reason when it aborted, so callers reject with it as the port requires. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
