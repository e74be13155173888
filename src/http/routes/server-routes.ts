// The server's own routes, about no task: the dashboard page, health for load balancers, this
// OpenAPI document and the Prometheus metrics.

import { HttpError } from '../errors.js';
import { defineRoute } from '../route-types.js';
import { emptyQuerySchema } from '../schemas/query-schemas.js';
import { healthSchema, jsonValueSchema } from '../schemas/response-schemas.js';
import { error, QUERY_ERRORS, SHUTTING_DOWN } from './route-docs.js';

export const dashboardRoute = defineRoute({
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
});

export const healthRoute = defineRoute({
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
});

export const openApiRoute = defineRoute({
  method: 'GET',
  url: '/openapi.json',
  operationId: 'openapi',
  summary: 'This document.',
  auth: 'token',
  schemas: { querystring: emptyQuerySchema },
  responses: { 200: { description: 'OpenAPI 3.1 document', schema: jsonValueSchema }, ...QUERY_ERRORS },
  handler: async (_input, context) => ({ status: 200, body: context.openapi() }),
});

export const metricsRoute = defineRoute({
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
});
