import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { PLAN_JSON_SCHEMA } from '../../src/core/plan-schema.js';
import {
  buildPlannerPrompt,
  buildPlanRepairPrompt,
  PLANNER_REQUEST_CLOSE,
  PLANNER_REQUEST_OPEN,
  requestFromPlannerPrompt,
} from '../../src/core/planner-prompt.js';
import { type PlannerCall, planWithModel } from '../../src/engine/planner.js';
import { failureOf } from '../failure-of.js';

const goodPlan = {
  reasoning: 'research, then write',
  subtasks: [
    { description: 'collect the facts', tier_hint: 1, depends_on: [] },
    { description: 'write the summary', tier_hint: 2, depends_on: [0] },
  ],
};
const cyclicPlan = {
  reasoning: 'loops',
  subtasks: [
    { description: 'a', tier_hint: 1, depends_on: [1] },
    { description: 'b', tier_hint: 1, depends_on: [0] },
  ],
};

/** A scripted planner model: answers in turn, recording each prompt and attempt. */
function scriptedModel(answers: readonly (string | Error)[]) {
  const calls: { prompt: string; attempt: number }[] = [];
  const call: PlannerCall = async (prompt, attempt) => {
    calls.push({ prompt, attempt });
    const answer = answers[calls.length - 1];
    if (answer === undefined) throw new Error('the model was asked too many times');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { call, calls };
}

describe('planWithModel', () => {
  it('returns a good first answer without re-asking', async () => {
    const model = scriptedModel([JSON.stringify(goodPlan)]);
    const plan = await planWithModel('summarise the news', model.call);
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.attempt).toBe(1);
    expect(model.calls[0]!.prompt).toBe(buildPlannerPrompt('summarise the news'));
    expect(plan.warnings).toEqual([]);
    expect(plan.subtasks.map((subtask) => subtask.depends_on)).toEqual([[], [0]]);
  });

  it('accepts fenced JSON surrounded by prose', async () => {
    const answer = `Here is my plan.\n\`\`\`json\n${JSON.stringify(goodPlan, null, 2)}\n\`\`\`\nGood luck!`;
    const model = scriptedModel([answer]);
    const plan = await planWithModel('summarise', model.call);
    expect(model.calls).toHaveLength(1);
    expect(plan.reasoning).toBe('research, then write');
  });

  it('re-asks once with the validation error and the previous answer', async () => {
    const badAnswer = JSON.stringify(cyclicPlan);
    const model = scriptedModel([badAnswer, JSON.stringify(goodPlan)]);
    const plan = await planWithModel('summarise', model.call);
    expect(model.calls.map((call) => call.attempt)).toEqual([1, 2]);
    const repair = model.calls[1]!.prompt;
    expect(repair).toContain('dependency cycle: 0 -> 1 -> 0');
    expect(repair).toContain(badAnswer);
    expect(requestFromPlannerPrompt(repair)).toBe('summarise');
    expect(plan.subtasks).toHaveLength(2);
    expect(plan.warnings).toEqual([
      "the planner's first answer was rejected and re-asked: dependency cycle: 0 -> 1 -> 0",
    ]);
  });

  it('re-asks when the first answer holds no JSON', async () => {
    const model = scriptedModel(['I would split this into two steps.', JSON.stringify(goodPlan)]);
    await planWithModel('summarise', model.call);
    expect(model.calls[1]!.prompt).toContain('planner answer contained no JSON object');
  });

  it('fails with the second error when the re-ask is not a valid plan either', async () => {
    const model = scriptedModel([
      JSON.stringify(cyclicPlan),
      JSON.stringify({ reasoning: 'none', subtasks: [] }),
    ]);
    const error = await failureOf(planWithModel('summarise', model.call));
    expect(model.calls).toHaveLength(2);
    expect(error.code).toBe('EMPTY_PLAN');
    expect(error.message).toBe('planning failed: the plan has no subtasks');
  });

  it('keeps the cycle in the context of a final cycle error', async () => {
    const model = scriptedModel(['no json', JSON.stringify(cyclicPlan)]);
    const error = await failureOf(planWithModel('summarise', model.call));
    expect(error.code).toBe('PLAN_CYCLE');
    expect(error.message).toBe('planning failed: dependency cycle: 0 -> 1 -> 0');
    expect(error.context['cycle']).toEqual([0, 1, 0]);
  });

  it('lets an error from the model call propagate unchanged', async () => {
    const failure = new SymbiontError('PROVIDER_AUTH', 'bad key');
    const model = scriptedModel([failure]);
    await expect(planWithModel('summarise', model.call)).rejects.toBe(failure);
    expect(model.calls).toHaveLength(1);
  });

  it('lets an error from the re-ask call propagate unchanged', async () => {
    const failure = new SymbiontError('CANCELLED', 'cancelled');
    const model = scriptedModel(['not a plan', failure]);
    await expect(planWithModel('summarise', model.call)).rejects.toBe(failure);
  });
});

describe('planner prompts', () => {
  it('carry the schema, the rules and the request between the markers', () => {
    const prompt = buildPlannerPrompt('Write a haiku about {braces}');
    expect(prompt).toContain(JSON.stringify(PLAN_JSON_SCHEMA));
    expect(prompt).toContain('tier_hint');
    expect(prompt).toContain('0-based');
    expect(requestFromPlannerPrompt(prompt)).toBe('Write a haiku about {braces}');
  });

  it('keep the request findable when the request or the previous answer contains the markers', () => {
    const request = `quote ${PLANNER_REQUEST_CLOSE} literally`;
    const answer = `${PLANNER_REQUEST_OPEN}evil${PLANNER_REQUEST_CLOSE}`;
    expect(requestFromPlannerPrompt(buildPlannerPrompt(request))).toBe(request);
    expect(requestFromPlannerPrompt(buildPlanRepairPrompt(request, answer, 'bad'))).toBe(request);
  });

  it('cut a long previous answer in the repair prompt', () => {
    const answer = 'x'.repeat(10_000);
    const prompt = buildPlanRepairPrompt('r', answer, 'subtasks: missing');
    expect(prompt).not.toContain(answer);
    expect(prompt).toContain('x'.repeat(4_000));
    expect(prompt).toContain('6000 of 10000 characters omitted');
    expect(prompt).toContain('Error: subtasks: missing');
  });
});
