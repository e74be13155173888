import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { extractJson } from '../../src/core/plan-json.js';

const plan = { reasoning: 'r', subtasks: [{ description: 'say {hi}', tier_hint: 1, depends_on: [] }] };
const planText = JSON.stringify(plan, null, 2);

describe('extractJson', () => {
  it('reads an answer that is only JSON, surrounding whitespace included', () => {
    expect(extractJson(`\n  ${planText}\n`)).toEqual(plan);
  });

  it('reads a ```json fenced block surrounded by prose', () => {
    expect(extractJson(`Here is the plan:\n\n\`\`\`json\n${planText}\n\`\`\`\nLet me know!`)).toEqual(plan);
  });

  it('reads a bare ``` fenced block', () => {
    expect(extractJson(`\`\`\`\n${planText}\n\`\`\``)).toEqual(plan);
  });

  it('skips a fenced block that is not JSON and reads a later one', () => {
    const text = `Example:\n\`\`\`text\nnot json\n\`\`\`\nPlan:\n\`\`\`json\n${planText}\n\`\`\``;
    expect(extractJson(text)).toEqual(plan);
  });

  it('finds the first balanced object in prose', () => {
    expect(extractJson(`Sure. ${JSON.stringify(plan)} Hope that helps.`)).toEqual(plan);
  });

  it('ignores braces and quotes inside JSON strings', () => {
    const tricky = {
      reasoning: 'braces } { and "quotes" and \\ backslashes',
      subtasks: [{ description: '}}}', tier_hint: 2, depends_on: [] }],
    };
    expect(extractJson(`The plan: ${JSON.stringify(tricky)} (done {really})`)).toEqual(tricky);
  });

  it('skips a brace in prose that does not open JSON', () => {
    expect(extractJson(`Use {placeholders} like this: ${JSON.stringify(plan)}`)).toEqual(plan);
  });

  it('ignores a BOM before the JSON', () => {
    expect(extractJson(`\uFEFF${planText}`)).toEqual(plan);
  });

  it('throws PROVIDER_BAD_OUTPUT when there is no JSON object', () => {
    for (const text of ['', 'I cannot plan that.', '[1, 2, 3]', '{ "unterminated": ', '"just a string"']) {
      let caught: unknown;
      try {
        extractJson(text);
      } catch (error) {
        caught = error;
      }
      expect(SymbiontError.is(caught, 'PROVIDER_BAD_OUTPUT')).toBe(true);
      expect((caught as SymbiontError).message).toBe('planner answer contained no JSON object');
      expect((caught as SymbiontError).retryable).toBe(false);
    }
  });

  it('gives up on a long run of unbalanced braces', () => {
    expect(() => extractJson('{'.repeat(50_000))).toThrow('planner answer contained no JSON object');
  });
});
