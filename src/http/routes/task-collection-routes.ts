// /tasks as a collection: submit a task (a prompt or a ready plan, optionally for review) and
// list the recent ones the caller may see.

import type { TaskSettings } from '../../core/records.js';
import { listFilterOf, ownerOf } from '../auth.js';
import { type AnyRoute, defineRoute } from '../route-types.js';
import type { SubmitBody } from '../schemas/body-schemas.js';
import { submitQuerySchema } from '../schemas/query-schemas.js';
import { taskSummarySchema } from '../schemas/record-schemas.js';
import type { RequestLimits } from '../schemas/request-limits.js';
import { submitReceiptSchema } from '../schemas/response-schemas.js';
import { AUTH_ERRORS, BODY_ERRORS, error, listQuery, QUERY_ERRORS, submitBody } from './route-docs.js';

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

export function submitTaskRoute(limits: RequestLimits): AnyRoute {
  return defineRoute({
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
  });
}

export function listTasksRoute(limits: RequestLimits): AnyRoute {
  return defineRoute({
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
      body: await context.backend.service.listRecentTasks(query.limit ?? 20, listFilterOf(context.principal)),
    }),
  });
}
