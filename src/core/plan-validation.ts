// Validates a plan (SPEC §2) in one of two modes. Both parse it with the zod schema
// (plan-schema.ts), number its subtasks, and reject an empty plan or a dependency cycle with an
// error that names it.
// - 'user' (a hand-written plan: `run --plan`, `POST /tasks {plan}`): nothing is repaired. A
//   tier outside 1..3, a dependency on itself, on a subtask that does not exist or listed twice
//   is an INVALID_PLAN error naming the subtask and the field. The CLI and the API both call
//   this, so they accept and refuse the same plans.
// - 'model' (a planner's answer): such dependencies are dropped and tiers clamped into 1..3,
//   with a warning each (ValidatedPlan.warnings, shown before anything runs).
// Pure; linear in the plan's size.

import type { z } from 'zod';
import { SymbiontError } from './errors.js';
import {
  modelPlanSchema,
  type Plan,
  type PlanSubtask,
  planSchema,
  TIERS as TIER_VALUES,
} from './plan-schema.js';
import type { Tier } from './records.js';

export interface ValidatedSubtask {
  index: number;
  description: string;
  tier_hint: Tier;
  /** Frozen: a plan's dependencies never change, so records share this array (see records.ts). */
  depends_on: readonly number[];
}

export interface ValidatedPlan {
  reasoning: string | null;
  subtasks: ValidatedSubtask[];
  /** One line per repair made, e.g. "subtask 3: dropped dependency on itself". */
  warnings: string[];
  /** The plan's own `prompt` field when it carried one (a saved task record does). */
  prompt?: string;
}

/** Who made the plan: a person (checked strictly) or a model (repaired with warnings). */
export type PlanOrigin = 'user' | 'model';

/** How many problems an INVALID_PLAN message lists before "and N more". */
const MAX_LISTED_ISSUES = 3;

/**
 * Parses and checks a plan: `user` (the default) refuses what `model` repairs. Throws
 * SymbiontError INVALID_PLAN (shape, indexes, and in user mode tiers and dependencies),
 * EMPTY_PLAN or PLAN_CYCLE (context.cycle, e.g. [2, 5, 2]: 2 depends on 5, 5 depends on 2).
 */
export function validatePlan(input: unknown, origin: PlanOrigin = 'user'): ValidatedPlan {
  const plan = parseWithSchema(input, origin);
  if (plan.subtasks.length === 0) throw new SymbiontError('EMPTY_PLAN', 'the plan has no subtasks');

  const ordered = orderByIndex(plan.subtasks);
  if (origin === 'user') refuseRepairs(plan.subtasks, ordered.length);
  const warnings: string[] = [];
  const subtasks = ordered.map((subtask, index) => ({
    index,
    description: subtask.description,
    tier_hint: clampTier(subtask.tier_hint, index, warnings),
    depends_on: cleanDependencies(subtask.depends_on, index, ordered.length, warnings),
  }));

  const cycle = findCycle(subtasks.map((subtask) => subtask.depends_on));
  if (cycle !== undefined) {
    throw new SymbiontError('PLAN_CYCLE', `dependency cycle: ${cycle.join(' -> ')}`, {
      context: { cycle },
    });
  }

  const validated: ValidatedPlan = { reasoning: plan.reasoning, subtasks, warnings };
  if (plan.prompt !== undefined && plan.prompt.trim() !== '') validated.prompt = plan.prompt;
  return validated;
}

