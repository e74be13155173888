// The route table of SPEC §7: the single list from which the Fastify routes, the OpenAPI
// document and the auth test are all generated, in the order /openapi.json lists them. The
// routes themselves live in routes/, one file per resource; their handlers only parse, call the
// TaskService (or the ledger views) and shape the answer, and check ownership there.

import type { AnyRoute } from './route-types.js';
import { costReportRoute, verifyLedgerRoute } from './routes/ledger-routes.js';
import { dashboardRoute, healthRoute, metricsRoute, openApiRoute } from './routes/server-routes.js';
import { approveTaskRoute, cancelTaskRoute, retryTaskRoute } from './routes/task-action-routes.js';
import { listTasksRoute, submitTaskRoute } from './routes/task-collection-routes.js';
import { getTaskProgressRoute, getTaskRoute } from './routes/task-record-routes.js';
import { taskEventsRoute, taskListStreamRoute } from './routes/task-stream-routes.js';
import { DEFAULT_LIMITS, type RequestLimits } from './schemas/request-limits.js';

/** The route table for the given request limits. */
export function routeTable(limits: RequestLimits): readonly AnyRoute[] {
  return [
    dashboardRoute,
    healthRoute,
    openApiRoute,
    metricsRoute,
    submitTaskRoute(limits),
    listTasksRoute(limits),
    taskListStreamRoute(limits),
    getTaskRoute,
    getTaskProgressRoute,
    taskEventsRoute,
    cancelTaskRoute,
    retryTaskRoute(limits),
    approveTaskRoute(limits),
    verifyLedgerRoute,
    costReportRoute,
  ];
}

/** The route table with the default limits: what the server serves unless configured otherwise. */
export const ROUTES: readonly AnyRoute[] = routeTable(DEFAULT_LIMITS);
