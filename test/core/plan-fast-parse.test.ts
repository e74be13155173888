import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWellFormedPlan } from '../../src/core/plan-fast-parse.js';
import { planSchema } from '../../src/core/plan-schema.js';
import { validatePlan } from '../../src/core/plan-validation.js';
import { frozenDependencies, newSubtaskRecord } from '../../src/core/records.js';
import { cloneSubtask } from '../../src/core/task-reducer.js';

// Values near every edge the schema draws: non-finite and unsafe numbers, fractions, blank and
// padded strings, null, arrays where objects belong and the reverse.
const oddNumber = fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1.5, -0);
const number = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double(), oddNumber);
const text = fc.oneof(fc.string(), fc.constantFrom('', '   ', ' padded \n', '\u00a0', 'step'));
const loose = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  number,
  text,
  fc.boolean(),
  fc.constant({}),
);

/** Mostly a valid value, sometimes anything near an edge. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: loose, weight: 1 });

const subtask = fc.record(
  {
    index: mostly(fc.integer({ min: -1, max: 6 })),
    description: mostly(text),
    tier_hint: mostly(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.double({ min: -10, max: 10 }))),
    depends_on: mostly(
      fc.array(
        fc.oneof({ arbitrary: fc.integer({ min: -1, max: 6 }), weight: 8 }, { arbitrary: number, weight: 1 }),
      ),
    ),
    extra: loose,
  },
  { requiredKeys: ['description'] },
);

const planLike = fc.oneof(
  {
    arbitrary: fc.record(
      {
        prompt: mostly(text),
        reasoning: mostly(text),
        subtasks: mostly(fc.array(mostly(subtask), { maxLength: 4 })),
        model: loose,
      },
      { requiredKeys: ['subtasks'] },
    ),
    weight: 8,
  },
  { arbitrary: fc.anything(), weight: 1 },
);

const wellFormed = fc.record(
  {
    prompt: fc.string(),
    reasoning: fc.option(fc.string(), { nil: null }),
    subtasks: fc.array(
      fc.record(
        {
          description: fc.string({ minLength: 1 }).filter((value) => value.trim() !== ''),
          tier_hint: fc.double({ noNaN: true, noDefaultInfinity: true }),
          depends_on: fc.array(fc.nat({ max: 8 })),
        },
        { requiredKeys: ['description'] },
      ),
      { maxLength: 8 },
    ),
  },
  { requiredKeys: ['subtasks'] },
);

describe('parseWellFormedPlan', () => {
  it('gives what the schema gives, or leaves the input to the schema', () => {
    let taken = 0;
    let rejected = 0;
    fc.assert(
      fc.property(planLike, (input) => {
        const fast = parseWellFormedPlan(input);
        const schema = planSchema.safeParse(input);
        if (fast === undefined) {
          if (!schema.success) rejected++;
          return;
        }
        taken++;
        expect(schema.success).toBe(true);
        expect(fast).toEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
    // Both kinds were generated: plans the fast parse took, and input the schema rejects.
    expect(taken).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  });

  it('takes every well-formed plan itself', () => {
    fc.assert(
      fc.property(wellFormed, (input) => {
        const fast = parseWellFormedPlan(input);
        expect(fast).toBeDefined();
        expect(fast).toEqual(planSchema.parse(input));
      }),
    );
  });

  it('trims descriptions and fills the defaults as the schema does', () => {
    const input = { subtasks: [{ description: '  first \n' }, { description: 'second', index: 1 }] };
    expect(parseWellFormedPlan(input)).toEqual({
      reasoning: null,
      subtasks: [
        { description: 'first', tier_hint: 2, depends_on: [] },
        { description: 'second', tier_hint: 2, depends_on: [], index: 1 },
      ],
    });
  });

  it('leaves to the schema a blank description, an unsafe integer and a non-finite tier', () => {
    expect(parseWellFormedPlan({ subtasks: [{ description: ' \u00a0 ' }] })).toBeUndefined();
    expect(parseWellFormedPlan({ subtasks: [{ description: 'a', depends_on: [2 ** 53] }] })).toBeUndefined();
    expect(parseWellFormedPlan({ subtasks: [{ description: 'a', tier_hint: Infinity }] })).toBeUndefined();
    expect(parseWellFormedPlan({ subtasks: [{ description: 'a' }], reasoning: 3 })).toBeUndefined();
    expect(parseWellFormedPlan([])).toBeUndefined();
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
