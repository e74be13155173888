// The schemas of request bodies: submit (a prompt or a ready plan, options, review), retry,
// approve (an edited plan) and the bodies that must be empty. Strict: unknown fields are
// refused. The plan is core's plan schema (core/plan-schema.ts, the one `run --plan` reads)
// with the request caps; option bounds are core's (core/task-settings.ts).

import { z } from 'zod';
import { planSchemaWith } from '../../core/plan-schema.js';
import { type BoundedSetting, SETTING_BOUNDS } from '../../core/task-settings.js';
import type { RequestLimits } from './request-limits.js';

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
