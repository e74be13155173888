// A task manager on a manual clock whose calls run on a fake executor: runner tests drive time
// instead of sleeping. Memory store and memory ledger; entropy without jitter (random 0.5).

import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { Tier } from '../../src/core/records.js';
import type { TaskManagerOptions } from '../../src/engine/task-manager.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import type { CallExecutor } from '../../src/ports/call-executor.js';
import type { Entropy } from '../../src/ports/clock.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { FakeExecutor, type ScriptedCall } from '../fakes/fake-executor.js';
import { ManualClock } from '../fakes/manual-clock.js';

/** The provider's name and models; its calls run on the executor, never here. */
export const fakeProvider: ModelProvider = {
  name: 'fake',
  modelFor: (tier: Tier) => ['', 'haiku', 'sonnet', 'opus'][tier]!,
  complete: async () => {
    throw new SymbiontError('INTERNAL', 'the fake provider is not called: its executor is');
  },
};

export function steadyEntropy(): Entropy {
  let next = 0;
  return {
    random: () => 0.5,
    uuid: () => `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}`,
  };
}

export interface RunnerRig {
  manager: TaskManager;
  clock: ManualClock;
  executor: FakeExecutor;
  ledger: MemoryLedger;
  store: ReturnType<typeof createMemoryStore>;
}

export function makeRig(
  script: ConstructorParameters<typeof FakeExecutor>[1] = () => ({}) as ScriptedCall,
  options: Partial<TaskManagerOptions> & { executor?: (clock: ManualClock) => CallExecutor } = {},
): RunnerRig {
  const clock = new ManualClock();
  const executor = new FakeExecutor(clock, script);
  const ledger = new MemoryLedger();
  const store = createMemoryStore({ clock });
  const { executor: customExecutor, ...managerOptions } = options;
  const manager = new TaskManager({
    clock,
    entropy: steadyEntropy(),
    store,
    ledger,
    providers: () => fakeProvider,
    defaults: { provider: fakeProvider.name },
    executorFor: () => (customExecutor ? customExecutor(clock) : executor),
    ...managerOptions,
  });
  return { manager, clock, executor, ledger, store };
}
