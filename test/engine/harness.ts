// Builds a task manager over the memory store and memory ledger with a given provider, for
// engine tests. Backoff is shortened so retries do not slow the suite.

import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { systemClock, systemEntropy } from '../../src/adapters/system/system-clock.js';
import { SymbiontError } from '../../src/core/errors.js';
import { TaskManager, type TaskManagerOptions } from '../../src/engine/task-manager.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';

export function makeManager(provider: ModelProvider, options: Partial<TaskManagerOptions> = {}) {
  const ledger = new MemoryLedger();
  const store = createMemoryStore();
  const manager = new TaskManager({
    clock: systemClock,
    entropy: systemEntropy,
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
  return { manager, ledger, store };
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
