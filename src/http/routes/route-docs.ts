// The documented answers of the route table, shared by its routes, and the request schemas
// whose JSON Schema needs a hint (json-schema-hints.ts) to say what validation accepts.

import { withJsonSchema } from '../json-schema-hints.js';
import type { ResponseDoc } from '../route-types.js';
import { submitBodySchema } from '../schemas/body-schemas.js';
import { listQuerySchema } from '../schemas/query-schemas.js';
import type { RequestLimits } from '../schemas/request-limits.js';
import { errorResponseSchema } from '../schemas/response-schemas.js';

export const error = (description: string): ResponseDoc => ({ description, schema: errorResponseSchema });

// Every status a route can answer is documented (test/http/openapi-fuzz.test.ts checks it).
/** Any route, even a public one, while the server closes. */
export const SHUTTING_DOWN = { 503: error('the server is shutting down; see retry-after') };
export const AUTH_ERRORS = {
  401: error('no token, or a token that is not valid'),
  403: error(
    'not allowed: an admin route without an admin token, or (without tokens) a Host other than 127.0.0.1 or localhost',
  ),
  429: error('too many requests for this token; see retry-after'),
  ...SHUTTING_DOWN,
};
/** A route whose query string is validated. */
export const QUERY_ERRORS = { ...AUTH_ERRORS, 400: error('invalid query string') };
export const TASK_ERRORS = {
  ...AUTH_ERRORS,
  400: error('invalid input'),
  404: error('no such task (or not yours)'),
};
/** A route that reads a JSON body. */
export const BODY_ERRORS = {
  400: error('invalid body or malformed JSON'),
  413: error('the body is too large'),
  415: error('body not sent as application/json'),
};

/** GET /tasks?limit: sent as text, validated as a whole number within the limit. */
export function listQuery(limits: RequestLimits) {
  const schema = listQuerySchema(limits);
  withJsonSchema(schema.shape.limit, {
    replaces: ['pattern'],
    type: 'integer',
    minimum: 1,
    maximum: limits.listMaxLimit,
    default: 20,
  });
  return schema;
}

/** POST /tasks: the refinement that a prompt or a plan is given, which JSON Schema cannot infer. */
export function submitBody(limits: RequestLimits) {
  return withJsonSchema(submitBodySchema(limits), {
    anyOf: [{ required: ['prompt'] }, { required: ['plan'] }],
  });
}
