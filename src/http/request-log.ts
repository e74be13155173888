// One log line per request, without secrets: method, path (no query string, token-like text
// redacted), route, status, duration and the caller's token name. Never headers or bodies.

import type { FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';

const TOKEN_LIKE = /symb_[A-Za-z0-9_-]+/g;

/** The path of a request as logged: no query string, no token-like text, at most 200 characters. */
export function loggablePath(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return (path.includes('symb_') ? path.replace(TOKEN_LIKE, 'symb_[redacted]') : path).slice(0, 200);
}

export function logRequest(
  request: FastifyRequest,
  status: number,
  elapsedMs: number,
  extra: Record<string, unknown> = {},
): void {
  request.log.info(
    {
      method: request.method,
      path: loggablePath(request.url),
      route: request.routeUrl ?? 'unmatched',
      status,
      ms: Math.round(elapsedMs),
      caller: request.principal?.name ?? null,
      reqId: request.id,
      ...extra,
    },
    'request',
  );
}

/**
 * The default request logger: pino lines on stdout (or `dest`), gathered in a 4 KiB buffer that
 * is written synchronously when full, every second, and when the server closes. A write per
 * line would cost a system call per request; a crash loses at most the last second of lines.
 */
export function defaultLogger(dest: number | string = 1): Logger {
  return pino(
    { level: 'info', redact: ['req.headers.authorization'] },
    pino.destination({ dest, sync: true, minLength: 4096, periodicFlush: 1000 }),
  );
}
