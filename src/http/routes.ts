// The route table of SPEC §7: the single list from which the Fastify routes, the OpenAPI
// document and the auth test are all generated. Handlers only parse, call the TaskService
// (or the ledger views) and shape the answer; ownership is checked here.

import type { TaskSettings } from '../core/records.js';
import { canSee, listFilterOf, ownerOf } from './auth.js';
import { HttpError } from './errors.js';
import { logRequest } from './request-log.js';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  error,
  listQuery,
  QUERY_ERRORS,
  SHUTTING_DOWN,
  submitBody,
  TASK_ERRORS,
} from './route-docs.js';
import { type AnyRoute, defineRoute, type RouteContext, type RouteOutcome } from './route-types.js';
import {
  approveBodySchema,
  costsQuerySchema,
  DEFAULT_LIMITS,
  emptyBodySchema,
  emptyQuerySchema,
  eventsHeadersSchema,
  eventsQuerySchema,
  healthSchema,
  jsonValueSchema,
  type RequestLimits,
  retryBodySchema,
  retryReceiptSchema,
  type SubmitBody,
  submitQuerySchema,
  submitReceiptSchema,
  taskIdParamsSchema,
  taskSchema,
  taskSummarySchema,
} from './schemas.js';
import { SSE_HEADERS, type StreamEnd, streamEvents } from './sse.js';
import { acceptsEventStream, streamTaskList } from './task-list-stream.js';
import type { CachedTask } from './task-read-cache.js';
import { PAGE_READ_COST } from './turn-budget.js';

function notFound(): HttpError {
  return new HttpError(404, 'NOT_FOUND', 'no such task');
}

/** The task, if it exists and the principal may see it; 404 otherwise (never 403: no leak). */
async function visibleTask(context: RouteContext, taskId: string) {
  const task = await context.backend.service.getTaskProgress(taskId);
  if (task === undefined || !canSee(context.principal, task.owner)) throw notFound();
  return task;
}

function settingsFrom(options: SubmitBody['options']): Partial<TaskSettings> {
  const settings: Partial<TaskSettings> = {};
  if (options === undefined) return settings;
  if (options.concurrency !== undefined) settings.concurrency = options.concurrency;
  if (options.models !== undefined) settings.models = { ...options.models };
  if (options.timeout_ms !== undefined) settings.timeout_ms = options.timeout_ms;
  if (options.max_attempts !== undefined) settings.max_attempts = options.max_attempts;
  if (options.budget_usd !== undefined) settings.budget_usd = options.budget_usd;
  if (options.escalate !== undefined) settings.escalate = options.escalate;
  if (options.synthesis !== undefined) settings.synthesis = options.synthesis;
  if (options.synthesis_tier !== undefined) settings.synthesis_tier = options.synthesis_tier as 1 | 2 | 3;
  return settings;
}

function recordOutcome(context: RouteContext, cached: CachedTask | undefined): RouteOutcome {
  if (cached === undefined || !canSee(context.principal, cached.task.owner)) throw notFound();
  return { status: 200, body: cached.json, contentType: 'application/json; charset=utf-8' };
}

function taskRecordRoute(url: string, operationId: string, summary: string): AnyRoute {
  return defineRoute({
    method: 'GET',
    url,
    operationId,
    summary,
    auth: 'token',
    schemas: { params: taskIdParamsSchema, querystring: emptyQuerySchema },
    responses: { 200: { description: 'the task record', schema: taskSchema }, ...TASK_ERRORS },
    handler: ({ params }, context) => {
      // Polling a task is the API's hottest path: a record held in memory is answered at once.
      const hit = context.taskCache.peek(params.id);
      if (hit) return recordOutcome(context, hit);
      return context.taskCache.read(params.id).then((cached) => recordOutcome(context, cached));
    },
  });
}

