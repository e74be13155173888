// What a caller does to one task: cancel it, retry what failed, approve one awaiting review.
// Each checks first that the caller may see the task (404 otherwise).

import { type AnyRoute, defineRoute } from '../route-types.js';
import { approveBodySchema, emptyBodySchema, retryBodySchema } from '../schemas/body-schemas.js';
import { emptyQuerySchema, taskIdParamsSchema } from '../schemas/query-schemas.js';
import { taskSchema } from '../schemas/record-schemas.js';
import type { RequestLimits } from '../schemas/request-limits.js';
import { retryReceiptSchema, submitReceiptSchema } from '../schemas/response-schemas.js';
import { BODY_ERRORS, error, TASK_ERRORS } from './route-docs.js';
import { notFound, visibleTask } from './task-access.js';

export const cancelTaskRoute = defineRoute({
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
});

export function retryTaskRoute(limits: RequestLimits): AnyRoute {
  return defineRoute({
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
  });
}

export function approveTaskRoute(limits: RequestLimits): AnyRoute {
  return defineRoute({
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
  });
}
