// A model-made plan's repairs are shown when the plan is stored, before any subtask line: in
// the live tree (above the subtasks) and in the plain progress lines.

import { describe, expect, it } from 'vitest';
import { renderTree } from '../../src/cli/render/live-tree.js';
import { plainLine } from '../../src/cli/render/plain-progress.js';
import type { TaskEvent } from '../../src/core/events.js';
import { validatePlan } from '../../src/core/plan-validation.js';
import { newSubtaskRecord, newTaskRecord } from '../../src/core/records.js';
import { DEFAULT_TASK_SETTINGS } from '../../src/core/task-settings.js';

const at = '2026-01-01T00:00:01.000Z';
const plan = validatePlan(
  {
    subtasks: [
      { description: 'a', tier_hint: 7 },
      { description: 'b', depends_on: [1, 0] },
    ],
  },
  'model',
);
const subtasks = plan.subtasks.map((subtask) =>
  newSubtaskRecord({ ...subtask, id: `t.${subtask.index}`, tier_assigned: subtask.tier_hint, model: 'm' }),
);
const task = {
  ...newTaskRecord({ id: 't', prompt: 'p', createdAt: at, settings: DEFAULT_TASK_SETTINGS, owner: null }),
  subtasks,
  warnings: plan.warnings,
};

describe('plan warnings before anything runs', () => {
  it('are the repairs model mode made', () => {
    expect(plan.warnings).toEqual([
      'subtask 0: tier_hint 7 changed to 3',
      'subtask 1: dropped dependency on itself',
    ]);
  });

  it('are listed in the plain progress line of task.planned, one line each', () => {
    const event: TaskEvent = {
      type: 'task.planned',
      reasoning: null,
      subtasks,
      warnings: plan.warnings,
      task_id: 't',
      at,
      seq: 2,
    };
    const lines = plainLine(event, task, Date.parse(at))!.split('\n');
    expect(lines).toEqual([
      '[+0.00s] planned 2 subtasks (2 plan warnings)',
      '[+0.00s] plan warning: subtask 0: tier_hint 7 changed to 3',
      '[+0.00s] plan warning: subtask 1: dropped dependency on itself',
    ]);
  });

  it('are shown in the live tree between the task line and the subtasks, within its height', () => {
    const lines = renderTree(task, Date.parse(at), 100, 10);
    expect(lines[1]).toBe('plan warning: subtask 0: tier_hint 7 changed to 3');
    expect(lines[2]).toBe('plan warning: subtask 1: dropped dependency on itself');
    expect(lines.slice(3)).toHaveLength(2);
    expect(renderTree(task, Date.parse(at), 100, 4).length).toBeLessThanOrEqual(4);
  });
});
