// Builds a task manager over the memory store and memory ledger with a given provider, for
// engine tests, on a manual clock: retry delays, timeouts and a scripted provider's delays pass
// when the test drives the clock (`finish`, or runOnClock), never on real timers.

import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { Task } from '../../src/core/records.js';
import { TaskManager, type TaskManagerOptions } from '../../src/engine/task-manager.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { ManualClock, runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { steadyEntropy } from './runner-harness.js';

export function makeManager(provider: ModelProvider, options: Partial<TaskManagerOptions> = {}) {
  const clock = new ManualClock();
  if (provider instanceof ScriptedProvider) provider.clock = clock;
  const ledger = new MemoryLedger();
  const store = createMemoryStore({ clock });
  const manager = new TaskManager({
    clock,
    entropy: steadyEntropy(),
    store,
    ledger,
    providers: (name) => {
      if (name === provider.name) return provider;
      throw new SymbiontError('CONFIG', `unknown provider '${name}'`);
    },
    defaults: { provider: provider.name },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  /** Drives the clock until the task ends; resolves with its final record. */
  const finish = (taskId: string): Promise<Task> => runOnClock(clock, manager.waitForTask(taskId));
  return { manager, ledger, store, clock, finish };
}

export function chainPlan(descriptions: string[], dependsOn: number[][] = []) {
  return {
    reasoning: 'test plan',
    subtasks: descriptions.map((description, index) => ({
      description,
      tier_hint: 1,
      depends_on: dependsOn[index] ?? [],
    })),
  };
}
