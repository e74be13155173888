// Task managers over the memory store and memory ledger with a given provider, for tests.
// `makeManualManager` runs on a manual clock: retry delays, timeouts and a scripted provider's
// delays pass when the test drives the clock (`finish`, or runOnClock), never on real timers;
// the engine tests use it. `makeManager` runs on the system clock, for providers that take real
// time (a fake `claude` process); backoff is shortened so retries do not slow the suite.

import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { systemClock, systemEntropy } from '../../src/adapters/system/system-clock.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { Task } from '../../src/core/records.js';
import { TaskManager, type TaskManagerOptions } from '../../src/engine/task-manager.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { ManualClock, runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { steadyEntropy } from './runner-harness.js';

function managerOver(
  provider: ModelProvider,
  base: Pick<TaskManagerOptions, 'clock' | 'entropy' | 'store'>,
  options: Partial<TaskManagerOptions>,
) {
  const ledger = new MemoryLedger();
  const manager = new TaskManager({
    ...base,
    ledger,
    providers: (name) => {
      if (name === provider.name) return provider;
      throw new SymbiontError('CONFIG', `unknown provider '${name}'`);
    },
    defaults: { provider: provider.name },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  return { manager, ledger };
}

export function makeManager(provider: ModelProvider, options: Partial<TaskManagerOptions> = {}) {
  const store = createMemoryStore();
  const { manager, ledger } = managerOver(
    provider,
    { clock: systemClock, entropy: systemEntropy, store },
    options,
  );
  return { manager, ledger, store };
}

export function makeManualManager(provider: ModelProvider, options: Partial<TaskManagerOptions> = {}) {
  const clock = new ManualClock();
  if (provider instanceof ScriptedProvider) provider.clock = clock;
  const store = createMemoryStore({ clock });
  const { manager, ledger } = managerOver(provider, { clock, entropy: steadyEntropy(), store }, options);
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
