// A small read cache for GET /tasks/:id: the record of a finished task never changes again, so
// its JSON is kept for a few seconds (bounded, least recently used first out) instead of being
// read from the store and serialized on every poll. Running tasks are always read fresh.

import { isFinalTaskStatus, type Task } from '../core/records.js';

export interface CachedTask {
  task: Task;
  /** JSON.stringify(task), ready to send. */
  json: string;
}

export interface FinishedTaskCacheOptions {
  /** Records kept at most. Default 1,000. */
  maxEntries?: number;
  /** How long a record is served from memory, in ms; bounds how stale a pruned task can be. Default 5,000. */
  ttlMs?: number;
  now?: () => number;
}

export class FinishedTaskCache {
  private readonly entries = new Map<string, CachedTask & { storedAt: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: FinishedTaskCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** The task from the cache, else from `load` (cached when it is finished). */
  async read(
    taskId: string,
    load: (taskId: string) => Promise<Task | undefined>,
  ): Promise<CachedTask | undefined> {
    const hit = this.entries.get(taskId);
    if (hit !== undefined) {
      this.entries.delete(taskId);
      if (this.now() - hit.storedAt < this.ttlMs) {
        this.entries.set(taskId, hit);
        return hit;
      }
    }
    const task = await load(taskId);
    if (task === undefined) return undefined;
    const entry = { task, json: JSON.stringify(task), storedAt: this.now() };
    if (isFinalTaskStatus(task.status) && this.maxEntries > 0) {
      this.entries.set(taskId, entry);
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    return entry;
  }
}
