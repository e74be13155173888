// One log line per request, without secrets: method, path (no query string, token-like text
// redacted), route, status, duration and the caller's token name. Never headers or bodies.

import type { FastifyRequest } from 'fastify';

const TOKEN_LIKE = /symb_[A-Za-z0-9_-]+/g;

/** The path of a request as logged: no query string, no token-like text, at most 200 characters. */
export function loggablePath(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  return path.replace(TOKEN_LIKE, 'symb_[redacted]').slice(0, 200);
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
      route: request.routeOptions.url ?? 'unmatched',
      status,
      ms: Math.round(elapsedMs),
      caller: request.principal?.name ?? null,
      ...extra,
    },
    'request',
  );
}
