// Persists one task's events in order and then publishes them. Events emitted in the same
// turn of the event loop are coalesced into one store write (one SQLite transaction), which keeps the
// durable store fast; `emit` resolves once its batch is stored.

import { type SymbiontError, toSymbiontError } from '../core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../core/events.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';

interface Batch {
  events: UnsequencedEvent[];
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class EventWriter {
  private batch: Batch | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: SymbiontError | undefined;

  constructor(
    private readonly taskId: string,
    private readonly store: TaskStore,
    private readonly bus: EventBus,
    /** Called once, with the first store failure. */
    private readonly onFailure: (error: SymbiontError) => void = () => undefined,
  ) {}

  /** The first store failure, if any; once set, every later emit rejects with it. */
  get failed(): SymbiontError | undefined {
    return this.failure;
  }

  /**
   * Queues an event; the returned promise (shared by the whole batch) settles when the batch
   * is stored. Callers that do not await it need not catch it: failures reach onFailure.
   */
  emit(event: UnsequencedEvent): Promise<void> {
    if (this.failure) {
      // Same contract as a batch: callers that do not await need not catch (onFailure has it).
      const rejected = Promise.reject(this.failure);
      rejected.catch(() => undefined);
      return rejected;
    }
    let batch = this.batch;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((resolvePromise, rejectPromise) => {
        resolve = resolvePromise;
        reject = rejectPromise;
      });
      done.catch(() => undefined);
      batch = { events: [], done, resolve, reject };
      this.batch = batch;
      setImmediate(() => this.flush());
    }
    batch.events.push(event);
    return batch.done;
  }

  /** Resolves when everything emitted so far is stored (or has failed). */
  async drain(): Promise<void> {
    await this.chain;
  }

  /**
   * One direct write after the writer failed, for the final events: a failure may
   * have been transient (one oversized batch, a full disk freed since). Throws if it fails.
   */
  async emitDespiteFailure(events: UnsequencedEvent[]): Promise<void> {
    await this.chain;
    const stored = await this.store.appendEvents(this.taskId, events);
    this.bus.publish(stored);
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = undefined;
    if (!batch) return;
    this.chain = this.chain.then(async () => {
      if (this.failure) {
        batch.reject(this.failure);
        return;
      }
      try {
        const stored: TaskEvent[] = await this.store.appendEvents(this.taskId, batch.events);
        this.bus.publish(stored);
        batch.resolve();
      } catch (error) {
        this.failure = toSymbiontError(error, 'STORE_WRITE');
        batch.reject(this.failure);
        this.onFailure(this.failure);
      }
    });
  }
}
