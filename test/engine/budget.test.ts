// Budgets that work (issue 11 item 2): every call's output cap is chosen so that its worst
// case fits what is left, a subtask that does not fit while calls are in flight waits for them
// (queued, not skipped), a skip names the figures, and the spend never passes the budget.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import type { TaskEvent } from '../../src/core/events.js';
import { createInProcessExecutor } from '../../src/engine/in-process-executor.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { chainPlan } from './harness.js';
import { fakeProvider, makeRig } from './runner-harness.js';

/** $0.001 per output token, input free: a reservation is its output cap in thousandths of a dollar. */
const boundedProvider: ModelProvider = {
  ...fakeProvider,
  callBounds: { honoursMaxOutputTokens: true, promptOverheadTokens: 0 },
  priceFor: () => ({ inputPerMillion: 0, outputPerMillion: 1000 }),
};

/** A call that writes `wanted` output tokens, as many as its cap allows, at the provider's price. */
function writes(wanted: number, delayMs = 10) {
  return (_description: string, _call: number, request: { maxOutputTokens?: number }) => {
    const outputTokens = Math.min(wanted, request.maxOutputTokens ?? wanted);
    return { delayMs, outputTokens, inputTokens: 10, costUsd: outputTokens * 0.001 };
  };
}

/** The subtask events in stored order, each with its time on the clock since `start`. */
function summary(events: TaskEvent[], start: number): string[] {
  const out: string[] = [];
  for (const event of events) {
    const at = Date.parse(event.at) - start;
    if (event.type === 'subtask.started') out.push(`${at} started ${event.index}`);
    else if (event.type === 'subtask.completed') out.push(`${at} completed ${event.index}`);
    else if (event.type === 'subtask.skipped') out.push(`${at} skipped ${event.index}`);
  }
  return out;
}

