import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { validatePlan } from '../../src/core/plan-validation.js';
import { frozenDependencies, newSubtaskRecord } from '../../src/core/records.js';
import { cloneSubtask } from '../../src/core/task-reducer.js';

function errorOf(action: () => unknown): SymbiontError {
  try {
    action();
  } catch (error) {
    if (error instanceof SymbiontError) return error;
    throw error;
  }
  throw new Error('expected a SymbiontError');
}

const step = (description: string, depends_on: number[] = [], tier_hint = 2) => ({
  description,
  tier_hint,
  depends_on,
});

describe('validatePlan', () => {
  it("accepts the original shape; a model's plan may carry extra keys, which are dropped", () => {
    const input = {
      prompt: 'write a report',
      reasoning: 'two steps',
      subtasks: [step('gather facts', [], 1), step('write it up', [0], 3)],
    };
    expect(validatePlan({ ...input, model: 'haiku' }, 'model')).toEqual(validatePlan(input));
    const plan = validatePlan(input);
    expect(plan).toEqual({
      prompt: 'write a report',
      reasoning: 'two steps',
      warnings: [],
      subtasks: [
        { index: 0, description: 'gather facts', tier_hint: 1, depends_on: [] },
        { index: 1, description: 'write it up', tier_hint: 3, depends_on: [0] },
      ],
    });
  });

  it('defaults tier_hint to 2, depends_on to none and reasoning to null', () => {
    const plan = validatePlan({ subtasks: [{ description: 'only step' }] });
    expect(plan.reasoning).toBeNull();
    expect(plan.subtasks).toEqual([{ index: 0, description: 'only step', tier_hint: 2, depends_on: [] }]);
    expect(plan.prompt).toBeUndefined();
  });

  it('trims descriptions and rejects a blank one, naming its path', () => {
    const plan = validatePlan({ subtasks: [{ description: '  first \n' }, { description: 'second' }] });
    expect(plan.subtasks.map((subtask) => subtask.description)).toEqual(['first', 'second']);
    expect(() => validatePlan({ subtasks: [{ description: ' \u00a0 ' }] })).toThrow(
      /subtasks\[0\]\.description/,
    );
  });

  it('model mode: drops a dependency on itself with a warning', () => {
    const plan = validatePlan({ subtasks: [step('a'), step('b', [1, 0])] }, 'model');
    expect(plan.subtasks[1]!.depends_on).toEqual([0]);
    expect(plan.warnings).toEqual(['subtask 1: dropped dependency on itself']);
  });

  it('model mode: drops a duplicate dependency with a warning', () => {
    const plan = validatePlan({ subtasks: [step('a'), step('b'), step('c', [1, 0, 1])] }, 'model');
    expect(plan.subtasks[2]!.depends_on).toEqual([1, 0]);
    expect(plan.warnings).toEqual(['subtask 2: dropped duplicate dependency on 1']);
  });

  it('model mode: drops out-of-range dependencies with a warning each', () => {
    const plan = validatePlan({ subtasks: [step('a'), step('b', [9, 0, -1])] }, 'model');
    expect(plan.subtasks[1]!.depends_on).toEqual([0]);
    expect(plan.warnings).toEqual([
      'subtask 1: dropped dependency on 9 (no such subtask)',
      'subtask 1: dropped dependency on -1 (no such subtask)',
    ]);
  });

  it('model mode: clamps and rounds tier hints into 1..3 with a warning', () => {
    const plan = validatePlan(
      { subtasks: [step('a', [], 7), step('b', [], 0), step('c', [], 2.4), step('d', [], 3)] },
      'model',
    );
    expect(plan.subtasks.map((subtask) => subtask.tier_hint)).toEqual([3, 1, 2, 3]);
    expect(plan.warnings).toEqual([
      'subtask 0: tier_hint 7 changed to 3',
      'subtask 1: tier_hint 0 changed to 1',
      'subtask 2: tier_hint 2.4 changed to 2',
    ]);
  });

  it('user mode (the default) refuses what model mode repairs, naming the subtask and the field', () => {
    const cases: [unknown, string][] = [
      [{ subtasks: [step('a'), step('b', [1, 0])] }, 'subtasks[1].depends_on: subtask 1 depends on itself'],
      [
        { subtasks: [step('a'), step('b', [9])] },
        'subtasks[1].depends_on: subtask 1 depends on 9, which is not a subtask (0 to 1)',
      ],
      [{ subtasks: [step('a'), step('b', [0, 0])] }, 'subtasks[1].depends_on: subtask 1 lists 0 twice'],
      [{ subtasks: [step('a', [], 4)] }, 'subtasks[0].tier_hint: subtask 0 has tier 4; a tier is 1, 2 or 3'],
    ];
    for (const [input, message] of cases) {
      const error = errorOf(() => validatePlan(input));
      expect(error.code).toBe('INVALID_PLAN');
      expect(error.message).toBe(message);
      expect(validatePlan(input, 'model').warnings).toHaveLength(1);
    }
  });

  it('user mode names a subtask by its own index when the plan gives indexes', () => {
    const error = errorOf(() =>
      validatePlan({
        subtasks: [
          { index: 1, description: 'b', depends_on: [1] },
          { index: 0, description: 'a' },
        ],
      }),
    );
    expect(error.message).toBe('subtasks[0].depends_on: subtask 1 depends on itself');
  });

  it('user mode lists at most three problems, then how many more', () => {
    const error = errorOf(() =>
      validatePlan({ subtasks: [1, 2, 3, 4, 5].map((tier) => step('x', [], tier + 3)) }),
    );
    expect(error.message).toMatch(/tier 4.*tier 5.*tier 6.* \(and 2 more\)$/);
  });

  it('user mode refuses unknown keys, which model mode drops', () => {
    expect(() => validatePlan({ subtasks: [step('a')], model: 'haiku' })).toThrow(
      /Unrecognized key: "model"/,
    );
    expect(() => validatePlan({ subtasks: [{ description: 'a', depend_on: [0] }] })).toThrow(/depend_on/);
    expect(validatePlan({ subtasks: [{ description: 'a', id: 'x' }] }, 'model').subtasks).toHaveLength(1);
  });

  it('rejects an empty plan', () => {
    const error = errorOf(() => validatePlan({ reasoning: 'nothing', subtasks: [] }));
    expect(error.code).toBe('EMPTY_PLAN');
    expect(error.message).toBe('the plan has no subtasks');
  });

  it('names the path of a shape error', () => {
    const error = errorOf(() => validatePlan({ subtasks: [step('a'), step('b'), step('  ')] }));
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toBe('subtasks[2].description: a subtask needs a non-empty description');
  });

  it('rejects input that is not an object, naming the plan', () => {
    const error = errorOf(() => validatePlan('a plan'));
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toMatch(/^plan: /);
  });

  it('rejects a missing subtasks array', () => {
    const error = errorOf(() => validatePlan({ reasoning: 'x' }));
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toMatch(/^subtasks: /);
  });

  it('lists at most three shape errors', () => {
    const subtasks = Array.from({ length: 5 }, () => ({ description: '' }));
    const error = errorOf(() => validatePlan({ subtasks }));
    expect(error.message).toMatch(/subtasks\[0\]\.description.*subtasks\[2\]\.description.*\(and 2 more\)$/);
  });

  it('keeps given indexes and sorts subtasks by them', () => {
    const plan = validatePlan({
      subtasks: [
        { index: 2, description: 'c', tier_hint: 1, depends_on: [0, 1] },
        { index: 0, description: 'a', tier_hint: 3, depends_on: [] },
        { index: 1, description: 'b', tier_hint: 2, depends_on: [0] },
      ],
    });
    expect(plan.subtasks).toEqual([
      { index: 0, description: 'a', tier_hint: 3, depends_on: [] },
      { index: 1, description: 'b', tier_hint: 2, depends_on: [0] },
      { index: 2, description: 'c', tier_hint: 1, depends_on: [0, 1] },
    ]);
  });

  it('rejects duplicate indexes', () => {
    const error = errorOf(() =>
      validatePlan({
        subtasks: [
          { index: 0, description: 'a' },
          { index: 0, description: 'b' },
        ],
      }),
    );
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toBe('subtasks[1].index: duplicate index 0');
  });

  it('rejects indexes that do not number the subtasks from 0', () => {
    const error = errorOf(() =>
      validatePlan({
        subtasks: [
          { index: 1, description: 'a' },
          { index: 2, description: 'b' },
        ],
      }),
    );
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toBe(
      'subtasks[1].index: 2 is out of range; indexes must number the 2 subtasks from 0 to 1',
    );
  });

  it('rejects a mix of subtasks with and without an index', () => {
    const error = errorOf(() =>
      validatePlan({ subtasks: [{ index: 0, description: 'a' }, { description: 'b' }] }),
    );
    expect(error.code).toBe('INVALID_PLAN');
    expect(error.message).toBe('subtasks[1].index: either every subtask has an index or none does');
  });

  it('names a two-step cycle from its smallest index', () => {
    const subtasks = Array.from({ length: 6 }, (_, index) => step(`s${index}`));
    subtasks[5] = step('s5', [2]);
    subtasks[2] = step('s2', [5]);
    const error = errorOf(() => validatePlan({ subtasks }));
    expect(error.code).toBe('PLAN_CYCLE');
    expect(error.message).toBe('dependency cycle: 2 -> 5 -> 2');
    expect(error.context).toEqual({ cycle: [2, 5, 2] });
  });

  it('names a longer cycle in dependency order', () => {
    const plan = { subtasks: [step('a', [3]), step('b'), step('c', [0]), step('d', [2]), step('e', [3])] };
    const error = errorOf(() => validatePlan(plan));
    expect(error.message).toBe('dependency cycle: 0 -> 3 -> 2 -> 0');
  });

  it('model mode: repairs before looking for cycles, so a self-reference is not a cycle', () => {
    expect(validatePlan({ subtasks: [step('a', [0])] }, 'model').warnings).toEqual([
      'subtask 0: dropped dependency on itself',
    ]);
  });

  it('validates a 10,000-subtask chain without overflowing the stack', () => {
    const count = 10_000;
    const subtasks = Array.from({ length: count }, (_, index) =>
      step(`step ${index}`, index === 0 ? [] : [index - 1]),
    );
    const plan = validatePlan({ subtasks });
    expect(plan.subtasks).toHaveLength(count);
    expect(plan.subtasks[count - 1]!.depends_on).toEqual([count - 2]);
  });

  it('finds a cycle closing a 10,000-subtask chain', () => {
    const count = 10_000;
    const subtasks = Array.from({ length: count }, (_, index) =>
      step(`step ${index}`, index === 0 ? [count - 1] : [index - 1]),
    );
    const error = errorOf(() => validatePlan({ subtasks }));
    expect(error.code).toBe('PLAN_CYCLE');
    const cycle = error.context['cycle'] as number[];
    expect(cycle).toHaveLength(count + 1);
    expect(cycle.slice(0, 3)).toEqual([0, count - 1, count - 2]);
  });
});

