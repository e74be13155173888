// A hand-written parse of the plan shape for input that is already well formed, which is nearly
// every plan (a planner's JSON, a plan file, an HTTP body). It gives exactly what the zod schema
// (plan-schema.ts) gives for such input, or undefined whenever anything is off, and the schema
// then parses it and words the error. A property test holds the two to the same answers.
// Why: zod builds a result object, an issue list and a copy of every array for each subtask; a
// 10,000-subtask plan took about 6 ms and a few MB of short-lived objects there, in the middle
// of the submit path.

import type { Plan, PlanSubtask } from './plan-schema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntegerList(value: unknown): value is number[] {
  if (!Array.isArray(value)) return false;
  for (let position = 0; position < value.length; position++) {
    if (!Number.isSafeInteger(value[position])) return false;
  }
  return true;
}

/**
 * The schema's output for `input`, or undefined when `input` needs the schema (to parse or to
 * reject). A subtask's `depends_on` is the input's own array, not a copy: plan validation
 * only reads it.
 */
export function parseWellFormedPlan(input: unknown): Plan | undefined {
  if (!isRecord(input)) return undefined;
  const { prompt, reasoning, subtasks } = input;
  if (prompt !== undefined && typeof prompt !== 'string') return undefined;
  if (reasoning !== undefined && reasoning !== null && typeof reasoning !== 'string') return undefined;
  if (!Array.isArray(subtasks)) return undefined;
  const parsed: PlanSubtask[] = new Array(subtasks.length);
  for (let position = 0; position < subtasks.length; position++) {
    const subtask = parseSubtask(subtasks[position]);
    if (subtask === undefined) return undefined;
    parsed[position] = subtask;
  }
  const plan: Plan = { reasoning: reasoning ?? null, subtasks: parsed };
  if (prompt !== undefined) plan.prompt = prompt;
  return plan;
}

function parseSubtask(input: unknown): PlanSubtask | undefined {
  if (!isRecord(input)) return undefined;
  const { index, description, tier_hint: tierHint, depends_on: dependsOn } = input;
  if (typeof description !== 'string') return undefined;
  const trimmed = description.trim();
  if (trimmed.length === 0) return undefined;
  if (tierHint !== undefined && !(typeof tierHint === 'number' && Number.isFinite(tierHint)))
    return undefined;
  if (dependsOn !== undefined && !isIntegerList(dependsOn)) return undefined;
  if (index !== undefined && !Number.isSafeInteger(index)) return undefined;
  const subtask: PlanSubtask = {
    description: trimmed,
    tier_hint: tierHint ?? 2,
    depends_on: dependsOn ?? [],
  };
  if (index !== undefined) subtask.index = index as number;
  return subtask;
}
