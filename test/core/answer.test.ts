import { describe, expect, it } from 'vitest';
import { answerSources, missingNote, planAnswer, sinkIndexes } from '../../src/core/answer.js';
import { newSubtaskRecord, type Subtask, type SubtaskStatus } from '../../src/core/records.js';
import { retrySelection } from '../../src/core/retry-selection.js';
import { DEFAULT_TASK_SETTINGS } from '../../src/core/task-settings.js';

function subtasks(dependsOn: number[][], statuses: SubtaskStatus[]): Subtask[] {
  return dependsOn.map((depends_on, index) => ({
    ...newSubtaskRecord({
      id: `t.${index}`,
      index,
      description: `step ${index}`,
      tier_hint: 1,
      tier_assigned: 1,
      model: 'm',
      depends_on,
    }),
    status: statuses[index]!,
    result: statuses[index] === 'completed' ? `r${index}` : null,
    error:
      statuses[index] === 'failed' ? 'boom' : statuses[index] === 'skipped' ? 'dependency 1 failed' : null,
  }));
}

describe('answer (core)', () => {
  it('finds sinks, and the completed subtasks no completed subtask depends on', () => {
    const list = subtasks([[], [0], [1], [0]], ['completed', 'failed', 'skipped', 'completed']);
    expect(sinkIndexes(list)).toEqual([2, 3]);
    // 0 is covered by 3 (completed); 3 has no dependents.
    expect(answerSources(list).map((subtask) => subtask.index)).toEqual([3]);
  });

  it('takes a single source directly, synthesizes several, joins them when synthesis is off', () => {
    const task = (list: Subtask[], synthesis = true) => ({
      prompt: 'goal',
      subtasks: list,
      settings: { ...DEFAULT_TASK_SETTINGS, synthesis },
    });
    const chain = subtasks([[], [0]], ['completed', 'completed']);
    expect(planAnswer(task(chain), false)).toEqual({ kind: 'direct', answer: 'r1' });
    const fan = subtasks([[], []], ['completed', 'completed']);
    expect(planAnswer(task(fan), false)).toMatchObject({ kind: 'synthesis', sources: [0, 1] });
    expect(planAnswer(task(fan, false), false)).toEqual({
      kind: 'direct',
      answer: '## Step 0: step 0\n\nr0\n\n## Step 1: step 1\n\nr1',
    });
    expect(planAnswer(task(fan), true)).toEqual({ kind: 'none' });
    expect(planAnswer(task(subtasks([[]], ['failed'])), false)).toEqual({ kind: 'none' });
  });

  it('names what is missing, with each reason', () => {
    const list = subtasks([[], [0], [1]], ['completed', 'failed', 'skipped']);
    expect(missingNote(list)).toBe(
      '## Missing from this answer\n1 of 3 steps completed. Not done:\n- step 1 (step 1): failed: boom\n- step 2 (step 2): skipped: dependency 1 failed',
    );
    expect(missingNote(subtasks([[]], ['completed']))).toBeNull();
  });
});

describe('retry selection (core)', () => {
  const task = (list: Subtask[], status: 'partial' | 'completed' | 'executing' = 'partial') => ({
    id: 't',
    status,
    subtasks: list,
  });

  it('takes every failed, skipped and cancelled subtask by default', () => {
    const list = subtasks([[], [0], [1], []], ['completed', 'failed', 'skipped', 'cancelled']);
    expect(retrySelection(task(list))).toEqual([1, 2, 3]);
  });

  it('takes a named subtask with its transitive dependents and its dependencies that did not complete', () => {
    const list = subtasks(
      [[], [0], [1], [2], []],
      ['completed', 'completed', 'completed', 'completed', 'completed'],
    );
    expect(retrySelection(task(list, 'completed'), [1])).toEqual([1, 2, 3]);
    const broken = subtasks([[], [], [0, 1], []], ['failed', 'completed', 'skipped', 'completed']);
    expect(retrySelection(task(broken), [2])).toEqual([0, 2]);
  });

  it('refuses an unfinished task, a task with nothing to retry and a subtask it does not have', () => {
    const done = subtasks([[]], ['completed']);
    expect(() => retrySelection(task(done, 'executing'))).toThrow(/only a finished task/);
    expect(() => retrySelection(task(done, 'completed'))).toThrow(/nothing to retry/);
    expect(() => retrySelection(task(done, 'completed'), [1])).toThrow(/has no subtask 1/);
  });
});
