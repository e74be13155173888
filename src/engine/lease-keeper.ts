// Execution leases (docs/decisions/execution-leases.md): one process executes a task at a
// time. The keeper takes a task's lease (free, ours, expired, or held by a holder known to be
// dead), renews it while the task runs here, and says when it was lost.

import type { Clock, Timer } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import { repeatEvery } from './timers.js';

export interface LeaseKeeperOptions {
  store: TaskStore;
  clock: Clock;
  /** Who this process is, as the store records lease holders. */
  holder: string;
  /** Lease lifetime; renewed every third of it. */
  ttlMs: number;
  /** Whether a holder is known to be dead; its unexpired lease is then taken over at once. */
  isHolderGone?: (holder: string) => boolean;
}

export class LeaseKeeper {
  constructor(private readonly options: LeaseKeeperOptions) {}

  get holder(): string {
    return this.options.holder;
  }

  /** Acquires or renews the lease if it is free, ours or expired. */
  acquire(taskId: string): Promise<boolean> {
    return this.options.store.acquireLease(taskId, this.options.holder, this.options.ttlMs);
  }

  /**
   * Takes the task's lease: free, ours, expired, or held by a holder known to be dead. Taking
   * over a dead holder's lease releases exactly that holder's lease and then acquires, so two
   * takers racing for it cannot both win: the store grants the lease to one of them.
   */
  async take(taskId: string): Promise<boolean> {
    if (await this.acquire(taskId)) return true;
    const isGone = this.options.isHolderGone;
    if (!isGone) return false;
    const holder = await this.options.store.leaseHolder(taskId);
    if (holder !== undefined && (holder === this.options.holder || !isGone(holder))) return false;
    // No holder left (the lease just lapsed or was released), or a dead one.
    if (holder !== undefined) await this.options.store.releaseLease(taskId, holder);
    return this.acquire(taskId);
  }

  release(taskId: string): Promise<void> {
    return this.options.store.releaseLease(taskId, this.options.holder);
  }

  /**
   * Renews the lease every third of its lifetime (so two renewals can be late before it
   * lapses) until cancelled; calls `onLost` when a renewal finds it held by another process.
   */
  keep(taskId: string, onLost: () => void): Timer {
    const every = Math.max(10, Math.floor(this.options.ttlMs / 3));
    return repeatEvery(
      this.options.clock,
      every,
      () =>
        this.acquire(taskId).then(
          (held) => {
            if (!held) onLost();
          },
          () => undefined,
        ),
      { background: true },
    );
  }
}
