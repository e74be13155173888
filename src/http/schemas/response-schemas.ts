// The other answers' schemas: the one error body, the receipts of submit and retry, the
// health answer, and "any JSON" for the reports whose shape lives elsewhere (ledger, costs,
// this document).

import { z } from 'zod';
import { TASK_STATUSES } from '../../core/records.js';
import { named } from './schema-registry.js';

export const errorResponseSchema = named(
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      limit: z
        .object({ name: z.string(), value: z.unknown() })
        .optional()
        .describe(
          'the operator limit or server cap that refused the request (403 NOT_ALLOWED, 429 LIMIT_EXCEEDED)',
        ),
    }),
  }),
  'Error',
  'Every error: a stable code and a human message; a refusal by a limit names it.',
);

export const submitReceiptSchema = named(
  z.object({ id: z.string(), status: z.enum(TASK_STATUSES), subtask_count: z.number().int() }),
  'SubmitReceipt',
  'What POST /tasks answers.',
);

export const retryReceiptSchema = named(
  z.object({
    id: z.string(),
    status: z.enum(TASK_STATUSES),
    retried: z.array(z.number().int()).describe('the subtasks that run again'),
  }),
  'RetryReceipt',
  'What POST /tasks/:id/retry answers: the retry is stored and the task runs again.',
);

export const healthSchema = z.object({ status: z.literal('ok'), provider: z.string() });
export const jsonValueSchema = z.unknown();
