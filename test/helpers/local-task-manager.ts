// The task manager as one process on a local home builds it (src/app/compose.ts does the same
// with its own parts): the system clock and entropy, one provider for every provider name,
// `simulated` by default, and lease holders of this host judged gone by their pid.

import { isLocalHolderGone } from '../../src/adapters/system/lease-holder.js';
import { systemClock, systemEntropy } from '../../src/adapters/system/system-clock.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import type { TaskManagerOptions } from '../../src/engine/task-manager-options.js';
import type { Ledger } from '../../src/ports/ledger.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import type { TaskStore } from '../../src/ports/task-store.js';

export function localTaskManager(
  parts: { store: TaskStore; ledger: Ledger; provider: ModelProvider },
  options: Partial<TaskManagerOptions> = {},
): TaskManager {
  return new TaskManager({
    store: parts.store,
    ledger: parts.ledger,
    clock: systemClock,
    entropy: systemEntropy,
    providers: () => parts.provider,
    defaults: { provider: 'simulated' },
    isLeaseHolderGone: isLocalHolderGone,
    ...options,
  });
}
