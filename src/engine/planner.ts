// The planner (SPEC §2): asks the model for a JSON plan, extracts and validates it, and when the
// answer is not a valid plan re-asks once with the error. The model call itself (tier, ledger,
// retries of transient failures, abort) is the caller's `PlannerCall`.

import { errorTraits } from '../core/error-traits.js';
import { SymbiontError } from '../core/errors.js';
import { extractJson } from '../core/plan-json.js';
import { planSizeProblem } from '../core/plan-size.js';
import { type ValidatedPlan, validatePlan } from '../core/plan-validation.js';
import { buildPlannerPrompt, buildPlanRepairPrompt } from '../core/planner-prompt.js';

/**
 * Makes one planning call (attempt 1 is the first ask, 2 the re-ask) and returns the model's
 * text, or throws. The engine supplies it: tier 1, purpose 'plan', jsonSchema PLAN_JSON_SCHEMA.
 */
export type PlannerCall = (prompt: string, attempt: number) => Promise<string>;

export interface PlannerLimits {
  /** The most subtasks a plan may have (the prompt says so; a larger plan is re-asked, then fails). */
  maxSubtasks?: number;
}

/**
 * Plans `request` with the model. A first answer that is not a valid plan (or has more
 * subtasks than `limits.maxSubtasks`) is re-asked once with the error; the plan then carries
 * a warning saying so. A second bad answer throws a SymbiontError with the validation code
 * and a message starting "planning failed: ". Errors thrown by `call` propagate unchanged.
 */
export async function planWithModel(
  request: string,
  call: PlannerCall,
  limits: PlannerLimits = {},
): Promise<ValidatedPlan> {
  const { maxSubtasks } = limits;
  const firstAnswer = await call(buildPlannerPrompt(request, maxSubtasks), 1);
  const first = tryParse(firstAnswer, maxSubtasks);
  if (first.plan !== undefined) return first.plan;

  const secondAnswer = await call(
    buildPlanRepairPrompt(request, firstAnswer, first.error.message, maxSubtasks),
    2,
  );
  const second = tryParse(secondAnswer, maxSubtasks);
  if (second.plan !== undefined) {
    second.plan.warnings.unshift(
      `the planner's first answer was rejected and re-asked: ${first.error.message}`,
    );
    return second.plan;
  }
  throw new SymbiontError(second.error.code, `planning failed: ${second.error.message}`, {
    cause: second.error,
    context: { ...second.error.context, firstError: first.error.message },
  });
}

function tryParse(
  answer: string,
  maxSubtasks: number | undefined,
): { plan: ValidatedPlan; error?: never } | { plan?: never; error: SymbiontError } {
  try {
    const plan = validatePlan(extractJson(answer), 'model');
    const tooBig = maxSubtasks === undefined ? undefined : planSizeProblem(plan.subtasks.length, maxSubtasks);
    if (tooBig) return { error: tooBig };
    return { plan };
  } catch (error) {
    if (SymbiontError.is(error) && errorTraits(error.code).reasksPlanner) return { error };
    throw error;
  }
}
