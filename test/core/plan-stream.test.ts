import { describe, expect, it } from 'vitest';
import { PlanStreamParser } from '../../src/core/plan-stream.js';

const plan = {
  reasoning: 'has {braces} and "quotes" and [brackets]',
  subtasks: [
    { description: 'one }', tier_hint: 1, depends_on: [] },
    { description: 'two \\" {', tier_hint: 2, depends_on: [0], extra: { nested: [1, { a: 2 }] } },
    { description: 'three', tier_hint: 1, depends_on: [0, 1] },
  ],
  notes: { subtasks: [{ description: 'not a subtask' }] },
};

function feed(text: string, size: number): unknown[][] {
  const parser = new PlanStreamParser();
  const batches: unknown[][] = [];
  for (let at = 0; at < text.length; at += size) batches.push(parser.push(text.slice(at, at + size)));
  return batches;
}

describe('PlanStreamParser', () => {
  it('hands out each subtask once its closing brace arrived, whatever the chunking', () => {
    const text = `Here is the plan:\n\`\`\`json\n${JSON.stringify(plan, null, 2)}\n\`\`\`\n{"subtasks":[{"x":1}]}`;
    for (const size of [1, 3, 7, 64, text.length]) {
      const found = feed(text, size).flat();
      expect(found).toEqual(plan.subtasks);
    }
  });

  it('hands out the first subtask before the last one has arrived', () => {
    const text = JSON.stringify(plan);
    const cut = text.indexOf('"three"');
    const parser = new PlanStreamParser();
    expect(parser.push(text.slice(0, cut))).toEqual(plan.subtasks.slice(0, 2));
    expect(parser.push(text.slice(cut))).toEqual(plan.subtasks.slice(2));
  });

  it('skips an element that is not JSON and a subtasks key that is not top-level', () => {
    const parser = new PlanStreamParser();
    expect(parser.push('{"meta":{"subtasks":[{"a":1}]},"subtasks":[{"a":2},{"b":3}]}')).toEqual([
      { a: 2 },
      { b: 3 },
    ]);
  });
});
