// The ledger's admin views: the hash-chain check and the cost report.

import { defineRoute } from '../route-types.js';
import { costsQuerySchema, emptyQuerySchema } from '../schemas/query-schemas.js';
import { jsonValueSchema } from '../schemas/response-schemas.js';
import { error, QUERY_ERRORS } from './route-docs.js';

export const verifyLedgerRoute = defineRoute({
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
});

export const costReportRoute = defineRoute({
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
});
