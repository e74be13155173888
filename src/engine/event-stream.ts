// A task's events as one stream: the stored ones after a seq, then the live ones as they are
// stored, each exactly once and in seq order, ending after `task.finished`. A task executing in
// this process is followed on the bus; one executing elsewhere (or finished) is read from the
// store, polled while it runs. A retried task has several ends; the stream stops at the last.

import { SymbiontError } from '../core/errors.js';
import type { TaskEvent } from '../core/events.js';
import { isFinalTaskStatus } from '../core/records.js';
import type { Clock } from '../ports/clock.js';
import type { TaskStore } from '../ports/task-store.js';
import type { EventBus } from './event-bus.js';
import type { EventStreamOptions } from './task-service.js';
import { startTimer } from './timers.js';

export interface EventStreamSources {
  store: TaskStore;
  bus: EventBus;
  clock: Clock;
  /** Whether this process executes the task now (then the bus has its events). */
  runsHere(taskId: string): boolean;
  /** How often a task running elsewhere is read from the store. */
  pollIntervalMs: number;
}

/** Whether events after `seq` are at hand (later in `pending`, or queued from the bus). */
function followed(seq: number, pending: readonly TaskEvent[], position: number, queue: readonly TaskEvent[]) {
  return position < pending.length - 1 || queue.some((event) => event.seq > seq);
}

export async function* taskEventStream(
  sources: EventStreamSources,
  taskId: string,
  options: EventStreamOptions = {},
): AsyncGenerator<TaskEvent> {
  const { store, bus } = sources;
  const signal = options.signal;
  let last = options.afterSeq ?? 0;
  const queue: TaskEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe(taskId, (event) => {
    queue.push(event);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    const task = await store.getTask(taskId);
    if (!task) throw new SymbiontError('NOT_FOUND', `no task ${taskId}`);
    const pending: TaskEvent[] = await store.readEvents(taskId, last);
    for (;;) {
      for (let position = 0; position < pending.length; position++) {
        const event = pending[position]!;
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
        // A retried task runs again after an end: the stream goes on past a finish that
        // later events follow (a `task.retried`), and ends at the last one.
        if (event.type === 'task.finished' && !followed(event.seq, pending, position, queue)) return;
      }
      pending.length = 0;
      if (signal?.aborted) return;
      if (queue.length > 0) {
        pending.push(...queue.splice(0));
        continue;
      }
      if (sources.runsHere(taskId)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      // Not executing here: finished already, or run by another process. Read the store.
      pending.push(...(await store.readEvents(taskId, last)));
      if (pending.length > 0 || queue.length > 0) continue;
      const current = await store.getTask(taskId);
      if (!current || isFinalTaskStatus(current.status)) {
        pending.push(...(await store.readEvents(taskId, last)));
        if (pending.length === 0) return;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = startTimer(sources.clock, sources.pollIntervalMs, resolve, { background: true });
        wake = () => {
          timer.cancel();
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}
