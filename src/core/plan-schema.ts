// The plan's shape (zod). Accepts the original's shape: {prompt?, reasoning, subtasks:
// [{index?, description, tier_hint, depends_on}]}; unknown top-level keys are ignored.

import { z } from 'zod';

export const planSubtaskSchema = z.object({
  index: z.number().int().optional(),
  description: z.string().trim().min(1, 'a subtask needs a non-empty description'),
  /** Any number is accepted here; validation clamps it into 1..3 with a warning. */
  tier_hint: z.number().default(2),
  depends_on: z.array(z.number().int()).default([]),
});

export const planSchema = z.object({
  prompt: z.string().optional(),
  reasoning: z
    .string()
    .nullish()
    .transform((value) => value ?? null),
  subtasks: z.array(planSubtaskSchema),
});

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
export type PlanSubtask = z.output<typeof planSubtaskSchema>;

/** JSON schema of the planner's answer, for providers with structured output. */
export const PLAN_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['reasoning', 'subtasks'],
  properties: {
    reasoning: { type: 'string' },
    subtasks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'tier_hint', 'depends_on'],
        properties: {
          description: { type: 'string' },
          tier_hint: { type: 'integer', enum: [1, 2, 3] },
          depends_on: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
  },
};
