// The plan-size limit for plans a model makes: a planner that answers with thousands of
// subtasks is re-asked once with the limit named, then the task fails with that error; such a
// plan never runs. Plans given by the user (a file, the API) are not limited here. Pure.

import { SymbiontError } from './errors.js';

/** Subtasks a model-made plan may have unless the task manager is told otherwise. */
export const DEFAULT_MAX_PLANNED_SUBTASKS = 100;

/** The INVALID_PLAN error of a plan over the limit (undefined when within it). */
export function planSizeProblem(count: number, limit: number): SymbiontError | undefined {
  if (count <= limit) return undefined;
  return new SymbiontError(
    'INVALID_PLAN',
    `the plan has ${count} subtasks, over the limit of ${limit}: merge steps so that there are at most ${limit}`,
    { context: { subtasks: count, limit } },
  );
}
