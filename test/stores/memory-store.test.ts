// The memory store passes the task-store conformance suite, keeps every unfinished task, and
// keeps only the newest `keepFinished` finished ones.

import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { SymbiontError } from '../../src/core/errors.js';
import { createdEvent, finishedEvent, isoAt, makeTask } from './task-fixtures.js';
import { describeTaskStoreConformance } from './task-store-conformance.js';

describeTaskStoreConformance('memory', async ({ clock }) => ({
  store: createMemoryStore({ clock }),
  cleanup: async () => {},
}));

describe('memory store eviction', () => {
  it('keeps the newest finished tasks by completed_at and evicts older ones', async () => {
    const store = createMemoryStore({ keepFinished: 2 });
    const ids: string[] = [];
    // Finish in an order that differs from completed_at order.
    for (const second of [30, 10, 40, 20]) {
      const task = makeTask();
      ids.push(task.id);
      await store.createTask(createdEvent(task));
      await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(second))]);
    }
    const kept = (await store.listTasks({ limit: 10 })).map((summary) => summary.completed_at);
    expect(kept.sort()).toEqual([isoAt(30), isoAt(40)]);
    expect(await store.getTask(ids[1]!)).toBeUndefined();
  });

  it('never evicts an unfinished task, however many there are', async () => {
    const store = createMemoryStore({ keepFinished: 1 });
    const running = [];
    for (let count = 0; count < 5; count++) {
      const task = makeTask();
      running.push(task.id);
      await store.createTask(createdEvent(task));
    }
    for (let count = 0; count < 3; count++) {
      const task = makeTask();
      await store.createTask(createdEvent(task));
      await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(count))]);
    }
    expect((await store.listUnfinished()).sort()).toEqual([...running].sort());
    expect(await store.listTasks({ limit: 100 })).toHaveLength(6);
  });

  it('keeps no finished task when keepFinished is 0', async () => {
    const store = createMemoryStore({ keepFinished: 0 });
    const task = makeTask();
    await store.createTask(createdEvent(task));
    const [finished] = await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(1))]);
    expect(finished?.seq).toBe(2);
    expect(await store.getTask(task.id)).toBeUndefined();
  });

  it('rejects a keepFinished that is not a count, naming the option', () => {
    expect(() => createMemoryStore({ keepFinished: -1 })).toThrow(SymbiontError);
    expect(() => createMemoryStore({ keepFinished: 1.5 })).toThrow(/keepFinished/);
  });
});
