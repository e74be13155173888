// The server-sent event streams: the caller's task list (GET /tasks/stream) and one task's
// events (GET /tasks/:id/events). Both hold one of the token's stream slots while open and
// write the hijacked response themselves.

import { HttpError } from '../errors.js';
import { logRequest } from '../request-log.js';
import { type AnyRoute, defineRoute, type RouteContext, type RouteOutcome } from '../route-types.js';
import { eventsHeadersSchema, eventsQuerySchema, taskIdParamsSchema } from '../schemas/query-schemas.js';
import type { RequestLimits } from '../schemas/request-limits.js';
import { SSE_HEADERS, streamEvents } from '../sse.js';
import type { StreamEnd } from '../stream-life.js';
import { acceptsEventStream, streamTaskList } from '../task-list-stream.js';
import { PAGE_READ_COST } from '../turn-budget.js';
import { error, listQuery, QUERY_ERRORS, TASK_ERRORS } from './route-docs.js';
import { assertVisible } from './task-access.js';

const TOO_MANY_STREAMS = error(
  'too many requests for this token (see retry-after), or too many open event streams: LIMIT_EXCEEDED naming max_streams_per_token or max_streams',
);

/** HEAD (added by Fastify for every GET) must not hold a stream open with no body. */
const HEAD_ANSWER: RouteOutcome = { status: 200, body: '', contentType: SSE_HEADERS['content-type'] };

/**
 * Runs `stream` on the hijacked response while holding a stream slot of the token. onResponse
 * only sees streams that ended cleanly, so one the client cut short is logged and counted here.
 */
async function holdStream(
  context: RouteContext,
  url: string,
  stream: () => Promise<StreamEnd>,
): Promise<RouteOutcome> {
  const release = context.streams.open(context.principal.id ?? 'local');
  context.reply.hijack();
  context.metrics.sseSubscribers.inc();
  let ending: StreamEnd = 'failed';
  try {
    ending = await stream();
  } finally {
    release();
    context.metrics.sseSubscribers.dec();
    if (ending === 'client-gone') {
      logRequest(context.request, 200, context.reply.elapsedTime, { closed_by_client: true });
      context.metrics.countRequest('GET', url, 200);
    }
  }
  return { streamed: true };
}

export function taskListStreamRoute(limits: RequestLimits): AnyRoute {
  return defineRoute({
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
      429: TOO_MANY_STREAMS,
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
      if (context.request.method === 'HEAD') return HEAD_ANSWER;
      return holdStream(context, '/tasks/stream', () =>
        streamTaskList({
          response: context.reply.raw,
          principal: context.principal,
          limit: query.limit ?? 20,
          listRecentTasks: (limit, owner) => context.backend.service.listRecentTasks(limit, owner),
          readTask: async (id) => (await context.taskCache.read(id))?.task,
          observeEvents,
          heartbeatMs: context.heartbeatMs,
          shutdown: context.shutdown,
          authorized: context.authorized,
          authCheckMs: context.authCheckMs,
          onError: (failure) => context.request.log.error({ err: failure }, 'task list stream failed'),
        }),
      );
    },
  });
}

export const taskEventsRoute = defineRoute({
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
    429: TOO_MANY_STREAMS,
  },
  handler: async ({ params, headers, query }, context) => {
    // The owner only: a record of thousands of subtasks is not read per subscriber.
    assertVisible(context, await context.backend.service.getTaskOwner(params.id));
    if (context.request.method === 'HEAD') return HEAD_ANSWER;
    const afterSeq = headers['last-event-id'] ?? query.last_event_id ?? 0;
    return holdStream(context, '/tasks/:id/events', () =>
      streamEvents({
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
      }),
    );
  },
});
