// A task's events as one stream: the stored ones after a seq, then the live ones as they are
// stored, each exactly once and in seq order, ending after `task.finished`. A task executing in
// this process is followed on the bus; one executing elsewhere (or finished) is read from the
// store, polled while it runs. Stored events are read in pages of `pageSize`: a subscriber
// holds one page at a time, never a whole history (a task may have tens of thousands).
// A retried task has several ends; the stream stops at the last.

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
  /** Stored events read at once. Default EVENT_PAGE_SIZE. */
  pageSize?: number;
}

/** Stored events a stream reads from the store at once. */
export const EVENT_PAGE_SIZE = 128;

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
  const pageSize = sources.pageSize ?? EVENT_PAGE_SIZE;
  const readPage = async (afterSeq: number): Promise<TaskEvent[]> => {
    const pause = options.beforePage?.();
    if (pause) await pause;
    return store.readEvents(taskId, afterSeq, pageSize);
  };
  const signal = options.signal;
  let last = options.afterSeq ?? 0;
  const queue: TaskEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = bus.subscribe(taskId, (event) => {
    queue.push(event);
    wake?.();
  });
  // A run that ends here without a stored task.finished (a fatal store or ledger failure, a
  // detach) publishes nothing more: the waiter below must look again.
  let runEnded = false;
  const unsubscribeRunEnd = bus.onRunEnded(taskId, () => {
    runEnded = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    let pending: TaskEvent[] = await readPage(last);
    // Adapters refuse an unknown task's events; a store that answers [] is asked for the task
    // (only then: a record of thousands of subtasks is not read per subscriber).
    if (pending.length === 0 && !(await store.getTask(taskId))) {
      throw new SymbiontError('NOT_FOUND', `no task ${taskId}`);
    }
    // Whether the store may hold more stored events than the last page read (then they come
    // before anything the bus delivered).
    let morePages = pending.length === pageSize;
    for (;;) {
      for (let position = 0; position < pending.length; position++) {
        const event = pending[position]!;
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
        // A retried task runs again after an end: the stream goes on past a finish that
        // later events follow (a `task.retried`), and ends at the last one (a finish that ends
        // a full page may have a retry on the next page: that is read first).
        if (event.type === 'task.finished' && !morePages && !followed(event.seq, pending, position, queue))
          return;
      }
      pending = [];
      if (signal?.aborted) return;
      if (morePages) {
        pending = await readPage(last);
        morePages = pending.length === pageSize;
        continue;
      }
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
      pending = await readPage(last);
      morePages = pending.length === pageSize;
      if (pending.length > 0 || queue.length > 0) continue;
      if (runEnded && options.endWithLocalRun) return;
      const current = await store.getTask(taskId);
      if (!current || isFinalTaskStatus(current.status)) {
        pending = await readPage(last);
        morePages = pending.length === pageSize;
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
    unsubscribeRunEnd();
    signal?.removeEventListener('abort', onAbort);
  }
}
