// The API's zod schemas: they validate requests (strict: unknown fields are rejected) and
// describe responses, and openapi.ts turns the very same objects into /openapi.json. The plan
// in a request is core's plan schema (core/plan-schema.ts, the one `run --plan` reads) with
// the request caps; option bounds are core's (core/task-settings.ts); the record schemas are
// tied to core's record types by a compile-time check at the end of this file.

import { z } from 'zod';
import { planSchemaWith } from '../core/plan-schema.js';
import {
  SUBTASK_STATUSES,
  type Subtask,
  TASK_STATUSES,
  type Task,
  type TaskSettings,
  type TaskSummary,
} from '../core/records.js';
import { type BoundedSetting, SETTING_BOUNDS } from '../core/task-settings.js';

/** Components of /openapi.json: schemas registered here are referenced, not inlined. */
export const schemaRegistry = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(schema: T, id: string, description: string): T {
  schemaRegistry.add(schema, { id, description });
  return schema;
}

export interface RequestLimits {
  /** Characters allowed in a prompt (and in a plan's prompt and each description). Default 100,000. */
  promptMaxChars: number;
  /** Subtasks allowed in a plan. Default 500. */
  planMaxSubtasks: number;
  /** Bytes allowed in a request body; more gets 413. Default 1 MiB. */
  bodyLimitBytes: number;
  /** Largest `limit` of GET /tasks. Default 200. */
  listMaxLimit: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  promptMaxChars: 100_000,
  planMaxSubtasks: 500,
  bodyLimitBytes: 1024 * 1024,
  listMaxLimit: 200,
};

// ---- responses -------------------------------------------------------------------------------

const isoTime = z.string().describe('ISO 8601 UTC');
const tier = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const costEstimateSchema = named(
  z
    .object({
      low_usd: z.number().describe('USD: the prompt as planned and a short answer, no retry'),
      high_usd: z
        .number()
        .describe(
          'USD: what the budget reserves for one attempt (full dependency context, full output limit)',
        ),
    })
    .readonly(),
  'CostEstimate',
  'A review estimate in USD (SPEC §11; docs/decisions/review-estimate.md): high_usd is what the budget reserves for one attempt (full dependency context, full output limit); low_usd assumes short answers. On a task: the plan in total, synthesis included, planning excluded; null unless submitted for review.',
);

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

export const subtaskSchema = named(
  z.object({
    id: z.string(),
    index: z.number().int(),
    description: z.string(),
    tier_hint: tier,
    tier_assigned: tier.nullable(),
    model: z.string().nullable(),
    depends_on: z.array(z.number().int()).readonly(),
    status: z.enum(SUBTASK_STATUSES),
    result: z.string().nullable(),
    error: z.string().nullable(),
    cost: z.number().nullable(),
    input_tokens: z.number().int().nullable(),
    output_tokens: z.number().int().nullable(),
    attempts: z.number().int(),
    started_at: isoTime.nullable(),
    completed_at: isoTime.nullable(),
    estimate: costEstimateSchema.nullable().describe('one attempt of this subtask; null unless reviewed'),
  }),
  'Subtask',
  'One subtask (SPEC §4).',
);

export const taskSettingsSchema = named(
  z.object({
    provider: z.string(),
    concurrency: z.number().int(),
    timeout_ms: z.number().int(),
    max_attempts: z.number().int(),
    context_chars: z.number().int(),
    result_cap: z.number().int(),
    budget_usd: z.number().nullable(),
    escalate: z.boolean(),
    models: z.object({ 1: z.string().optional(), 2: z.string().optional(), 3: z.string().optional() }),
    synthesis: z
      .boolean()
      .optional()
      .describe('whether several final steps get one call that writes the answer'),
    synthesis_tier: tier.optional().describe('the tier of that call (default 2)'),
  }),
  'TaskSettings',
  'The settings a task runs with.',
);

export const taskSchema = named(
  z.object({
    id: z.string().describe('"compound-" + UUID'),
    prompt: z.string(),
    status: z.enum(TASK_STATUSES),
    reasoning: z.string().nullable(),
    error: z.string().nullable(),
    subtasks: z.array(subtaskSchema),
    created_at: isoTime,
    planned_at: isoTime.nullable(),
    completed_at: isoTime.nullable(),
    total_cost: z.number().describe('USD, planning and synthesis included'),
    owner: z.string().nullable(),
    warnings: z.array(z.string()),
    settings: taskSettingsSchema,
    answer: z.string().nullable().describe("the task's answer to its prompt (SPEC §10); null until written"),
    estimate: costEstimateSchema
      .nullable()
      .describe('the plan in total (synthesis included); null unless submitted for review'),
  }),
  'Task',
  'A compound task record (SPEC §4): the original fields plus error, owner, warnings, settings, answer, estimate.',
);

