// The plan's wire shape, defined once (zod). Everything that reads or describes a plan derives
// from the field schemas below:
// - planSchema: a hand-written plan (`run --plan FILE`, `POST /tasks {plan}`): unknown keys are
//   refused, types are checked; plan-validation.ts then checks it strictly (tiers 1..3,
//   dependencies that name another subtask, once) and refuses what does not hold.
// - planSchemaWith(limits): the same with the HTTP API's request caps (subtasks, characters).
// - modelPlanSchema: a planner's answer, read leniently (unknown keys dropped, any tier number);
//   plan-validation.ts repairs it with a warning per change.
// - PLAN_JSON_SCHEMA: what the planner is asked to answer (structured output), derived from
//   the same fields with z.toJSONSchema.
// Shape: {prompt?, reasoning?, subtasks: [{index?, description, tier_hint?, depends_on?}]}.

import { z } from 'zod';

/** The tiers a subtask can run at. */
export const TIERS = [1, 2, 3] as const;

/** Request caps for plans that come over the network. */
export interface PlanLimits {
  /** Subtasks in a plan, and dependencies of one subtask. */
  maxSubtasks: number;
  /** Characters in the plan's prompt, its reasoning and each description. */
  maxChars: number;
}

const UNLIMITED: PlanLimits = { maxSubtasks: Number.MAX_SAFE_INTEGER, maxChars: Number.MAX_SAFE_INTEGER };

/** `schema.max(max)`, unless there is no cap. */
function capped<T extends { max(limit: number): T }>(schema: T, max: number): T {
  return max < Number.MAX_SAFE_INTEGER ? schema.max(max) : schema;
}

function fields(limits: PlanLimits) {
  return {
    index: z.number().int().describe('position in the plan, 0..n-1; all subtasks or none carry one'),
    description: capped(z.string(), limits.maxChars).trim().min(1, 'a subtask needs a non-empty description'),
    tier_hint: z
      .number()
      .int()
      .describe('1 (fast), 2 (default) or 3 (strongest); another value is refused (422)'),
    depends_on: capped(z.array(z.number().int()), limits.maxSubtasks).describe(
      'indexes of other subtasks this one waits for, each once; another value is refused (422)',
    ),
    prompt: capped(z.string(), limits.maxChars),
    reasoning: capped(z.string(), limits.maxChars),
  };
}

/** A hand-written plan's shape, with request caps (the HTTP API's). */
export function planSchemaWith(limits: PlanLimits) {
  const field = fields(limits);
  const subtask = z.strictObject({
    index: field.index.optional(),
    description: field.description,
    tier_hint: field.tier_hint.default(2),
    depends_on: field.depends_on.default([]),
  });
  return z.strictObject({
    prompt: field.prompt.optional(),
    reasoning: field.reasoning.nullish().transform((value) => value ?? null),
    subtasks: capped(z.array(subtask), limits.maxSubtasks),
  });
}

/** A hand-written plan's shape (no request caps). */
export const planSchema = planSchemaWith(UNLIMITED);

const unlimited = fields(UNLIMITED);

/** A planner's answer: the same fields, unknown keys dropped, any tier number (repaired later). */
export const modelPlanSchema = z.object({
  prompt: unlimited.prompt.optional(),
  reasoning: unlimited.reasoning.nullish().transform((value) => value ?? null),
  subtasks: z.array(
    z.object({
      index: unlimited.index.optional(),
      description: unlimited.description,
      tier_hint: z.number().default(2),
      depends_on: unlimited.depends_on.default([]),
    }),
  ),
});

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
export type PlanSubtask = z.output<typeof planSchema>['subtasks'][number];

/** What the planner is asked for: every field given, tiers 1..3, no index (position is index). */
const plannerAnswerSchema = z.strictObject({
  reasoning: unlimited.reasoning,
  subtasks: z.array(
    z.strictObject({
      description: unlimited.description,
      tier_hint: z.literal(TIERS),
      depends_on: unlimited.depends_on,
    }),
  ),
});

/** Keywords structured-output APIs refuse or ignore (numeric and length bounds), and docs. */
const UNSUPPORTED_KEYWORDS = ['minimum', 'maximum', 'minLength', 'maxLength', 'description'];

/**
 * JSON schema of the planner's answer, for providers with structured output: types, required
 * fields, tiers as an integer enum, and no other keyword (providers accept few).
 */
export const PLAN_JSON_SCHEMA: Record<string, unknown> = (() => {
  const schema = z.toJSONSchema(plannerAnswerSchema, {
    override: ({ jsonSchema }) => {
      const node = jsonSchema as Record<string, unknown>;
      for (const keyword of UNSUPPORTED_KEYWORDS) delete node[keyword];
      if (Array.isArray(node.enum) && node.type === 'number') node.type = 'integer';
    },
  }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
})();
