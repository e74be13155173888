// A finished task with a long stored history, written straight into a store: the replay tests
// and the SSE replay bench stream it to many subscribers.

import type { UnsequencedEvent } from '../../src/core/events.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import { createdEvent, finishedEvent, makeTask, plannedEvent, subtaskRunEvents } from './task-fixtures.js';

export interface LargeHistory {
  taskId: string;
  /** Events stored, task.created and task.finished included. */
  eventCount: number;
  /** Bytes of the events as JSON. */
  bytes: number;
}

/** Stores a task of `subtasks` subtasks whose results are `resultChars` long, finished. */
export async function seedLargeHistory(
  store: TaskStore,
  options: { subtasks: number; resultChars: number; owner?: string | null; costEach?: number },
): Promise<LargeHistory> {
  const at = new Date().toISOString();
  const task = makeTask({ owner: options.owner ?? null, created_at: at });
  const costEach = options.costEach ?? 0.0001;
  let eventCount = 1;
  let bytes = JSON.stringify(await store.createTask(createdEvent(task))).length;
  const append = async (events: UnsequencedEvent[]) => {
    for (const event of await store.appendEvents(task.id, events)) bytes += JSON.stringify(event).length;
    eventCount += events.length;
  };
  await append([plannedEvent(task.id, options.subtasks, at)]);
  const filler = 'x'.repeat(Math.max(0, options.resultChars - 12));
  for (let start = 0; start < options.subtasks; start += 250) {
    const batch: UnsequencedEvent[] = [];
    for (let index = start; index < Math.min(options.subtasks, start + 250); index++) {
      batch.push(
        ...subtaskRunEvents(task.id, index, at, {
          result: `result ${index} ${filler}`,
          cost: costEach,
          input_tokens: 10,
          output_tokens: 10,
        }),
      );
    }
    await append(batch);
  }
  await append([finishedEvent(task.id, at, 'completed', options.subtasks * costEach)]);
  return { taskId: task.id, eventCount, bytes };
}
