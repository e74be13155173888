// One task's record: GET /tasks/:id and the original's GET /task/:id/progress, the same body.
// The API's hottest path (clients poll it), so a record held in memory is answered at once.

import { type AnyRoute, defineRoute, type RouteContext, type RouteOutcome } from '../route-types.js';
import { emptyQuerySchema, taskIdParamsSchema } from '../schemas/query-schemas.js';
import { taskSchema } from '../schemas/record-schemas.js';
import type { CachedTask } from '../task-read-cache.js';
import { TASK_ERRORS } from './route-docs.js';
import { assertVisible, notFound } from './task-access.js';

function recordOutcome(context: RouteContext, cached: CachedTask | undefined): RouteOutcome {
  if (cached === undefined) throw notFound();
  assertVisible(context, cached.task.owner);
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
      const hit = context.taskCache.peek(params.id);
      if (hit) return recordOutcome(context, hit);
      return context.taskCache.read(params.id).then((cached) => recordOutcome(context, cached));
    },
  });
}

export const getTaskRoute = taskRecordRoute('/tasks/:id', 'getTask', 'The task record (SPEC §4).');

export const getTaskProgressRoute = taskRecordRoute(
  '/task/:id/progress',
  'getTaskProgress',
  "The original's route: the same body as GET /tasks/:id.",
);
