// The schemas of what a request says outside its body: the task id in the path, the query
// strings and the Last-Event-ID header. Strict: an unknown query parameter is a 400. Numbers
// arrive as text and are read as whole numbers.

import { z } from 'zod';
import type { RequestLimits } from './request-limits.js';

export const taskIdParamsSchema = z.strictObject({ id: z.string().min(1).max(200) });

const positiveIntegerText = z.string().regex(/^[0-9]{1,9}$/, 'expected a whole number');

export function listQuerySchema(limits: RequestLimits) {
  return z.strictObject({
    limit: positiveIntegerText
      .transform(Number)
      .pipe(z.number().int().min(1).max(limits.listMaxLimit))
      .optional()
      .describe(`how many tasks, 1..${limits.listMaxLimit}, default 20`),
  });
}

export const submitQuerySchema = z.strictObject({
  wait: z
    .enum(['true', 'false'])
    .optional()
    .describe('false: answer at once with status `planning`; default true: once the task is planned'),
});

export const costsQuerySchema = z.strictObject({ by: z.enum(['model', 'day', 'task']).default('model') });

export const emptyQuerySchema = z.strictObject({});

export const eventsHeadersSchema = z.looseObject({
  'last-event-id': positiveIntegerText
    .transform(Number)
    .optional()
    .describe('resume after this event seq (the `id:` of the last event received)'),
});

export const eventsQuerySchema = z.strictObject({
  last_event_id: positiveIntegerText
    .transform(Number)
    .optional()
    .describe('the same as the Last-Event-ID header, for clients that cannot set headers'),
});
