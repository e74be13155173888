// The task manager every benchmark runs: the system clock, one provider, no escalation, and
// the slots the benchmark names (per task and in all).

import { systemClock, systemEntropy } from '../src/adapters/system/system-clock.js';
import type { Subtask } from '../src/core/records.js';
import { TaskManager } from '../src/engine/task-manager.js';
import type { Ledger } from '../src/ports/ledger.js';
import type { ModelProvider } from '../src/ports/model-provider.js';
import type { TaskStore } from '../src/ports/task-store.js';

export interface BenchManagerOptions {
  /** Calls in flight per task. */
  slots: number;
  /** Calls in flight in all. Default 64. */
  globalSlots?: number;
  /** What the scheduler is told of each subtask's duration; default: its own estimate. */
  estimateDuration?: (subtask: Subtask) => number;
}

export function benchManager(
  provider: ModelProvider,
  store: TaskStore,
  ledger: Ledger,
  options: BenchManagerOptions,
): TaskManager {
  return new TaskManager({
    clock: systemClock,
    entropy: systemEntropy,
    store,
    ledger,
    providers: () => provider,
    defaults: { provider: provider.name, concurrency: options.slots, escalate: false },
    globalConcurrency: options.globalSlots ?? 64,
    ...(options.estimateDuration ? { estimateDuration: options.estimateDuration } : {}),
  });
}
