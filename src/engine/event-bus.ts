// Publishes stored task events to live subscribers (the CLI view, SSE streams, waiters).
// Only events the store has already persisted are published, so nobody sees a state the store
// could lose.

import type { TaskEvent } from '../core/events.js';

export type EventListener = (event: TaskEvent) => void;

export class EventBus {
  private readonly listeners = new Map<string, Set<EventListener>>();
  /** Listeners to every task's events (the server's metrics). */
  private readonly everyTask = new Set<EventListener>();
  /** Called when this process stops running a task, whether or not it stored its end. */
  private readonly runEndListeners = new Map<string, Set<() => void>>();

  /** Calls `listener` when this process stops running `taskId`; returns the unsubscribe function. */
  onRunEnded(taskId: string, listener: () => void): () => void {
    let set = this.runEndListeners.get(taskId);
    if (!set) {
      set = new Set();
      this.runEndListeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      const current = this.runEndListeners.get(taskId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.runEndListeners.delete(taskId);
    };
  }

  /** This process stopped running `taskId` (a stream waiting on the bus must look again). */
  runEnded(taskId: string): void {
    for (const listener of [...(this.runEndListeners.get(taskId) ?? [])]) listener();
  }

  subscribe(taskId: string, listener: EventListener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(taskId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(taskId);
    };
  }

  /** Listens to the events of every task; returns the unsubscribe function. */
  subscribeAll(listener: EventListener): () => void {
    this.everyTask.add(listener);
    return () => {
      this.everyTask.delete(listener);
    };
  }

  publish(events: readonly TaskEvent[]): void {
    for (const event of events) {
      for (const listener of this.everyTask) listener(event);
      const set = this.listeners.get(event.task_id);
      if (!set) continue;
      for (const listener of [...set]) listener(event);
    }
  }

  listenerCount(taskId: string): number {
    return this.listeners.get(taskId)?.size ?? 0;
  }
}