describe('budget reservations', () => {
  it('a subtask that does not fit while calls are in flight waits for them, then starts with a smaller cap', async () => {
    const { manager, clock, executor, store, ledger } = makeRig(
      (description, call, request) => ({
        ...writes(300)(description, call, request),
        delayMs: description === 'a' ? 5 : 10,
      }),
      { providers: () => boundedProvider, maxOutputTokens: 1000 },
    );
    // a and b reserve $1.00 each (1000 tokens); c's smallest reservation (256 tokens, $0.256)
    // does not fit the $0.20 left, but would once a call settles: it waits.
    const start = clock.now();
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b', 'c']),
      // The three subtask calls only: the answer's call is covered by the property below.
      settings: { budget_usd: 2.2, concurrency: 3, synthesis: false },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    const events = await store.readEvents(receipt.id, 0);
    // c is not skipped: it stays queued until a settles at t=5 ms, then starts (while a's
    // completion is being stored, as every next call does).
    expect(summary(events, start)).toEqual([
      '0 started 0',
      '0 started 1',
      '5 started 2',
      '5 completed 0',
      '10 completed 1',
      '15 completed 2',
    ]);
    // c started when a's $0.30 replaced its $1.00 reservation: 2.2 - 0.3 - 1.0 = $0.90 = 900 tokens.
    expect(executor.callsFor('c')[0]!.request.maxOutputTokens).toBe(900);
    expect(executor.callsFor('c')[0]!.startedAt).toBe(executor.callsFor('a')[0]!.endedAt);
    expect(executor.calls.map((call) => call.request.reservedUsd)).toEqual([1, 1, 0.9]);
    const spent = ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0);
    expect(spent).toBeCloseTo(0.9, 9);
    await manager.close();
  });

  it('skips only when spent plus the smallest reservation passes the budget, naming the figures', async () => {
    const { manager, clock, executor } = makeRig(writes(300), {
      providers: () => boundedProvider,
      maxOutputTokens: 1000,
    });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b']),
      settings: { budget_usd: 0.2, concurrency: 2 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(executor.calls).toHaveLength(0);
    expect(task.status).toBe('failed');
    expect(task.error).toBe('budget exhausted: next call needs up to $0.2560; $0.2000 of $0.2000 left');
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['skipped', 'skipped']);
    await manager.close();
  });

  it('a provider that does not honour the cap is reserved at the full cap and never sized down', async () => {
    const unbounded: ModelProvider = {
      ...boundedProvider,
      callBounds: { honoursMaxOutputTokens: false, promptOverheadTokens: 0 },
    };
    const { manager, clock, executor } = makeRig(writes(300), {
      providers: () => unbounded,
      maxOutputTokens: 1000,
    });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['a', 'b']),
      settings: { budget_usd: 1.5, concurrency: 2 },
    });
    const task = await runOnClock(clock, manager.waitForTask(receipt.id));
    expect(task.status).toBe('completed');
    // b waited for a (its $1.00 did not fit the $0.50 left) rather than going out with 500 tokens.
    expect(executor.calls.map((call) => call.request.maxOutputTokens)).toEqual([1000, 1000]);
    expect(executor.callsFor('b')[0]!.startedAt).toBe(executor.callsFor('a')[0]!.endedAt);
    await manager.close();
  });

  it('never spends past the budget and never hangs, whatever the costs, delays and budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ wanted: fc.integer({ min: 1, max: 1500 }), delay: fc.integer({ min: 0, max: 20 }) }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.1, max: 6, noNaN: true }),
        fc.boolean(),
        async (steps, concurrency, budget, chained) => {
          const byDescription = new Map(steps.map((step, index) => [`s${index}`, step]));
          const { manager, clock, ledger } = makeRig(
            (description, _call, request) => {
              // The synthesis call (several final steps) writes like a step too: it must fit as well.
              const step = byDescription.get(description) ?? { wanted: 500, delay: 0 };
              return { ...writes(step.wanted)(description, 0, request), delayMs: step.delay };
            },
            { providers: () => boundedProvider, maxOutputTokens: 1000 },
          );
          const dependsOn = steps.map((_, index) => (chained && index % 3 === 2 ? [index - 1] : []));
          const receipt = await manager.submitTask({
            prompt: 'goal',
            plan: chainPlan(
              steps.map((_, index) => `s${index}`),
              dependsOn,
            ),
            settings: { budget_usd: budget, concurrency },
          });
          const task = await runOnClock(clock, manager.waitForTask(receipt.id));
          const spent = ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0);
          expect(spent).toBeLessThanOrEqual(budget + 1e-9);
          expect(['completed', 'partial', 'failed']).toContain(task.status);
          for (const subtask of task.subtasks) expect(['completed', 'skipped']).toContain(subtask.status);
          await manager.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  describe('the same plan on the simulated provider, priced from the table', () => {
    const plan = chainPlan(
      ['collect', 'draft one', 'draft two', 'draft three', 'review', 'summarise'],
      [[], [0], [0], [0], [1, 2, 3], [4]],
    );

    async function run(budget: number | null) {
      const provider = createSimulatedProvider({ latencyScale: 0 });
      const rig = makeRig(undefined, {
        providers: () => provider,
        defaults: { provider: 'simulated' },
        executor: (clock) => createInProcessExecutor(provider, clock),
      });
      const receipt = await rig.manager.submitTask({
        prompt: 'write a short report on three colours',
        plan,
        settings: { budget_usd: budget, concurrency: 3, provider: 'simulated' },
      });
      const task = await runOnClock(rig.clock, rig.manager.waitForTask(receipt.id));
      const spent = rig.ledger.entries().reduce((sum, entry) => sum + entry.cost_usd, 0);
      await rig.manager.close();
      return { task, spent, events: await rig.store.readEvents(receipt.id, 0) };
    }

    it('completes above its cost and stops at half of it with spend <= budget and the work kept', async () => {
      const free = await run(null);
      expect(free.task.status).toBe('completed');
      const cost = free.spent;
      expect(cost).toBeGreaterThan(0);

      // A call's reservation at the full 4,096-token cap is several times what it costs here:
      // calls get smaller caps or wait, and the plan still completes.
      const above = await run(cost * 2);
      expect(above.task.status).toBe('completed');
      expect(above.spent).toBeLessThanOrEqual(cost * 2);
      expect(above.events.some((event) => event.type === 'subtask.skipped')).toBe(false);

      const half = await run(cost / 2);
      expect(half.spent).toBeLessThanOrEqual(cost / 2);
      expect(half.task.total_cost).toBeCloseTo(half.spent, 12);
      expect(half.task.status).toBe('partial');
      expect(half.task.error).toMatch(/^budget exhausted: next call needs up to \$/);
      const completed = half.task.subtasks.filter((subtask) => subtask.status === 'completed');
      expect(completed.length).toBeGreaterThan(0);
      for (const subtask of completed) expect(subtask.result).toBeTruthy();
    });
  });
});
