// Builds the Fastify server from the route table: auth and rate limit before the body is read,
// zod validation of every input, one error shape, request logs without tokens or prompts,
// metrics, and a shutdown that ends event streams and refuses new work.

import { setMaxListeners } from 'node:events';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { pino } from 'pino';
import { allowedMethods } from './allowed-methods.js';
import {
  ANONYMOUS_PRINCIPAL,
  Authenticator,
  LOCAL_PRINCIPAL,
  type Principal,
  SCRAPER_PRINCIPAL,
} from './auth.js';
import { clientErrorHandler } from './client-error.js';
import { closesConnection, connectionLimitsOf, fastifyConnectionOptions } from './connection-limits.js';
import { loadDashboardHtml } from './dashboard.js';
import { errorBody, HttpError, toErrorReply } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { DEFAULT_RATE_LIMIT, RateLimiter } from './rate-limit.js';
import { defaultLogger, logRequest } from './request-log.js';

export { defaultLogger };

import { answer, parseInput } from './route-io.js';
import type { AnyRoute, RouteContext } from './route-types.js';
import { routeTable } from './routes.js';
import { DEFAULT_LIMITS, type RequestLimits } from './schemas/request-limits.js';
import { scrapeTokenMatcher } from './scrape-token.js';
import { securityHeaderSetter } from './security-headers.js';
import { checkLimits, type ServerOptions } from './server-options.js';
import { DEFAULT_STREAM_CAPS, StreamGate } from './stream-gate.js';
import { TaskReadCache } from './task-read-cache.js';
import { REPLAY_BYTES_PER_TURN, TurnBudget } from './turn-budget.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The route-table URL that matched (e.g. /tasks/:id); null when none did. */
    routeUrl: string | null;
  }
}

function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':', 1)[0] ?? '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const answer = toErrorReply(error);
  if (answer.internal) request.log.error({ err: error, reqId: request.id }, 'request failed');
  // Refused before its body was read: hang up after the answer (Node then destroys the socket)
  // rather than read a body that a client could drip forever.
  if (closesConnection(answer.status)) reply.header('connection', 'close');
  reply
    .code(answer.status)
    .headers(answer.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(answer));
}

/** Builds the server (routes registered, not listening). Close it with `server.close()`. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);
  const connections = connectionLimitsOf(options.connections);
  const scrapeToken =
    options.metricsToken === undefined ? undefined : scrapeTokenMatcher(options.metricsToken);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (heartbeatMs >= connections.idleTimeoutMs) {
    throw new RangeError(
      `Expected heartbeatMs (${heartbeatMs}) below connections.idleTimeoutMs (${connections.idleTimeoutMs}): idle event streams would be cut`,
    );
  }
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
    ...(options.backend.observeEvents
      ? { observeEvents: options.backend.observeEvents.bind(options.backend) }
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
  const streams = new StreamGate({ ...DEFAULT_STREAM_CAPS, ...options.streamCaps });
  const authCheckMs = options.streamAuthCheckMs ?? 5000;
  const replayBudget = new TurnBudget(REPLAY_BYTES_PER_TURN);

  const setSecurityHeaders = securityHeaderSetter({ builtInDashboard: options.dashboardHtml === undefined });
  const fastify = Fastify({
    loggerInstance: logger,
    // Fastify's own request lines are off; onResponse writes one line without secrets.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: the lines written here carry reqId themselves.
    childLoggerFactory: (parent) => parent,
    bodyLimit: limits.bodyLimitBytes,
    ...fastifyConnectionOptions(connections),
    return503OnClosing: false,
    routerOptions: { maxParamLength: 300 },
    clientErrorHandler,
    frameworkErrors: (error, request, reply) => {
      setSecurityHeaders(reply.raw, '');
      sendError(request, reply, error);
    },
  }) as unknown as FastifyInstance;

  fastify.server.maxConnections = connections.maxConnections;
  fastify.decorateRequest('principal', null);
  fastify.decorateRequest('routeUrl', null);
  fastify.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  const allowOf = allowedMethods(routes);
  fastify.setNotFoundHandler((request, reply) => {
    const query = request.url.indexOf('?');
    const allow = allowOf(query < 0 ? request.url : request.url.slice(0, query));
    sendError(
      request,
      reply,
      allow === undefined
        ? new HttpError(404, 'NOT_FOUND', 'no such route')
        : new HttpError(405, 'METHOD_NOT_ALLOWED', `this path answers ${allow}`, { allow }),
    );
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const query = request.url.indexOf('?');
    setSecurityHeaders(reply.raw, query < 0 ? request.url : request.url.slice(0, query));
    done();
  });

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
      const decision = rateLimiter.take(principal.id ?? 'local');
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
    (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
      request.routeUrl = route.url;
      let loading: Promise<Principal> | undefined;
      try {
        if (shutdown.signal.aborted) {
          throw new HttpError(503, 'SHUTTING_DOWN', 'the server is shutting down', { 'retry-after': '5' });
        }
        if (route.scrapeToken && scrapeToken?.(request.headers.authorization)) {
          request.principal = SCRAPER_PRINCIPAL;
        } else if (route.auth !== 'public') {
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
          streams,
          authCheckMs,
          replayBudget,
          authorized: () =>
            authenticator.authenticate(request.headers.authorization).then(
              () => true,
              (error: unknown) => !(error instanceof HttpError && error.status === 401),
            ),
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
