import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dependentsOf } from '../../src/core/dependents.js';

describe('dependentsOf', () => {
  it('lists, for each subtask, the subtasks that depend on it, in index order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 5 }), { maxLength: 12 }),
        (dependsOn) => {
          const { offsets, targets } = dependentsOf(dependsOn);
          const count = dependsOn.length;
          for (let index = 0; index < count; index++) {
            const expected: number[] = [];
            dependsOn.forEach((list, dependent) => {
              for (const dependency of list) if (dependency === index) expected.push(dependent);
            });
            expect([...targets.subarray(offsets[index]!, offsets[index + 1]!)]).toEqual(expected);
          }
          expect(offsets[count]).toBe(targets.length);
        },
      ),
    );
  });
});
