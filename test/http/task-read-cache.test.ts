import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/core/events.js';
import type { Task, TaskStatus } from '../../src/core/records.js';
import type { EventStreamOptions, TaskService } from '../../src/engine/task-service.js';
import { TaskReadCache } from '../../src/http/task-read-cache.js';
import { makeTask } from '../stores/task-fixtures.js';

function task(id: string, status: TaskStatus): Task {
  return makeTask({ id, status, owner: 'alice' });
}

/** A fake of the two TaskService methods the cache uses: records in a map, events pushed by the test. */
class FakeService implements Pick<TaskService, 'getTaskProgress' | 'events'> {
  reads = 0;
  readonly records = new Map<string, Task>();
  private readonly listeners = new Set<(event: TaskEvent) => void>();

  async getTaskProgress(taskId: string): Promise<Task | undefined> {
    this.reads++;
    const record = this.records.get(taskId);
    return record && structuredClone(record);
  }

  async *events(taskId: string, options: EventStreamOptions = {}): AsyncGenerator<TaskEvent> {
    const queue: TaskEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (event: TaskEvent) => {
      if (event.task_id !== taskId) return;
      queue.push(event);
      wake?.();
    };
    this.listeners.add(listener);
    options.signal?.addEventListener('abort', () => wake?.());
    try {
      while (!options.signal?.aborted) {
        const event = queue.shift();
        if (event) {
          yield event;
          if (event.type === 'task.finished') return;
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      }
    } finally {
      this.listeners.delete(listener);
    }
  }

  /** Changes the record and publishes an event, as the engine does. */
  publish(taskId: string, status: TaskStatus, seq: number): void {
    this.records.get(taskId)!.status = status;
    const at = '2026-01-01T00:00:01.000Z';
    const event: TaskEvent =
      status === 'completed'
        ? { type: 'task.finished', status, error: null, total_cost: 0, seq, task_id: taskId, at }
        : { type: 'task.started', resumed: false, seq, task_id: taskId, at };
    for (const listener of this.listeners) listener(event);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('the task read cache', () => {
  it('serves a finished task from memory until its time is up', async () => {
    let now = 0;
    const service = new FakeService();
    service.records.set('a', task('a', 'completed'));
    const cache = new TaskReadCache(service, { finishedTtlMs: 1000, now: () => now });
    const first = await cache.read('a');
    expect(first?.json).toBe(JSON.stringify(first?.task));
    await cache.read('a');
    expect(service.reads).toBe(1);
    now = 1500;
    await cache.read('a');
    expect(service.reads).toBe(2);
    cache.close();
  });

  it('keeps a running task while no event arrives, and drops it on the next event', async () => {
    const service = new FakeService();
    service.records.set('r', task('r', 'planned'));
    const cache = new TaskReadCache(service);
    await cache.read('r');
    await settle();
    expect(service.subscribers).toBe(1);
    await cache.read('r');
    expect(service.reads).toBe(2);
    await cache.read('r');
    expect(service.reads).toBe(2);

    service.publish('r', 'executing', 2);
    await settle();
    expect((await cache.read('r'))?.task.status).toBe('executing');
    expect(service.reads).toBe(3);

    service.publish('r', 'completed', 3);
    await settle();
    expect((await cache.read('r'))?.task.status).toBe('completed');
    expect(service.subscribers).toBe(0);
    cache.close();
  });

  it('never keeps a copy read while an event arrived', async () => {
    const service = new FakeService();
    service.records.set('r', task('r', 'planned'));
    const cache = new TaskReadCache(service);
    await cache.read('r');
    await settle();
    // The event lands while the second read is in flight: that read's copy must not be kept.
    const reading = cache.read('r');
    service.publish('r', 'executing', 2);
    await reading;
    await settle();
    expect((await cache.read('r'))?.task.status).toBe('executing');
    cache.close();
  });

  it('stops watching when closed, and keeps at most maxFinished finished records, the oldest leaving first', async () => {
    const service = new FakeService();
    for (const id of ['a', 'b', 'c']) service.records.set(id, task(id, 'completed'));
    service.records.set('r', task('r', 'executing'));
    const cache = new TaskReadCache(service, { maxFinished: 2 });
    for (const id of ['a', 'b', 'a', 'c']) await cache.read(id);
    expect(service.reads).toBe(3);
    // c pushed out a, the first stored, although a was read since.
    await cache.read('b');
    expect(service.reads).toBe(3);
    await cache.read('a');
    expect(service.reads).toBe(4);
    await cache.read('r');
    await settle();
    expect(service.subscribers).toBe(1);
    cache.close();
    await settle();
    expect(service.subscribers).toBe(0);
  });
});
