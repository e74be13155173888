// Persists one task's events in order and then publishes them. Events emitted in the same
// tick are coalesced into one store write (one SQLite transaction), which is what keeps the
// durable store fast; `emit` resolves once its events are stored.

import { type SymbiontError, toSymbiontError } from '../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../core/events.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';

export class EventWriter {
  private pending: UnsequencedEvent[] = [];
  private pendingWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private failure: SymbiontError | undefined;

  constructor(
    private readonly taskId: string,
    private readonly store: TaskStore,
    private readonly bus: EventBus,
    private readonly onStored?: (events: TaskEvent[]) => void,
  ) {}

  /** The first store failure, if any; once set, every later emit rejects with it. */
  get failed(): SymbiontError | undefined {
    return this.failure;
  }

  emit(...events: UnsequencedEvent[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.pending.push(...events);
    const done = new Promise<void>((resolve, reject) => {
      this.pendingWaiters.push({ resolve, reject });
    });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }

  /** Resolves when everything emitted so far is stored (or rejected). */
  async drain(): Promise<void> {
    await this.chain;
  }

  /**
   * One direct write after the writer failed, for the final `task.finished`: a failure may
   * have been transient (one oversized batch, a full disk freed since). Throws if it fails.
   */
  async emitDespiteFailure(event: UnsequencedEvent): Promise<void> {
    await this.chain;
    const stored = await this.store.appendEvents(this.taskId, [event]);
    this.bus.publish(stored);
    this.onStored?.(stored);
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    const waiters = this.pendingWaiters;
    this.pending = [];
    this.pendingWaiters = [];
    this.chain = this.chain.then(async () => {
      if (this.failure) {
        for (const waiter of waiters) waiter.reject(this.failure);
        return;
      }
      try {
        const stored = await this.store.appendEvents(this.taskId, batch);
        this.bus.publish(stored);
        this.onStored?.(stored);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.failure = toSymbiontError(error, 'STORE_WRITE');
        for (const waiter of waiters) waiter.reject(this.failure);
      }
    });
  }
}
