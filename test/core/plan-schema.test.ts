import { describe, expect, it } from 'vitest';
import { modelPlanSchema, PLAN_JSON_SCHEMA, planSchema, planSchemaWith } from '../../src/core/plan-schema.js';

describe('the plan shape, defined once', () => {
  it("derives the planner's structured-output schema: types, required fields, tiers 1..3, nothing else", () => {
    expect(PLAN_JSON_SCHEMA).toEqual({
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
    });
  });

  it('reads a hand-written plan and a model answer with the same fields', () => {
    const answer = { reasoning: 'r', subtasks: [{ description: 'a', tier_hint: 1, depends_on: [] }] };
    expect(planSchema.parse(answer)).toEqual(modelPlanSchema.parse(answer));
    const subtaskKeys = (schema: typeof planSchema | typeof modelPlanSchema) =>
      Object.keys(schema.shape.subtasks.element.shape).sort();
    expect(subtaskKeys(planSchema)).toEqual(subtaskKeys(modelPlanSchema));
    expect(Object.keys(planSchema.shape).sort()).toEqual(Object.keys(modelPlanSchema.shape).sort());
  });

  it('applies request caps only where asked', () => {
    const capped = planSchemaWith({ maxSubtasks: 2, maxChars: 5 });
    const three = { subtasks: [{ description: 'a' }, { description: 'b' }, { description: 'c' }] };
    expect(capped.safeParse(three).success).toBe(false);
    expect(planSchema.safeParse(three).success).toBe(true);
    expect(capped.safeParse({ subtasks: [{ description: 'longer than five' }] }).success).toBe(false);
  });
});
