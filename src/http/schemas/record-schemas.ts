// The record schemas of the API's answers: a task, its subtasks, its settings, its cost
// estimate and the recent-task summary (SPEC §4). They describe responses only, and a
// compile-time check at the end ties each to core's record type (core/records.ts).

import { z } from 'zod';
import {
  SUBTASK_STATUSES,
  type Subtask,
  TASK_STATUSES,
  type Task,
  type TaskSettings,
  type TaskSummary,
} from '../../core/records.js';
import { named } from './schema-registry.js';

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
