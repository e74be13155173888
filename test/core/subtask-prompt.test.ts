import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSubtaskPrompt } from '../../src/core/subtask-prompt.js';

describe('buildSubtaskPrompt', () => {
  it('lays out the goal, each dependency result cut to size, and the description last', () => {
    const prompt = buildSubtaskPrompt({
      goal: 'Write a report',
      description: 'Summarise',
      dependencies: [
        { index: 0, description: 'Gather facts', result: 'fact one, fact two' },
        { index: 2, description: 'Check them', result: 'all true' },
      ],
      contextChars: 8,
    });
    expect(prompt).toBe(
      [
        'You are completing one step of a larger task.',
        '',
        '## Overall goal',
        'Write a report',
        '',
        '## Results of the steps this one depends on',
        '',
        '### Step 0: Gather facts',
        'fact one\n[cut: 10 of 18 characters omitted]',
        '',
        '### Step 2: Check them',
        'all true',
        '',
        '## Your subtask',
        'Summarise',
      ].join('\n'),
    );
  });

  it('has no dependency section without dependencies', () => {
    expect(buildSubtaskPrompt({ goal: 'g', description: 'd', dependencies: [], contextChars: 10 })).toBe(
      'You are completing one step of a larger task.\n\n## Overall goal\ng\n\n## Your subtask\nd',
    );
  });

  it('always ends with the marker and the description, whatever the results hold', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.array(fc.record({ index: fc.nat(), description: fc.string(), result: fc.string() }), {
          maxLength: 4,
        }),
        fc.nat({ max: 50 }),
        (goal, description, dependencies, contextChars) => {
          const prompt = buildSubtaskPrompt({ goal, description, dependencies, contextChars });
          expect(prompt.endsWith(`\n\n## Your subtask\n${description}`)).toBe(true);
          expect(
            prompt.startsWith(`You are completing one step of a larger task.\n\n## Overall goal\n${goal}`),
          ).toBe(true);
          for (const dependency of dependencies) {
            expect(prompt).toContain(`\n\n### Step ${dependency.index}: ${dependency.description}\n`);
          }
        },
      ),
    );
  });
});