/** The route table for the given request limits. */
export function routeTable(limits: RequestLimits): readonly AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      operationId: 'dashboard',
      summary: 'The dashboard page (an HTML shell; it asks for a token and then calls the API).',
      auth: 'public',
      schemas: {},
      responses: { 200: { description: 'HTML', contentType: 'text/html' }, ...SHUTTING_DOWN },
      handler: async (_input, context) => ({
        status: 200,
        body: context.dashboard(),
        contentType: 'text/html; charset=utf-8',
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      summary: 'Liveness for load balancers; open without a token and reveals nothing.',
      auth: 'public',
      schemas: {},
      responses: {
        200: { description: 'the server is up', schema: healthSchema },
        503: error('shutting down, or the task store cannot be written'),
      },
      handler: async (_input, context) => {
        const failure = await context.backend.checkReady?.().then(
          () => undefined,
          (error: unknown) => error,
        );
        // The cause (a path, an SQLite code) goes to the server's log, not to anonymous callers.
        if (failure !== undefined) {
          context.request.log.error({ err: failure }, 'readiness: the task store cannot be written');
          throw new HttpError(503, 'NOT_READY', 'the task store cannot be written', { 'retry-after': '5' });
        }
        return { status: 200, body: { status: 'ok', provider: context.backend.providerName } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This document.',
      auth: 'token',
      schemas: { querystring: emptyQuerySchema },
      responses: { 200: { description: 'OpenAPI 3.1 document', schema: jsonValueSchema }, ...QUERY_ERRORS },
      handler: async (_input, context) => ({ status: 200, body: context.openapi() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary:
        'Prometheus metrics: tasks and subtasks by status, provider calls, call latency, cost. Admin token, or the scrape token (SYMBIONT_METRICS_TOKEN).',
      auth: 'admin',
      scrapeToken: true,
      schemas: { querystring: emptyQuerySchema },
      responses: {
        200: { description: 'Prometheus text format', contentType: 'text/plain' },
        ...QUERY_ERRORS,
        403: error('neither an admin token nor the scrape token'),
      },
      handler: async (_input, context) => {
        const { contentType, text } = await context.metrics.render();
        return { status: 200, body: text, contentType };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/tasks',
      operationId: 'submitTask',
      summary:
        'Submit a prompt (planned by the model) or a ready plan. Answers once the task is planned, or at once with ?wait=false. With `review: true` the task is planned, routed and estimated, then waits in `awaiting_approval` (nothing but planning is spent) for POST /tasks/:id/approve.',
      auth: 'token',
      schemas: { querystring: submitQuerySchema, body: submitBody(limits) },
      responses: {
        202: {
          description: 'accepted; running (status `awaiting_approval` with `review: true`)',
          schema: submitReceiptSchema,
        },
        ...AUTH_ERRORS,
        ...BODY_ERRORS,
        413: error(`body over ${limits.bodyLimitBytes} bytes`),
        403: error(
          "not allowed by the operator's limits (NOT_ALLOWED naming max_budget_usd, max_attempts, max_timeout_ms, max_plan_subtasks or allowed_models), or (without tokens) a Host other than 127.0.0.1 or localhost",
        ),
        409: error('the server no longer takes tasks (shutting down)'),
        422: error('the plan is not valid (a dependency cycle, an empty plan)'),
        429: error(
          'too many requests for this token (see retry-after), or an operator limit reached: LIMIT_EXCEEDED naming daily_spend_usd_per_token, max_unfinished_tasks(_per_token) or max_queued_subtasks(_per_token)',
        ),
      },
      handler: async ({ query, body }, context) => {
        const receipt = await context.backend.service.submitTask({
          ...(body.prompt !== undefined ? { prompt: body.prompt } : {}),
          ...(body.plan !== undefined ? { plan: body.plan } : {}),
          owner: ownerOf(context.principal),
          settings: settingsFrom(body.options),
          waitFor: query.wait === 'false' ? 'created' : 'planned',
          ...(body.review === true ? { review: true } : {}),
        });
        return { status: 202, body: receipt, headers: { location: `/tasks/${receipt.id}` } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/tasks',
      operationId: 'listTasks',
      summary: "Recent-task summaries, newest first: the caller's own, or everyone's for an admin.",
      auth: 'token',
      schemas: { querystring: listQuery(limits) },
      responses: {
        200: { description: 'summaries', schema: taskSummarySchema.array() },
        ...QUERY_ERRORS,
        400: error('invalid limit'),
      },
      handler: async ({ query }, context) => ({
        status: 200,
        body: await context.backend.service.listRecentTasks(
          query.limit ?? 20,
          listFilterOf(context.principal),
        ),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/tasks/stream',
      operationId: 'taskListEvents',
      summary:
        "Server-sent events of the caller's task list (an admin's: everyone's): `snapshot` (data: {tasks: summaries}, as GET /tasks), then `task` (data: a summary) whenever a task's status, counts or cost change. It never ends by itself, so it needs `Accept: text/event-stream` (as EventSource sends). No replay: a reconnect gets a new snapshot.",
      auth: 'token',
      schemas: { querystring: listQuery(limits) },
      responses: {
        200: { description: 'text/event-stream', contentType: 'text/event-stream' },
        ...QUERY_ERRORS,
        400: error('invalid limit'),
        406: error('the request does not accept text/event-stream'),
        429: error(
          'too many requests for this token (see retry-after), or too many open event streams: LIMIT_EXCEEDED naming max_streams_per_token or max_streams',
        ),
        503: error('shutting down, or this server cannot follow its tasks live'),
      },
      handler: async ({ query }, context) => {
        const observeEvents = context.backend.observeEvents?.bind(context.backend);
        if (observeEvents === undefined) {
          throw new HttpError(503, 'UNAVAILABLE', 'this server does not publish task events');
        }
        // An answer that never ends only for a client that asked for a stream: a plain read
        // (curl without -H, fetch().text()) would otherwise wait forever.
        if (!acceptsEventStream(context.request.headers.accept)) {
          throw new HttpError(406, 'NOT_ACCEPTABLE', 'this route streams: send Accept: text/event-stream');
        }
        if (context.request.method === 'HEAD')
          return { status: 200, body: '', contentType: SSE_HEADERS['content-type'] };
        const release = context.streams.open(context.principal.id ?? 'local');
        context.reply.hijack();
        context.metrics.sseSubscribers.inc();
        try {
          const ending = await streamTaskList({
            response: context.reply.raw,
            principal: context.principal,
            limit: query.limit ?? 20,
            listRecentTasks: (limit, owner) => context.backend.service.listRecentTasks(limit, owner),
            readTask: async (id) => (await context.taskCache.read(id))?.task,
            observeEvents,
            heartbeatMs: context.heartbeatMs,
            shutdown: context.shutdown,
            onError: (failure) => context.request.log.error({ err: failure }, 'task list stream failed'),
          });
          if (ending === 'client-gone') {
            logRequest(context.request, 200, context.reply.elapsedTime, { closed_by_client: true });
            context.metrics.countRequest('GET', '/tasks/stream', 200);
          }
        } finally {
          release();
          context.metrics.sseSubscribers.dec();
        }
        return { streamed: true };
      },
    }),
    taskRecordRoute('/tasks/:id', 'getTask', 'The task record (SPEC §4).'),
    taskRecordRoute(
      '/task/:id/progress',
      'getTaskProgress',
      "The original's route: the same body as GET /tasks/:id.",
    ),
    defineRoute({
      method: 'GET',
      url: '/tasks/:id/events',
      operationId: 'taskEvents',
      summary:
        'Server-sent events of the task (id: seq, event: type, data: the event as JSON), from after Last-Event-ID; ends after task.finished.',
      auth: 'token',
      schemas: { params: taskIdParamsSchema, headers: eventsHeadersSchema, querystring: eventsQuerySchema },
      responses: {
        200: { description: 'text/event-stream', contentType: 'text/event-stream' },
        ...TASK_ERRORS,
        429: error(
          'too many requests for this token (see retry-after), or too many open event streams: LIMIT_EXCEEDED naming max_streams_per_token or max_streams',
        ),
      },
      handler: async ({ params, headers, query }, context) => {
        // The owner only: a record of thousands of subtasks is not read per subscriber.
        const owner = await context.backend.service.getTaskOwner(params.id);
        if (owner === undefined || !canSee(context.principal, owner)) throw notFound();
        // HEAD (added by Fastify for every GET) must not hold a stream open with no body.
        if (context.request.method === 'HEAD')
          return { status: 200, body: '', contentType: SSE_HEADERS['content-type'] };
        const afterSeq = headers['last-event-id'] ?? query.last_event_id ?? 0;
        const release = context.streams.open(context.principal.id ?? 'local');
        context.reply.hijack();
        context.metrics.sseSubscribers.inc();
        let ending: StreamEnd = 'failed';
        try {
          ending = await streamEvents({
            response: context.reply.raw,
            events: (signal) =>
              context.backend.service.events(params.id, {
                afterSeq,
                signal,
                beforePage: () => context.replayBudget.charge(PAGE_READ_COST),
              }),
            budget: context.replayBudget,
            heartbeatMs: context.heartbeatMs,
            shutdown: context.shutdown,
            authorized: context.authorized,
            authCheckMs: context.authCheckMs,
            onError: (failure) => context.request.log.error({ err: failure }, 'event stream failed'),
          });
        } finally {
          release();
          context.metrics.sseSubscribers.dec();
          // onResponse only sees streams that ended cleanly; log those the client cut short.
          if (ending === 'client-gone') {
            logRequest(context.request, 200, context.reply.elapsedTime, { closed_by_client: true });
            context.metrics.countRequest('GET', '/tasks/:id/events', 200);
          }
        }
        return { streamed: true };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/tasks/:id/cancel',
      operationId: 'cancelTask',
      summary: 'Cancel a task: running calls stop, unstarted subtasks become cancelled. Answers the record.',
      auth: 'token',
      schemas: { params: taskIdParamsSchema, querystring: emptyQuerySchema, body: emptyBodySchema },
      responses: {
        200: { description: 'the task record after cancelling', schema: taskSchema },
        ...TASK_ERRORS,
        ...BODY_ERRORS,
        404: error('no such task (or not yours)'),
        409: error('the task is run by another process that has not answered'),
      },
      handler: async ({ params }, context) => {
        await visibleTask(context, params.id);
        const task = await context.backend.service.cancelTask(params.id);
        if (task === undefined) throw notFound();
        return { status: 200, body: task };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/tasks/:id/retry',
      operationId: 'retryTask',
      summary:
        'Run a finished task again: its failed, skipped and cancelled subtasks (or the named ones with their dependents), keeping completed results. A new answer follows.',
      auth: 'token',
      schemas: { params: taskIdParamsSchema, querystring: emptyQuerySchema, body: retryBodySchema(limits) },
      responses: {
        202: { description: 'the retry is stored and the task runs again', schema: retryReceiptSchema },
        ...TASK_ERRORS,
        ...BODY_ERRORS,
        404: error('no such task (or not yours)'),
        409: error('the task has not finished, or has nothing to retry'),
      },
      handler: async ({ params, body }, context) => {
        await visibleTask(context, params.id);
        const receipt = await context.backend.service.retryTask(params.id, body?.subtasks ?? []);
        // The finished record a reader may hold is no longer current.
        context.taskCache.forget(params.id);
        return {
          status: 202,
          body: { id: receipt.id, status: receipt.status, retried: receipt.retried },
          headers: { location: `/tasks/${receipt.id}` },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/tasks/:id/approve',
      operationId: 'approveTask',
      summary:
        'Run a task awaiting approval (submitted with `review: true`), as reviewed or with an edited `plan` (validated as POST /tasks validates one, then estimated again). The approving server takes the task and runs it. Reject a task with POST /tasks/:id/cancel.',
      auth: 'token',
      schemas: { params: taskIdParamsSchema, querystring: emptyQuerySchema, body: approveBodySchema(limits) },
      responses: {
        202: { description: 'approved; running', schema: submitReceiptSchema },
        ...TASK_ERRORS,
        409: error('the task is not awaiting approval (its status is named)'),
        413: error(`body over ${limits.bodyLimitBytes} bytes`),
        415: error('body not sent as application/json'),
        422: error('the edited plan is not valid (named: a tier, a dependency, a cycle, an empty plan)'),
      },
      handler: async ({ params, body }, context) => {
        await visibleTask(context, params.id);
        const receipt = await context.backend.service.approveTask(
          params.id,
          body?.plan === undefined ? {} : { plan: body.plan },
        );
        return { status: 202, body: receipt, headers: { location: `/tasks/${receipt.id}` } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/ledger/verify',
      operationId: 'verifyLedger',
      summary: "Checks the ledger's hash chain; names the first line that breaks it. Admin only.",
      auth: 'admin',
      schemas: { querystring: emptyQuerySchema },
      responses: {
        200: { description: 'the verification report', schema: jsonValueSchema },
        ...QUERY_ERRORS,
        403: error('not an admin token'),
      },
      handler: async (_input, context) => ({ status: 200, body: await context.backend.verifyLedger() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/costs',
      operationId: 'costReport',
      summary: 'Cost from the ledger by model, day or task. Admin only.',
      auth: 'admin',
      schemas: { querystring: costsQuerySchema },
      responses: {
        200: { description: 'the cost report', schema: jsonValueSchema },
        ...QUERY_ERRORS,
        400: error('invalid `by`'),
        403: error('not an admin token'),
      },
      handler: async ({ query }, context) => ({
        status: 200,
        body: await context.backend.costReport(query.by),
      }),
    }),
  ];
}

/** The route table with the default limits: what the server serves unless configured otherwise. */
export const ROUTES: readonly AnyRoute[] = routeTable(DEFAULT_LIMITS);
