// Property tests of eager DAG execution through the real task manager: random DAGs, durations
// and failures, several tasks at once under a per-task and a process-wide cap.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longestRemainingPath, tierWeight } from '../../src/core/critical-path.js';
import type { Tier } from '../../src/core/records.js';
import { isFinalSubtaskStatus } from '../../src/core/records.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { makeManualManager } from './harness.js';

interface NodeSpec {
  deps: number[];
  delay: number;
  fails: boolean;
  tier: Tier;
}

const dagArbitrary = fc.integer({ min: 1, max: 14 }).chain((size) =>
  fc.tuple(
    ...Array.from({ length: size }, (_, index) =>
      fc.record({
        deps:
          index === 0
            ? fc.constant([])
            : fc.uniqueArray(fc.integer({ min: 0, max: index - 1 }), { maxLength: 3 }),
        delay: fc.integer({ min: 0, max: 4 }),
        fails: fc.integer({ min: 0, max: 99 }).map((roll) => roll < 15),
        tier: fc.constantFrom<Tier>(1, 2, 3),
      }),
    ),
  ),
) as fc.Arbitrary<NodeSpec[]>;

const scenario = fc.record({
  tasks: fc.array(dagArbitrary, { minLength: 1, maxLength: 3 }),
  taskCap: fc.integer({ min: 1, max: 3 }),
  globalCap: fc.integer({ min: 1, max: 4 }),
});

describe('eager scheduling (properties)', () => {
  it('respects dependencies and both caps, ends every subtask, never runs dependents of failures, starts in critical-path order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ tasks, taskCap, globalCap }) => {
        const specs = new Map<string, NodeSpec>();
        for (const [taskIndex, nodes] of tasks.entries()) {
          for (const [index, node] of nodes.entries()) specs.set(`t${taskIndex}-s${index}`, node);
        }
        const provider = new ScriptedProvider((description) => {
          const spec = specs.get(description);
          return { delayMs: spec?.delay ?? 0, ...(spec?.fails ? { fail: 'fatal' as const } : {}) };
        });
        const { manager, store, clock } = makeManualManager(provider, { globalConcurrency: globalCap });
        const receipts = await Promise.all(
          tasks.map((nodes, taskIndex) =>
            manager.submitTask({
              prompt: `goal-${taskIndex}`,
              plan: {
                reasoning: null,
                subtasks: nodes.map((node, index) => ({
                  description: `t${taskIndex}-s${index}`,
                  tier_hint: node.tier,
                  depends_on: node.deps,
                })),
              },
              // Subtask calls only: the answer's call is covered in answer.test.ts.
              settings: { concurrency: taskCap, escalate: false, max_attempts: 1, synthesis: false },
            }),
          ),
        );
        const finals = await runOnClock(
          clock,
          Promise.all(receipts.map((receipt) => manager.waitForTask(receipt.id))),
        );

        // Caps.
        expect(provider.maxActive).toBeLessThanOrEqual(globalCap);
        for (const max of provider.maxActiveByGoal.values()) expect(max).toBeLessThanOrEqual(taskCap);

        for (const [taskIndex, final] of finals.entries()) {
          const nodes = tasks[taskIndex]!;
          const callsOf = (index: number) =>
            provider.calls.filter((call) => call.description === `t${taskIndex}-s${index}`);
          for (const subtask of final.subtasks) {
            // Every subtask ends in a final state.
            expect(isFinalSubtaskStatus(subtask.status)).toBe(true);
            const calls = callsOf(subtask.index);
            const spec = nodes[subtask.index]!;
            const blocked = subtask.depends_on.some(
              (dependency) => final.subtasks[dependency]!.status !== 'completed',
            );
            if (blocked) {
              // Dependents of failures never run.
              expect(calls).toHaveLength(0);
              expect(subtask.status).toBe('skipped');
              expect(subtask.error).toMatch(/^dependency \d+ (failed|was skipped)$/);
            } else {
              expect(subtask.status).toBe(spec.fails ? 'failed' : 'completed');
            }
            // No subtask starts before all its dependencies completed.
            for (const call of calls) {
              for (const dependency of subtask.depends_on) {
                const finished = callsOf(dependency).find(
                  (dependencyCall) => dependencyCall.outcome === 'ok',
                );
                expect(finished).toBeDefined();
                expect(finished!.end!).toBeLessThan(call.start);
              }
            }
          }
          // Ready subtasks start in critical-path order (rank, then index).
          const rank = longestRemainingPath(
            nodes.map((node) => node.deps),
            nodes.map((node) => tierWeight(node.tier)),
          );
          const queued = new Set<number>();
          for (const event of await store.readEvents(final.id, 0)) {
            if (event.type === 'subtask.queued') queued.add(event.index);
            if (event.type === 'subtask.started' && event.attempt === 1) {
              for (const other of queued) {
                if (other === event.index) continue;
                const better =
                  rank[other]! > rank[event.index]! ||
                  (rank[other] === rank[event.index] && other < event.index);
                expect(
                  better,
                  `subtask ${event.index} started while ${other} was ready with a higher priority`,
                ).toBe(false);
              }
              queued.delete(event.index);
            }
          }
          const completed = final.subtasks.filter((subtask) => subtask.status === 'completed').length;
          expect(final.status).toBe(
            completed === final.subtasks.length ? 'completed' : completed === 0 ? 'failed' : 'partial',
          );
        }
        await manager.close();
      }),
      { numRuns: 60 },
    );
  });
});
