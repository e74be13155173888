// A route's way in and out: its input parsed by its zod schemas (a 400 naming the place on
// failure), and its outcome turned into the reply's status, headers and body.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { validationError } from './errors.js';
import type { AnyRoute, RouteInput, RouteOutcome, RouteSchemas } from './route-types.js';

function parsePart(schema: z.ZodType | undefined, value: unknown, part: string): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(part, result.error);
  return result.data;
}

export function parseInput(route: AnyRoute, request: FastifyRequest): RouteInput<RouteSchemas> {
  const { schemas } = route;
  return {
    params: parsePart(schemas.params, request.params, 'params'),
    query: parsePart(schemas.querystring, request.query, 'query'),
    headers: parsePart(schemas.headers, request.headers, 'headers'),
    body: parsePart(schemas.body, request.body, 'body'),
  } as RouteInput<RouteSchemas>;
}

/** Sets the reply's status and headers; returns the body for Fastify to send (the reply itself when already streamed). */
export function answer(reply: FastifyReply, outcome: RouteOutcome): unknown {
  if ('streamed' in outcome) return reply;
  reply.code(outcome.status);
  if (outcome.headers) reply.headers(outcome.headers);
  if (outcome.contentType) reply.type(outcome.contentType);
  return outcome.body;
}