export const taskSummarySchema = named(
  z.object({
    id: z.string(),
    prompt: z.string().describe('first 100 characters'),
    status: z.enum(TASK_STATUSES),
    subtask_count: z.number().int(),
    completed_count: z.number().int(),
    total_cost: z.number(),
    created_at: isoTime,
    completed_at: isoTime.nullable(),
  }),
  'TaskSummary',
  'A recent-task summary (SPEC §4).',
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

// ---- requests --------------------------------------------------------------------------------

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

const modelName = z.string().min(1).max(200);

/** A numeric setting within its core bounds. */
function bounded(setting: BoundedSetting) {
  const bound = SETTING_BOUNDS[setting];
  return (bound.integer ? z.number().int() : z.number()).min(bound.min).max(bound.max);
}

export const submitOptionsSchema = z
  .strictObject({
    concurrency: bounded('concurrency').optional().describe('subtasks of this task at once'),
    models: z
      .strictObject({ 1: modelName.optional(), 2: modelName.optional(), 3: modelName.optional() })
      .optional()
      .describe('tier to the provider\'s model name, e.g. {"1": "haiku"}'),
    timeout_ms: bounded('timeout_ms').optional(),
    max_attempts: bounded('max_attempts').optional(),
    budget_usd: bounded('budget_usd').nullable().optional(),
    escalate: z.boolean().optional(),
    synthesis: z
      .boolean()
      .optional()
      .describe('false: no call writes one answer from several final steps; their results are joined'),
    synthesis_tier: z.number().int().min(1).max(3).optional().describe('the tier of that call (default 2)'),
  })
  .describe('Overrides of the server default settings for this task.');

export function submitBodySchema(limits: RequestLimits) {
  const plan = planSchemaWith({ maxSubtasks: limits.planMaxSubtasks, maxChars: limits.promptMaxChars });
  return z
    .strictObject({
      prompt: z
        .string()
        .min(1)
        .max(limits.promptMaxChars)
        .optional()
        .describe(`what to do; at most ${limits.promptMaxChars} characters`),
      plan: plan
        .optional()
        .describe(
          `a ready plan (skips the planner); at most ${limits.planMaxSubtasks} subtasks. Checked as \`symbiont run --plan\` checks a plan file: a tier outside 1..3 or a dependency on itself, on no subtask or listed twice is refused with 422`,
        ),
      options: submitOptionsSchema.optional(),
      review: z
        .boolean()
        .optional()
        .describe(
          'true: plan, route and estimate, then wait in `awaiting_approval` for POST /tasks/:id/approve',
        ),
    })
    .refine((body) => body.prompt !== undefined || body.plan !== undefined, {
      message: 'give a prompt or a plan',
    });
}

export type SubmitBody = z.output<ReturnType<typeof submitBodySchema>>;

/** POST /tasks/:id/retry: absent, `{}`, or the subtasks to re-run with their dependents. */
export function retryBodySchema(limits: RequestLimits) {
  return z
    .strictObject({
      subtasks: z
        .array(z.number().int().min(0))
        .max(limits.planMaxSubtasks)
        .optional()
        .describe(
          're-run these subtasks (even completed ones) and their dependents; default: every failed, skipped and cancelled one',
        ),
    })
    .optional();
}

/** POST /tasks/:id/approve: absent, `{}`, or an edited plan. */
export function approveBodySchema(limits: RequestLimits) {
  const plan = planSchemaWith({ maxSubtasks: limits.planMaxSubtasks, maxChars: limits.promptMaxChars });
  return z
    .strictObject({
      plan: plan
        .optional()
        .describe('an edited plan to run instead of the one reviewed; checked as POST /tasks checks a plan'),
    })
    .optional();
}

/** Bodies that must be absent or `{}` (e.g. cancel). */
export const emptyBodySchema = z.strictObject({}).optional();

// ---- the record schemas describe exactly core's record types ----------------------------------

/** True when A and B are the same type (not merely assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails the typecheck when a field is added, removed or retyped on one side only. */
export const RECORD_SCHEMAS_MATCH_TYPES: [
  Same<z.output<typeof subtaskSchema>, Subtask>,
  Same<z.output<typeof taskSettingsSchema>, TaskSettings>,
  Same<z.output<typeof taskSchema>, Task>,
  Same<z.output<typeof taskSummarySchema>, TaskSummary>,
] = [true, true, true, true];