/** A random DAG: each subtask depends only on earlier ones. */
const dagArbitrary = fc
  .integer({ min: 2, max: 40 })
  .chain((count) =>
    fc.tuple(
      ...Array.from({ length: count }, (_, index) =>
        index === 0
          ? fc.constant<number[]>([])
          : fc.uniqueArray(fc.integer({ min: 0, max: index - 1 }), { maxLength: 4 }),
      ),
    ),
  );

describe('validatePlan cycle detection (properties)', () => {
  it('never reports a random DAG as cyclic', () => {
    fc.assert(
      fc.property(dagArbitrary, (dependencies) => {
        const plan = validatePlan({
          subtasks: dependencies.map((depends_on, index) => step(`s${index}`, depends_on)),
        });
        expect(plan.subtasks.map((subtask) => subtask.depends_on)).toEqual(dependencies);
        expect(plan.warnings).toEqual([]);
      }),
    );
  });

  it('reports a real cycle once a back edge closes a path', () => {
    fc.assert(
      fc.property(dagArbitrary, fc.nat(), (dependencies, pick) => {
        // Make sure a path from the last subtask down to an earlier one exists, then add the back edge.
        const edges = dependencies.map((list) => [...list]);
        const last = edges.length - 1;
        const target = pick % last;
        if (!edges[last]!.includes(target)) edges[last]!.push(target);
        edges[target]!.push(last);
        const error = errorOf(() =>
          validatePlan({ subtasks: edges.map((depends_on, index) => step(`s${index}`, depends_on)) }),
        );
        expect(error.code).toBe('PLAN_CYCLE');
        const cycle = error.context['cycle'] as number[];
        expect(cycle.length).toBeGreaterThanOrEqual(3);
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        expect(cycle[0]).toBe(Math.min(...cycle));
        expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1);
        for (let position = 0; position + 1 < cycle.length; position++) {
          expect(edges[cycle[position]!]).toContain(cycle[position + 1]);
        }
        expect(error.message).toBe(`dependency cycle: ${cycle.join(' -> ')}`);
      }),
    );
  });
});

describe('shared dependency lists', () => {
  it('validated plans carry frozen dependency lists, which records and their copies share', () => {
    const plan = validatePlan({ subtasks: [{ description: 'a' }, { description: 'b', depends_on: [0] }] });
    const dependencies = plan.subtasks[1]!.depends_on;
    expect(Object.isFrozen(dependencies)).toBe(true);
    const record = newSubtaskRecord({
      id: 't.1',
      index: 1,
      description: 'b',
      tier_hint: 2,
      tier_assigned: 2,
      model: 'm',
      depends_on: dependencies,
    });
    const copy = cloneSubtask(record);
    expect(copy.depends_on).toBe(dependencies);
    expect(() => (copy.depends_on as number[]).push(5)).toThrow(TypeError);
    expect(record.depends_on).toEqual([0]);
  });

  it('a copy of a record with an unfrozen list gets a frozen copy and leaves the original alone', () => {
    const original = [0, 2];
    const shared = frozenDependencies(original);
    expect(shared).not.toBe(original);
    expect(shared).toEqual([0, 2]);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(Object.isFrozen(original)).toBe(false);
    original.push(3);
    expect(shared).toEqual([0, 2]);
  });
});
