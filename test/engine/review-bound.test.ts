// The review estimate's high figure bounds what runs cost (SPEC §11): it covers the budget's
// reservation of every call even when dependency results pass every cut, and (property) a run
// of random plans on the simulated provider costs at most the high figure, per subtask and in all.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { callReservationUsd, promptTokenBound } from '../../src/core/call-reservation.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { makeManualManager } from './harness.js';

describe('the high figure bounds what runs cost', () => {
  it('covers the reservation of every call, with dependency results far above every cut', async () => {
    const provider = new ScriptedProvider((description) => ({
      text: description === 'draft' ? 'short' : 'é'.repeat(30_000),
      costUsd: null,
    }));
    const { manager, clock, finish } = makeManualManager(provider);
    const receipt = await runOnClock(
      clock,
      manager.submitTask({
        prompt: 'goal',
        plan: {
          subtasks: [
            { description: 'research', tier_hint: 1, depends_on: [] },
            { description: 'outline', tier_hint: 1, depends_on: [] },
            { description: 'draft', tier_hint: 2, depends_on: [0, 1] },
          ],
        },
        settings: { context_chars: 20_000, result_cap: 10_000 },
        review: true,
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await manager.approveTask(receipt.id);
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    const draft = provider.calls.find((call) => call.description === 'draft')!;
    expect(draft.prompt).toContain('[result cut:');
    // What the budget reserves for the prompt really sent, at the full output cap.
    const reserved = callReservationUsd(
      { model: draft.model, tier: 2, promptTokens: promptTokenBound(draft.prompt) },
      4096,
    );
    expect(reserved).toBeLessThanOrEqual(task.subtasks[2]!.estimate!.high_usd);
  });

  it('property: a run on the simulated provider costs at most the high figure', async () => {
    const plans = fc.record({
      deps: fc.array(fc.array(fc.nat(20), { maxLength: 3 }), { minLength: 1, maxLength: 8 }),
      tiers: fc.array(fc.constantFrom(1, 2, 3), { minLength: 8, maxLength: 8 }),
      contextChars: fc.integer({ min: 0, max: 3000 }),
      resultCap: fc.integer({ min: 100, max: 3000 }),
    });
    await fc.assert(
      fc.asyncProperty(plans, async ({ deps, tiers, contextChars, resultCap }) => {
        const { manager, clock, finish } = makeManualManager(createSimulatedProvider({ latencyScale: 0 }));
        // Dependencies only on earlier subtasks: always a DAG.
        const subtasks = deps.map((list, index) => ({
          description: `step ${index} of the work`,
          tier_hint: tiers[index]!,
          depends_on: [...new Set(list.filter((dependency) => dependency < index))],
        }));
        const receipt = await runOnClock(
          clock,
          manager.submitTask({
            prompt: 'the goal of the property run',
            plan: { subtasks },
            settings: { context_chars: contextChars, result_cap: resultCap },
            review: true,
          }),
        );
        await new Promise((resolve) => setImmediate(resolve));
        await manager.approveTask(receipt.id);
        const task = await finish(receipt.id);
        expect(task.status).toBe('completed');
        expect(task.total_cost).toBeLessThanOrEqual(task.estimate!.high_usd);
        for (const subtask of task.subtasks) {
          expect(subtask.cost!).toBeLessThanOrEqual(subtask.estimate!.high_usd);
        }
      }),
      { numRuns: 30 },
    );
  });
});
