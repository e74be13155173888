// Every failure leaves the server as {error: {code, message}} with a fitting status: engine
// errors (SymbiontError codes), Fastify's own (body too large, bad JSON, bad URL), validation
// issues, and anything unexpected (500, logged, with a message that reveals nothing).

import type { ZodError } from 'zod';
import { errorTraits } from '../core/error-traits.js';
import { SymbiontError } from '../core/errors.js';

/** An error that already knows its HTTP status (auth, rate limit, validation, shutdown). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More fields of the error object (e.g. `limit`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** An operator limit or server cap as the error body names it. */
export interface LimitDetail {
  name: string;
  value: unknown;
}

/** `{error: {code: 'LIMIT_EXCEEDED', message: 'max_streams (1000) reached', limit: {...}}}`. */
export function limitExceeded(status: 403 | 429, name: string, value: unknown, message?: string): HttpError {
  return new HttpError(
    status,
    status === 429 ? 'LIMIT_EXCEEDED' : 'NOT_ALLOWED',
    message ?? `${name} (${JSON.stringify(value)}) reached`,
    {},
    { limit: { name, value } satisfies LimitDetail },
  );
}

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  /** Whether the error is the server's fault (logged with its stack). */
  internal: boolean;
  /** More fields of the error object (e.g. `limit`). */
  details?: Record<string, unknown>;
}

/** Fastify's framework errors that are the client's doing. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the request body is too large',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the body is empty but content-type is application/json',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'content-length does not match the body',
  },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'invalid content-type' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', message: 'the URL is not valid' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 404, code: 'NOT_FOUND', message: 'no such resource' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'BAD_REQUEST', message: 'the request is not valid' },
};

function fastifyErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function clientStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
      internal: false,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  if (error instanceof SymbiontError) {
    const status = errorTraits(error.code).httpStatus;
    const headers: Record<string, string> = {};
    if (status === 503 && error.retryAfterMs !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
    const limit = error.context.limit;
    return {
      status,
      code: error.code,
      message: status === 500 ? 'internal error' : error.message,
      headers,
      internal: status === 500,
      ...(limit !== undefined && status !== 500 ? { details: { limit } } : {}),
    };
  }
  const known = FASTIFY_ERRORS[fastifyErrorCode(error) ?? ''];
  if (known) return { ...known, headers: {}, internal: false };
  if (error instanceof SyntaxError && clientStatusOf(error) === 400) {
    // Node's JSON.parse message quotes the body; never echo it.
    return {
      status: 400,
      code: 'MALFORMED_JSON',
      message: 'the body is not valid JSON',
      headers: {},
      internal: false,
    };
  }
  const clientStatus = clientStatusOf(error);
  if (clientStatus !== undefined) {
    return {
      status: clientStatus,
      code: 'BAD_REQUEST',
      message: 'the request is not valid',
      headers: {},
      internal: false,
    };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error', headers: {}, internal: true };
}

/** A 400 naming each issue's place (`body.prompt`) and what was wrong, never the value sent. */
export function validationError(part: string, error: ZodError): HttpError {
  const described = error.issues.slice(0, 5).map((issue) => {
    const where = [part, ...issue.path.map(String)].join('.');
    return `${where}: ${issue.message}`;
  });
  if (error.issues.length > 5) described.push(`and ${error.issues.length - 5} more`);
  return new HttpError(400, 'INVALID_ARGUMENT', described.join('; ').slice(0, 1000));
}

export function errorBody(reply: Pick<ErrorReply, 'code' | 'message' | 'details'>): {
  error: { code: string; message: string; [field: string]: unknown };
} {
  return { error: { ...reply.details, code: reply.code, message: reply.message } };
}
