// Builds the Fastify server from the route table: auth and rate limit before the body is read,
// zod validation of every input, one error shape, request logs without tokens or prompts,
// metrics, and a shutdown that ends event streams and refuses new work.

import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type Logger, pino } from 'pino';
import type { z } from 'zod';
import type { TokenStore } from '../ports/token-store.js';
import { ANONYMOUS_PRINCIPAL, Authenticator, LOCAL_PRINCIPAL, type Principal } from './auth.js';
import { loadDashboardHtml } from './dashboard.js';
import { errorBody, HttpError, toErrorReply, validationError } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { logRequest } from './request-log.js';
import type {
  AnyRoute,
  RouteContext,
  RouteInput,
  RouteOutcome,
  RouteSchemas,
  ServerBackend,
} from './route-types.js';
import { routeTable } from './routes.js';
import { DEFAULT_LIMITS, type RequestLimits } from './schemas.js';
import { TaskReadCache, type TaskReadCacheOptions } from './task-read-cache.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The route-table URL that matched (e.g. /tasks/:id); null when none did. */
    routeUrl: string | null;
  }
}

export interface ServerOptions {
  /** The engine and the ledger views to serve (an App from src/app/compose.ts fits). */
  backend: ServerBackend;
  /** Where the bearer tokens' digests are kept. */
  tokens: TokenStore;
  /**
   * Serve without a token while the token store is empty (local single-user mode). Only safe
   * when bound to loopback; startServer sets it from the host. Default false.
   */
  allowAnonymous?: boolean;
  /** Request caps; defaults in DEFAULT_LIMITS (100,000-character prompt, 500 subtasks, 1 MiB body). */
  limits?: Partial<RequestLimits>;
  /** Per-token token bucket, or false for none. Default 100 at once, 20 per second. */
  rateLimit?: RateLimitOptions | false;
  /** Milliseconds between SSE heartbeat comments. Default 15,000. */
  heartbeatMs?: number;
  /** Milliseconds a read of the token store is reused. Default 1,000. */
  tokenCacheMs?: number;
  /** Request and error logs. Default: pino at info on stdout; false for none. */
  logger?: Logger | false;
  /** The page at GET /. Default: loadDashboardHtml(). */
  dashboardHtml?: () => string;
  /** How many recent tasks the /metrics status gauges cover. Default 10,000. */
  metricsTaskWindow?: number;
  /** The in-memory read side of GET /tasks/:id (see task-read-cache.ts). */
  taskCache?: TaskReadCacheOptions;
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

function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':', 1)[0] ?? '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function parsePart(schema: z.ZodType | undefined, value: unknown, part: string): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(part, result.error);
  return result.data;
}

function parseInput(route: AnyRoute, request: FastifyRequest): RouteInput<RouteSchemas> {
  const { schemas } = route;
  return {
    params: parsePart(schemas.params, request.params, 'params'),
    query: parsePart(schemas.querystring, request.query, 'query'),
    headers: parsePart(schemas.headers, request.headers, 'headers'),
    body: parsePart(schemas.body, request.body, 'body'),
  } as RouteInput<RouteSchemas>;
}

/** Sets the reply's status and headers; returns the body for Fastify to send (the reply itself when already streamed). */
function answer(reply: FastifyReply, outcome: RouteOutcome): unknown {
  if ('streamed' in outcome) return reply;
  reply.code(outcome.status);
  if (outcome.headers) reply.headers(outcome.headers);
  if (outcome.contentType) reply.type(outcome.contentType);
  return outcome.body;
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const answer = toErrorReply(error);
  if (answer.internal) request.log.error({ err: error, reqId: request.id }, 'request failed');
  reply
    .code(answer.status)
    .headers(answer.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(answer));
}

