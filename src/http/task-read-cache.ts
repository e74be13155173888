// The read side of GET /tasks/:id, kept in memory so that polling does not cost a store read
// and a serialization per request. A finished task changes again only when retried (the retry
// route drops its copy; a retry from another process shows within the TTL): its JSON is kept for
// a few seconds. A running task that is being read is watched through its event stream: any
// new event drops the copy, so a read never shows less than the events already published.

import { isFinalTaskStatus, type Task } from '../core/records.js';
import type { TaskService } from '../engine/task-service.js';

export interface CachedTask {
  task: Task;
  /** JSON.stringify(task), ready to send. */
  json: string;
}

export interface TaskReadCacheOptions {
  /** Finished records kept at most. Default 1,000. */
  maxFinished?: number;
  /** How long a finished record is served from memory, in ms; bounds how stale a pruned task can be. Default 5,000. */
  finishedTtlMs?: number;
  /** Running tasks watched at most; more are read from the store each time. Default 1,000. */
  maxWatched?: number;
  /** A running task not read for this long is no longer watched, in ms. Default 30,000. */
  watchIdleMs?: number;
  now?: () => number;
}

interface FinishedEntry extends CachedTask {
  storedAt: number;
}

interface Watch {
  controller: AbortController;
  /** Bumped by every event; a copy read before a bump is never kept. */
  generation: number;
  current: CachedTask | undefined;
  lastRead: number;
}

function cached(task: Task): CachedTask {
  return { task, json: JSON.stringify(task) };
}

export class TaskReadCache {
  private readonly finished = new Map<string, FinishedEntry>();
  private readonly watches = new Map<string, Watch>();
  private readonly options: Required<Omit<TaskReadCacheOptions, 'now'>>;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly service: Pick<TaskService, 'getTaskProgress' | 'events'>,
    options: TaskReadCacheOptions = {},
  ) {
    this.options = {
      maxFinished: options.maxFinished ?? 1000,
      finishedTtlMs: options.finishedTtlMs ?? 5000,
      maxWatched: options.maxWatched ?? 1000,
      watchIdleMs: options.watchIdleMs ?? 30_000,
    };
    this.now = options.now ?? Date.now;
  }

  /** The record from memory, without waiting, if it is there and current; else undefined (then call read). */
  peek(taskId: string): CachedTask | undefined {
    const hit = this.finishedHit(taskId);
    if (hit) return hit;
    const watch = this.watches.get(taskId);
    if (watch === undefined) return undefined;
    watch.lastRead = this.now();
    return watch.current;
  }

  async read(taskId: string): Promise<CachedTask | undefined> {
    const hit = this.peek(taskId);
    if (hit) return hit;
    const watch = this.watches.get(taskId);
    const generation = watch?.generation;
    const task = await this.service.getTaskProgress(taskId);
    if (task === undefined) return undefined;
    const entry = cached(task);
    if (isFinalTaskStatus(task.status)) {
      this.remember(taskId, entry);
    } else if (watch) {
      if (watch.generation === generation) watch.current = entry;
    } else {
      this.watch(taskId);
    }
    return entry;
  }

  /** Drops the finished copy of a task that runs again (a retry). */
  forget(taskId: string): void {
    this.finished.delete(taskId);
  }

  /** Stops every watch. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const watch of this.watches.values()) watch.controller.abort();
    this.watches.clear();
  }

  /** Finished records leave in the order they came: a read does not move one (that would cost a map delete and insert per read). */
  private finishedHit(taskId: string): CachedTask | undefined {
    const hit = this.finished.get(taskId);
    if (hit === undefined) return undefined;
    if (this.now() - hit.storedAt < this.options.finishedTtlMs) return hit;
    this.finished.delete(taskId);
    return undefined;
  }

  private remember(taskId: string, entry: CachedTask): void {
    if (this.options.maxFinished <= 0) return;
    this.finished.set(taskId, { ...entry, storedAt: this.now() });
    if (this.finished.size > this.options.maxFinished) {
      const oldest = this.finished.keys().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  /**
   * Follows the task's events from the start. The replay of stored events bumps the generation
   * too, so the first copy is kept only once a read completes with no event in between.
   */
  private watch(taskId: string): void {
    if (this.closed || this.watches.size >= this.options.maxWatched) return;
    const watch: Watch = {
      controller: new AbortController(),
      generation: 0,
      current: undefined,
      lastRead: this.now(),
    };
    this.watches.set(taskId, watch);
    this.startSweeper();
    void (async () => {
      try {
        for await (const event of this.service.events(taskId, { signal: watch.controller.signal })) {
          watch.generation++;
          watch.current = undefined;
          if (event.type === 'task.finished') break;
        }
      } catch {
        // The task vanished or the stream failed: reads simply go to the store again.
      } finally {
        if (this.watches.get(taskId) === watch) this.watches.delete(taskId);
      }
    })();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        const now = this.now();
        for (const [taskId, watch] of this.watches) {
          if (now - watch.lastRead > this.options.watchIdleMs) {
            watch.controller.abort();
            this.watches.delete(taskId);
          }
        }
      },
      Math.max(1000, Math.floor(this.options.watchIdleMs / 2)),
    );
    this.sweeper.unref();
  }
}