function parseWithSchema(input: unknown, origin: PlanOrigin): Plan {
  const parsed = (origin === 'user' ? planSchema : modelPlanSchema).safeParse(input);
  if (!parsed.success) {
    throw new SymbiontError('INVALID_PLAN', describeIssues(parsed.error.issues), {
      context: { issues: parsed.error.issues.length },
    });
  }
  return parsed.data;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return listProblems(issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`));
}

function listProblems(problems: readonly string[]): string {
  const listed = problems.slice(0, MAX_LISTED_ISSUES);
  const rest = problems.length - listed.length;
  return rest > 0 ? `${listed.join('; ')} (and ${rest} more)` : listed.join('; ');
}

/**
 * User mode: what model mode would repair is an error, one line per problem naming the
 * subtask's place in the file, its index and the field. `subtasks` in the order given.
 */
function refuseRepairs(subtasks: readonly PlanSubtask[], count: number): void {
  const problems: string[] = [];
  subtasks.forEach((subtask, position) => {
    const index = subtask.index ?? position;
    const where = `subtasks[${position}]`;
    const hint = subtask.tier_hint;
    if (!(TIER_VALUES as readonly number[]).includes(hint)) {
      problems.push(`${where}.tier_hint: subtask ${index} has tier ${hint}; a tier is 1, 2 or 3`);
    }
    const seen = new Set<number>();
    for (const dependency of subtask.depends_on) {
      if (dependency === index) {
        problems.push(`${where}.depends_on: subtask ${index} depends on itself`);
      } else if (dependency < 0 || dependency >= count) {
        problems.push(
          `${where}.depends_on: subtask ${index} depends on ${dependency}, which is not a subtask (0 to ${count - 1})`,
        );
      } else if (seen.has(dependency)) {
        problems.push(`${where}.depends_on: subtask ${index} lists ${dependency} twice`);
      }
      seen.add(dependency);
    }
  });
  if (problems.length > 0) {
    throw new SymbiontError('INVALID_PLAN', listProblems(problems), {
      context: { issues: problems.length },
    });
  }
}

/** `['subtasks', 2, 'description']` -> `subtasks[2].description`; the root is `plan`. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'plan';
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

/**
 * Indexes are all given or all absent. Given, they must be a permutation of 0..n-1 (a plan is
 * a list; a gap or a 1-based numbering would silently shift every dependency), and the
 * subtasks are sorted by them. Absent, a subtask's position is its index.
 */
function orderByIndex(subtasks: readonly PlanSubtask[]): readonly PlanSubtask[] {
  const withIndex = subtasks.filter((subtask) => subtask.index !== undefined).length;
  if (withIndex === 0) return subtasks;
  if (withIndex !== subtasks.length) {
    const missing = subtasks.findIndex((subtask) => subtask.index === undefined);
    throw new SymbiontError(
      'INVALID_PLAN',
      `subtasks[${missing}].index: either every subtask has an index or none does`,
    );
  }
  const ordered: (PlanSubtask | undefined)[] = new Array(subtasks.length);
  subtasks.forEach((subtask, position) => {
    const index = subtask.index!;
    if (index < 0 || index >= subtasks.length) {
      throw new SymbiontError(
        'INVALID_PLAN',
        `subtasks[${position}].index: ${index} is out of range; indexes must number the ${subtasks.length} subtasks from 0 to ${subtasks.length - 1}`,
      );
    }
    if (ordered[index] !== undefined) {
      throw new SymbiontError('INVALID_PLAN', `subtasks[${position}].index: duplicate index ${index}`);
    }
    ordered[index] = subtask;
  });
  return ordered as PlanSubtask[];
}

function clampTier(hint: number, index: number, warnings: string[]): Tier {
  const tier = Math.min(3, Math.max(1, Math.round(hint))) as Tier;
  if (tier !== hint) warnings.push(`subtask ${index}: tier_hint ${hint} changed to ${tier}`);
  return tier;
}

function cleanDependencies(
  dependencies: readonly number[],
  index: number,
  count: number,
  warnings: string[],
): readonly number[] {
  const kept: number[] = [];
  // Dependency lists are short: a linear scan finds duplicates without a Set per subtask,
  // which cost more than it saved. A long list (a wide fan-in) gets the Set.
  const seen = dependencies.length > 16 ? new Set<number>() : undefined;
  for (const dependency of dependencies) {
    if (dependency === index) {
      warnings.push(`subtask ${index}: dropped dependency on itself`);
    } else if (dependency < 0 || dependency >= count) {
      warnings.push(`subtask ${index}: dropped dependency on ${dependency} (no such subtask)`);
    } else if (seen ? seen.has(dependency) : kept.includes(dependency)) {
      warnings.push(`subtask ${index}: dropped duplicate dependency on ${dependency}`);
    } else {
      seen?.add(dependency);
      kept.push(dependency);
    }
  }
  // A copy sized to the list: an array grown by push holds at least 17 slots (152 bytes), and
  // this one is kept, shared by every copy of the subtask's record, as long as the task is.
  return Object.freeze(kept.slice());
}

/**
 * Finds a dependency cycle with an iterative depth-first search (plans can be deep enough to
 * overflow the call stack). Returns it starting and ending at its smallest index, each entry
 * depending on the next, or undefined when the graph is acyclic.
 */
export function findCycle(dependencies: readonly (readonly number[])[]): number[] | undefined {
  const count = dependencies.length;
  const UNVISITED = 0;
  const ON_PATH = 1;
  const DONE = 2;
  const state = new Uint8Array(count);
  const pathNodes = new Int32Array(count);
  const pathNextEdge = new Int32Array(count);
  const pathPosition = new Int32Array(count);

  for (let root = 0; root < count; root++) {
    if (state[root] !== UNVISITED) continue;
    let depth = 1;
    pathNodes[0] = root;
    pathNextEdge[0] = 0;
    pathPosition[root] = 0;
    state[root] = ON_PATH;
    while (depth > 0) {
      const node = pathNodes[depth - 1]!;
      const edges = dependencies[node]!;
      const edge = pathNextEdge[depth - 1]!;
      if (edge >= edges.length) {
        state[node] = DONE;
        depth--;
        continue;
      }
      pathNextEdge[depth - 1] = edge + 1;
      const next = edges[edge]!;
      if (state[next] === ON_PATH) {
        return fromSmallest(Array.from(pathNodes.subarray(pathPosition[next]!, depth)));
      }
      if (state[next] === UNVISITED) {
        state[next] = ON_PATH;
        pathPosition[next] = depth;
        pathNodes[depth] = next;
        pathNextEdge[depth] = 0;
        depth++;
      }
    }
  }
  return undefined;
}

function fromSmallest(cycle: number[]): number[] {
  let smallest = 0;
  for (let position = 1; position < cycle.length; position++) {
    if (cycle[position]! < cycle[smallest]!) smallest = position;
  }
  const rotated = [...cycle.slice(smallest), ...cycle.slice(0, smallest)];
  rotated.push(rotated[0]!);
  return rotated;
}