/** Malformed HTTP (before Fastify sees a request): answer in the API's error shape and hang up. */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'REQUEST_TIMEOUT']
        : [400, 'Bad Request', 'BAD_REQUEST'];
  const body = JSON.stringify(errorBody({ code, message: 'the HTTP request is malformed' }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function checkLimits(limits: RequestLimits): void {
  for (const [field, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Expected limits.${field} to be a whole number from 1 and up, got \`${value}\``);
    }
  }
}

/** Builds the server (routes registered, not listening). Close it with `server.close()`. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const logger = options.logger === false ? pino({ level: 'silent' }) : (options.logger ?? defaultLogger());
  const routes = routeTable(limits);
  const authenticator = new Authenticator({
    tokens: options.tokens,
    allowAnonymous: options.allowAnonymous ?? false,
    ...(options.tokenCacheMs !== undefined ? { cacheMs: options.tokenCacheMs } : {}),
  });
  const rateLimiter =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const metrics = new ServerMetrics({
    service: options.backend.service,
    ...(options.backend.observeCalls
      ? { observeCalls: options.backend.observeCalls.bind(options.backend) }
      : {}),
    ...(options.metricsTaskWindow !== undefined ? { taskWindow: options.metricsTaskWindow } : {}),
  });
  const dashboard = options.dashboardHtml ?? (() => loadDashboardHtml());
  let openapi: unknown;
  const openapiDocument = () => {
    openapi ??= buildOpenApiDocument(routes, {
      title: 'symbiont',
      version: '0.1.0',
      description:
        'Compound task manager for LLM work: plan a prompt into subtasks, run them, ledger every call.',
    });
    return openapi;
  };
  const shutdown = new AbortController();
  // Every open event stream listens for shutdown: thousands of listeners are expected.
  setMaxListeners(0, shutdown.signal);
  const taskCache = new TaskReadCache(options.backend.service, options.taskCache);

  const fastify = Fastify({
    loggerInstance: logger,
    // Fastify's own request lines are off; onResponse writes one line without secrets.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: the lines written here carry reqId themselves.
    childLoggerFactory: (parent) => parent,
    bodyLimit: limits.bodyLimitBytes,
    return503OnClosing: false,
    routerOptions: { maxParamLength: 300 },
    clientErrorHandler,
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  }) as unknown as FastifyInstance;

  fastify.decorateRequest('principal', null);
  fastify.decorateRequest('routeUrl', null);
  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  fastify.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new HttpError(404, 'NOT_FOUND', 'no such route')),
  );

  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.countRequest(request.method, request.routeUrl ?? 'unmatched', reply.statusCode);
    logRequest(request, reply.statusCode, reply.elapsedTime);
    done();
  });
  fastify.addHook('preClose', async () => {
    shutdown.abort();
  });
  fastify.addHook('onClose', async () => {
    taskCache.close();
    metrics.close();
    logger.flush();
  });

  /** Lets the principal in (route and rate limit permitting) or throws the HttpError that refuses it. */
  const admit = (route: AnyRoute, request: FastifyRequest, principal: Principal): void => {
    if (principal === LOCAL_PRINCIPAL && !isLocalHostHeader(request.headers.host)) {
      // Local mode trusts loopback; a foreign Host header means DNS rebinding from a browser.
      throw new HttpError(
        403,
        'FORBIDDEN',
        'without tokens the API answers only requests for 127.0.0.1 or localhost',
      );
    }
    if (route.auth === 'admin' && !principal.admin) {
      throw new HttpError(403, 'FORBIDDEN', 'this route needs an admin token');
    }
    request.principal = principal;
    if (rateLimiter) {
      const decision = rateLimiter.take(principal.name ?? 'local');
      if (!decision.allowed) {
        throw new HttpError(429, 'RATE_LIMITED', 'too many requests; slow down', {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
    }
  };

  /**
   * Runs before the body is read: refuses work while closing, then authenticates and
   * rate-limits. Synchronous while the token snapshot is fresh (the common case); it waits for
   * the token store only when that must be read again.
   */
  const guard =
    (route: AnyRoute) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      request.routeUrl = route.url;
      let loading: Promise<Principal> | undefined;
      try {
        if (shutdown.signal.aborted) {
          reply.header('connection', 'close');
          throw new HttpError(503, 'SHUTTING_DOWN', 'the server is shutting down', { 'retry-after': '5' });
        }
        if (route.auth !== 'public') {
          const principal = authenticator.authenticateNow(request.headers.authorization);
          if (principal === undefined) loading = authenticator.authenticate(request.headers.authorization);
          else admit(route, request, principal);
        }
      } catch (error) {
        done(error as Error);
        return;
      }
      if (loading === undefined) {
        done();
        return;
      }
      loading.then((principal) => admit(route, request, principal)).then(() => done(), done);
    };

  for (const route of routes) {
    fastify.route({
      method: route.method,
      url: route.url,
      onRequest: guard(route),
      handler: (request, reply) => {
        const context: RouteContext = {
          principal: request.principal ?? ANONYMOUS_PRINCIPAL,
          backend: options.backend,
          metrics,
          request,
          reply,
          openapi: openapiDocument,
          dashboard,
          heartbeatMs,
          shutdown: shutdown.signal,
          taskCache,
        };
        const outcome = route.handler(parseInput(route, request), context);
        return outcome instanceof Promise
          ? outcome.then((settled) => answer(reply, settled))
          : answer(reply, outcome);
      },
    });
  }
  return fastify;
}
