// The planner is bounded (issue 11 item 6): a model-made plan over the plan-size limit is
// re-asked once with the limit named, then fails with that error; it never runs.

import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PLANNED_SUBTASKS } from '../../src/core/plan-size.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { makeManualManager } from './harness.js';

function planOf(count: number): string {
  return JSON.stringify({
    reasoning: 'many steps',
    subtasks: Array.from({ length: count }, (_, index) => ({
      description: `step ${index}`,
      tier_hint: 1,
      depends_on: [],
    })),
  });
}

describe('bounded planner', () => {
  it('re-asks a plan of thousands of subtasks once with the limit named, then fails with that error', async () => {
    const prompts: string[] = [];
    const provider = new ScriptedProvider(
      () => ({}),
      (prompt) => {
        prompts.push(prompt);
        return planOf(5000);
      },
    );
    const { manager, ledger, finish } = makeManualManager(provider);
    const receipt = await manager.submitTask({ prompt: 'do everything' });
    expect(receipt.status).toBe('failed');
    const task = await finish(receipt.id);
    const limit = DEFAULT_MAX_PLANNED_SUBTASKS;
    expect(task.error).toBe(
      `planning failed: the plan has 5000 subtasks, over the limit of ${limit}: merge steps so that there are at most ${limit}`,
    );
    expect(task.subtasks).toHaveLength(0);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toContain(`- At most ${limit} subtasks.`);
    expect(prompts[1]).toContain(`Error: the plan has 5000 subtasks, over the limit of ${limit}`);
    expect(provider.calls.filter((call) => call.purpose === 'subtask')).toHaveLength(0);
    expect(ledger.entries().map((entry) => entry.kind)).toEqual(['plan', 'plan']);
  });

  it('runs the re-asked plan when it is within the limit, with a warning', async () => {
    let asked = 0;
    const provider = new ScriptedProvider(
      () => ({}),
      () => planOf(++asked === 1 ? 12 : 3),
    );
    const { manager, finish } = makeManualManager(provider, { maxPlannedSubtasks: 10 });
    const receipt = await manager.submitTask({ prompt: 'do a few things' });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.subtasks).toHaveLength(3);
    expect(task.warnings[0]).toBe(
      "the planner's first answer was rejected and re-asked: the plan has 12 subtasks, over the limit of 10: merge steps so that there are at most 10",
    );
  });

  it('does not limit a plan the user gives', async () => {
    const provider = new ScriptedProvider();
    const { manager, finish } = makeManualManager(provider, { maxPlannedSubtasks: 2 });
    const receipt = await manager.submitTask({ prompt: 'given', plan: JSON.parse(planOf(5)) });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.subtasks).toHaveLength(5);
  });
});
