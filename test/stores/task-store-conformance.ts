// The one conformance suite of the task-store port: every store adapter (memory, SQLite) runs
// these tests through `describeTaskStoreConformance`. It names behaviour the engine, the CLI and
// the HTTP server rely on, including a property: the record always equals a replay of its events.

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskEvent, UnsequencedEvent } from '../../src/core/events.js';
import { summarizeTask, type Tier } from '../../src/core/records.js';
import { applyTaskEvent, cloneTask, replayTask } from '../../src/core/task-reducer.js';
import type { Clock } from '../../src/ports/clock.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import {
  createdEvent,
  finishedEvent,
  isoAt,
  makeTask,
  plannedEvent,
  subtaskRunEvents,
} from './task-fixtures.js';

export interface OpenedStore {
  store: TaskStore;
  cleanup(): Promise<void>;
}

export interface StoreTestContext {
  /** The clock the store must use for leases; tests move it forward. */
  clock: Clock;
}

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.current += ms;
  }
}

async function expectCode(promise: Promise<unknown>, code: SymbiontError['code']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(SymbiontError.is(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
}

// --- random but valid event streams for a small plan -------------------------------------

type Step =
  | {
      kind: 'subtask';
      type: SubtaskEventType;
      seed: number;
      cost: number;
      tokens: number | null;
      text: string;
    }
  | { kind: 'replan'; size: number }
  | { kind: 'plan_attempted'; cost: number }
  | { kind: 'started' };

const SUBTASK_EVENT_TYPES = [
  'subtask.routed',
  'subtask.queued',
  'subtask.started',
  'subtask.attempt_failed',
  'subtask.escalated',
  'subtask.completed',
  'subtask.failed',
  'subtask.skipped',
  'subtask.cancelled',
  'subtask.reset',
] as const;
type SubtaskEventType = (typeof SUBTASK_EVENT_TYPES)[number];

const costArbitrary = fc.integer({ min: 0, max: 50_000 }).map((value) => value / 10_000);
const textArbitrary = fc.string({ unit: 'binary', maxLength: 24 });

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('subtask' as const),
      type: fc.constantFrom(...SUBTASK_EVENT_TYPES),
      seed: fc.nat(),
      cost: costArbitrary,
      tokens: fc.option(fc.nat({ max: 100_000 })),
      text: textArbitrary,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('replan' as const), size: fc.integer({ min: 0, max: 5 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('plan_attempted' as const), cost: costArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('started' as const) }) },
);

function subtaskEvent(step: Extract<Step, { kind: 'subtask' }>, index: number, base: UnsequencedEvent) {
  const { task_id, at } = base;
  const tier = ((step.seed % 3) + 1) as Tier;
  switch (step.type) {
    case 'subtask.routed':
      return { type: step.type, task_id, at, index, tier, model: step.text };
    case 'subtask.queued':
    case 'subtask.cancelled':
    case 'subtask.reset':
      return { type: step.type, task_id, at, index };
    case 'subtask.started':
      return { type: step.type, task_id, at, index, attempt: (step.seed % 4) + 1, tier, model: 'sonnet' };
    case 'subtask.attempt_failed':
      return {
        type: step.type,
        task_id,
        at,
        index,
        attempt: 1,
        error: step.text,
        code: 'PROVIDER_TIMEOUT',
        cost: step.cost,
        input_tokens: step.tokens,
        output_tokens: step.tokens === null ? null : step.tokens >> 1,
        retry_in_ms: step.seed % 2 === 0 ? null : 250,
      };
    case 'subtask.escalated':
      return { type: step.type, task_id, at, index, from_tier: tier, to_tier: 3 as Tier, model: 'opus' };
    case 'subtask.completed':
      return {
        type: step.type,
        task_id,
        at,
        index,
        result: step.text,
        cost: step.cost,
        input_tokens: step.tokens,
        output_tokens: step.tokens,
      };
    case 'subtask.failed':
    case 'subtask.skipped':
      return { type: step.type, task_id, at, index, error: step.text };
  }
}

/** Folds steps into a stream that the reducer accepts (every index names a subtask). */
function buildEvents(taskId: string, planSize: number, steps: readonly Step[], finish: boolean) {
  let time = 1;
  const at = () => isoAt(time++);
  const events: UnsequencedEvent[] = [plannedEvent(taskId, planSize, at())];
  let size = planSize;
  for (const step of steps) {
    const base = { type: 'task.replanning', task_id: taskId, at: at() } as const;
    if (step.kind === 'replan') {
      events.push(base, plannedEvent(taskId, step.size, at()));
      size = step.size;
    } else if (step.kind === 'plan_attempted') {
      events.push({
        ...base,
        type: 'task.plan_attempted',
        attempt: 1,
        cost: step.cost,
        success: true,
        error: null,
      });
    } else if (step.kind === 'started') {
      events.push({ ...base, type: 'task.started', resumed: time % 2 === 0 });
    } else if (size > 0) {
      events.push(subtaskEvent(step, step.seed % size, base) as UnsequencedEvent);
    }
  }
  if (finish) events.push(finishedEvent(taskId, at(), 'partial', 0.5));
  return events;
}

function splitIntoBatches<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  let position = 0;
  for (let turn = 0; position < items.length; turn++) {
    const size = sizes.length === 0 ? items.length : sizes[turn % sizes.length]!;
    batches.push(items.slice(position, position + size));
    position += size;
  }
  return batches;
}

// --- the suite ---------------------------------------------------------------------------

export function describeTaskStoreConformance(
  label: string,
  open: (context: StoreTestContext) => Promise<OpenedStore>,
): void {
  describe(`task store conformance: ${label}`, () => {
    let opened: OpenedStore;
    let store: TaskStore;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock();
      opened = await open({ clock });
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    async function startTask(overrides: Parameters<typeof makeTask>[0] = {}) {
      const task = makeTask(overrides);
      await store.createTask(createdEvent(task));
      return task;
    }

    /** A task planned with `size` subtasks, the first `completed` of them run to completion. */
    async function runTask(overrides: Parameters<typeof makeTask>[0], size: number, completed: number) {
      const task = await startTask(overrides);
      await store.appendEvents(task.id, [plannedEvent(task.id, size, isoAt(1))]);
      for (let index = 0; index < completed; index++) {
        await store.appendEvents(task.id, subtaskRunEvents(task.id, index, isoAt(2 + index)));
      }
      return task;
    }

    it('stores a created task as event 1 and returns a record equal to it', async () => {
      const task = makeTask({ owner: 'alice', prompt: 'Ünïcode prompt ✓' });
      const stored = await store.createTask(createdEvent(task));
      expect(stored).toEqual({ ...createdEvent(task), seq: 1 });
      expect(await store.getTask(task.id)).toEqual(task);
      expect(await store.readEvents(task.id, 0)).toEqual([stored]);
    });

    it('refuses a second task with the same id with CONFLICT and keeps the first', async () => {
      const task = await startTask({ prompt: 'first' });
      await expectCode(store.createTask(createdEvent({ ...task, prompt: 'second' })), 'CONFLICT');
      expect((await store.getTask(task.id))?.prompt).toBe('first');
      expect(await store.readEvents(task.id, 0)).toHaveLength(1);
    });

    it('numbers appended events 1..n without gaps and returns them as stored', async () => {
      const task = await startTask();
      const returned: TaskEvent[] = [];
      returned.push(...(await store.appendEvents(task.id, [plannedEvent(task.id, 3, isoAt(1))])));
      returned.push(
        ...(await store.appendEvents(task.id, [
          { type: 'task.started', task_id: task.id, at: isoAt(2), resumed: false },
        ])),
      );
      for (let index = 0; index < 3; index++) {
        returned.push(
          ...(await store.appendEvents(task.id, subtaskRunEvents(task.id, index, isoAt(3 + index)))),
        );
      }
      returned.push(
        ...(await store.appendEvents(task.id, [finishedEvent(task.id, isoAt(9), 'completed', 0.003)])),
      );
      expect(returned.map((event) => event.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 2));
      const stored = await store.readEvents(task.id, 0);
      expect(stored.slice(1)).toEqual(returned);
      const record = await store.getTask(task.id);
      expect(record?.status).toBe('completed');
      expect(record?.subtasks.map((subtask) => subtask.status)).toEqual([
        'completed',
        'completed',
        'completed',
      ]);
      expect(record).toEqual(replayTask(stored));
    });

    it('stores the answer, and a retry that resets subtasks and makes the task unfinished again', async () => {
      const task = await startTask();
      await store.appendEvents(task.id, [plannedEvent(task.id, 3, isoAt(1))]);
      for (let index = 0; index < 3; index++) {
        await store.appendEvents(task.id, subtaskRunEvents(task.id, index, isoAt(2 + index)));
      }
      await store.appendEvents(task.id, [
        {
          type: 'task.answered',
          answer: 'the answer ✓',
          cost: 0.5,
          attempts: 1,
          task_id: task.id,
          at: isoAt(6),
        },
        finishedEvent(task.id, isoAt(7), 'completed', 0.503),
      ]);
      const answered = await store.getTask(task.id);
      expect(answered?.answer).toBe('the answer ✓');
      expect(await store.listUnfinished()).not.toContain(task.id);
      await store.appendEvents(task.id, [
        {
          type: 'task.retried',
          indexes: [1, 2],
          previous_status: 'completed',
          previous_subtasks: ['completed', 'completed', 'completed'],
          total_cost: 0.503,
          task_id: task.id,
          at: isoAt(8),
        },
      ]);
      const retried = await store.getTask(task.id);
      expect(retried?.status).toBe('planned');
      expect(retried?.answer).toBeNull();
      expect(retried?.completed_at).toBeNull();
      expect(retried?.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'pending', 'pending']);
      expect(retried?.subtasks[1]).toMatchObject({ result: null, attempts: 1, tier_assigned: null });
      expect(retried?.total_cost).toBe(0.503);
      expect(await store.listUnfinished()).toContain(task.id);
      const [summary] = await store.listTasks({ limit: 1 });
      expect(summary?.completed_count).toBe(1);
      expect(retried).toEqual(replayTask(await store.readEvents(task.id, 0)));
      await expectCode(
        store.appendEvents(task.id, [
          {
            type: 'task.retried',
            indexes: [3],
            previous_status: 'planned',
            previous_subtasks: [],
            total_cost: 0,
            task_id: task.id,
            at: isoAt(9),
          },
        ]),
        'INTERNAL',
      );
    });

    it('keeps the record equal to a replay of its events after random batches', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 5 }),
          fc.array(stepArbitrary, { maxLength: 40 }),
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
          fc.boolean(),
          async (planSize, steps, batchSizes, finish) => {
            const task = await startTask();
            const events = buildEvents(task.id, planSize, steps, finish);
            for (const batch of splitIntoBatches(events, batchSizes)) {
              await store.appendEvents(task.id, batch);
            }
            const expected = cloneTask(task);
            for (const event of events) applyTaskEvent(expected, event);
            const stored = await store.readEvents(task.id, 0);
            expect(stored.map((event) => event.seq)).toEqual(stored.map((_, position) => position + 1));
            expect(stored).toHaveLength(events.length + 1);
            expect(replayTask(stored)).toEqual(expected);
            expect(await store.getTask(task.id)).toEqual(expected);
            const [newest] = await store.listTasks({ limit: 1 });
            expect(newest).toEqual(summarizeTask(expected));
          },
        ),
        { numRuns: 60 },
      );
    });

    it('reads events after a sequence number, at most `limit` of them', async () => {
      const task = await runTask({}, 2, 2);
      const all = await store.readEvents(task.id, 0);
      expect(all).toHaveLength(10);
      expect(await store.readEvents(task.id, 3, 2)).toEqual(all.slice(3, 5));
      expect(await store.readEvents(task.id, 7)).toEqual(all.slice(7));
      expect(await store.readEvents(task.id, 10)).toEqual([]);
      expect(await store.readEvents(task.id, 0, 0)).toEqual([]);
    });

    it('says whether a cancel request was stored after a sequence number', async () => {
      const task = await runTask({}, 2, 1);
      const events = await store.readEvents(task.id, 0);
      const last = events.at(-1)!.seq;
      expect(await store.cancelRequestedAfter(task.id, 0)).toEqual({ requested: false, lastSeq: last });
      const [request] = await store.appendEvents(task.id, [
        { type: 'task.cancel_requested', task_id: task.id, at: isoAt(50) },
      ]);
      await store.appendEvents(task.id, [
        { type: 'task.started', task_id: task.id, at: isoAt(51), resumed: true },
      ]);
      expect(await store.cancelRequestedAfter(task.id, 0)).toEqual({ requested: true, lastSeq: last + 2 });
      expect(await store.cancelRequestedAfter(task.id, request!.seq - 1)).toEqual({
        requested: true,
        lastSeq: last + 2,
      });
      expect(await store.cancelRequestedAfter(task.id, request!.seq)).toEqual({
        requested: false,
        lastSeq: last + 2,
      });
      expect(await store.cancelRequestedAfter(task.id, last + 2)).toEqual({
        requested: false,
        lastSeq: last + 2,
      });
      // Another task's request is not this one's.
      const other = await runTask({}, 1, 0);
      expect((await store.cancelRequestedAfter(other.id, 0)).requested).toBe(false);
      await expectCode(store.cancelRequestedAfter('compound-missing', 0), 'NOT_FOUND');
      await expectCode(store.cancelRequestedAfter(task.id, -1), 'INVALID_ARGUMENT');
    });

    it('answers an unknown task with NOT_FOUND, or undefined from getTask', async () => {
      const event = finishedEvent('compound-missing', isoAt(1));
      await expectCode(store.appendEvents('compound-missing', [event]), 'NOT_FOUND');
      await expectCode(store.readEvents('compound-missing', 0), 'NOT_FOUND');
      await expectCode(store.acquireLease('compound-missing', 'worker-a', 1000), 'NOT_FOUND');
      expect(await store.getTask('compound-missing')).toBeUndefined();
    });

    it('rejects a batch naming a subtask that does not exist and stores nothing of it', async () => {
      const task = await runTask({}, 2, 0);
      const before = await store.getTask(task.id);
      const batch = [...subtaskRunEvents(task.id, 0, isoAt(5)), ...subtaskRunEvents(task.id, 7, isoAt(6))];
      await expect(store.appendEvents(task.id, batch)).rejects.toThrow(/subtask 7/);
      expect(await store.getTask(task.id)).toEqual(before);
      expect(await store.readEvents(task.id, 0)).toHaveLength(2);
      // The store still accepts a valid batch afterwards, numbered right after the last stored.
      const [next] = await store.appendEvents(task.id, subtaskRunEvents(task.id, 0, isoAt(7)));
      expect(next?.seq).toBe(3);
    });

    it('rejects an event that belongs to another task and a second task.created', async () => {
      const task = await startTask();
      const other = makeTask();
      await expectCode(store.appendEvents(task.id, [finishedEvent(other.id, isoAt(1))]), 'INVALID_ARGUMENT');
      await expectCode(store.appendEvents(task.id, [createdEvent(task)]), 'INVALID_ARGUMENT');
      expect(await store.readEvents(task.id, 0)).toHaveLength(1);
    });

    it('accepts an empty batch without storing anything', async () => {
      const task = await startTask();
      expect(await store.appendEvents(task.id, [])).toEqual([]);
      expect(await store.readEvents(task.id, 0)).toHaveLength(1);
      await expectCode(store.appendEvents('compound-missing', []), 'NOT_FOUND');
    });

    it('lists summaries newest first, limited, and filtered by owner', async () => {
      const long = 'x'.repeat(150);
      const first = await runTask({ created_at: isoAt(10), owner: 'alice', prompt: long }, 3, 2);
      const second = await startTask({ created_at: isoAt(20), owner: 'bob' });
      const third = await runTask({ created_at: isoAt(30), owner: null }, 1, 1);
      const fourth = await startTask({ created_at: isoAt(40), owner: 'alice' });
      const all = await store.listTasks({ limit: 10 });
      expect(all.map((summary) => summary.id)).toEqual([fourth.id, third.id, second.id, first.id]);
      const expected = summarizeTask((await store.getTask(first.id))!);
      expect(all[3]).toEqual(expected);
      expect(expected).toMatchObject({ prompt: 'x'.repeat(100), subtask_count: 3, completed_count: 2 });
      expect(expected.total_cost).toBeCloseTo(0.002, 10);
      expect((await store.listTasks({ limit: 2 })).map((summary) => summary.id)).toEqual([
        fourth.id,
        third.id,
      ]);
      const alices = await store.listTasks({ limit: 10, owner: 'alice' });
      expect(alices.map((summary) => summary.id)).toEqual([fourth.id, first.id]);
      const ownerless = await store.listTasks({ limit: 10, owner: null });
      expect(ownerless.map((summary) => summary.id)).toEqual([third.id]);
      expect(await store.listTasks({ limit: 0 })).toEqual([]);
      await expectCode(store.listTasks({ limit: -1 }), 'INVALID_ARGUMENT');
    });

    it('finds ids by prefix in ascending order, at most `limit`, with no wildcards', async () => {
      const ids = [
        'compound-ab12',
        'compound-ab34',
        'compound-ac56',
        'compound-b',
        'odd-100%_x',
        'odd-100_x',
        'odd-1000x',
        'ünï-é',
        'ünï-😀',
        'ünï',
        'z\u{10ffff}',
        'z\u{10ffff}a',
      ];
      for (const id of [...ids].reverse()) await startTask({ id });
      expect(await store.findTaskIds('compound-ab', 10)).toEqual(['compound-ab12', 'compound-ab34']);
      expect(await store.findTaskIds('compound-a', 10)).toEqual([
        'compound-ab12',
        'compound-ab34',
        'compound-ac56',
      ]);
      expect(await store.findTaskIds('compound-', 2)).toEqual(['compound-ab12', 'compound-ab34']);
      expect(await store.findTaskIds('compound-b', 10)).toEqual(['compound-b']);
      expect(await store.findTaskIds('compound-ab12', 10)).toEqual(['compound-ab12']);
      expect(await store.findTaskIds('compound-ab12x', 10)).toEqual([]);
      expect(await store.findTaskIds('Compound-', 10)).toEqual([]);
      expect(await store.findTaskIds('compound-a', 0)).toEqual([]);
      // `%` and `_` are characters, not LIKE wildcards.
      expect(await store.findTaskIds('odd-100%', 10)).toEqual(['odd-100%_x']);
      expect(await store.findTaskIds('odd-100_', 10)).toEqual(['odd-100_x']);
      expect(await store.findTaskIds('odd-100', 10)).toEqual(['odd-100%_x', 'odd-1000x', 'odd-100_x']);
      // Beyond ASCII, in code point order, and up to the last code point.
      expect(await store.findTaskIds('ünï', 10)).toEqual(['ünï', 'ünï-é', 'ünï-😀']);
      expect(await store.findTaskIds('ünï-', 10)).toEqual(['ünï-é', 'ünï-😀']);
      expect(await store.findTaskIds('z\u{10ffff}', 10)).toEqual(['z\u{10ffff}', 'z\u{10ffff}a']);
      expect(await store.findTaskIds('', 100)).toHaveLength(ids.length);
      await expectCode(store.findTaskIds('compound-', -1), 'INVALID_ARGUMENT');
      await expectCode(store.findTaskIds('compound-', 1.5), 'INVALID_ARGUMENT');
    });

    it('lists tasks that are not finished, oldest first', async () => {
      const executing = await startTask({ created_at: isoAt(30) });
      await store.appendEvents(executing.id, [
        plannedEvent(executing.id, 1, isoAt(31)),
        { type: 'task.started', task_id: executing.id, at: isoAt(32), resumed: false },
      ]);
      const planning = await startTask({ created_at: isoAt(10) });
      const done = await runTask({ created_at: isoAt(5) }, 1, 1);
      await store.appendEvents(done.id, [finishedEvent(done.id, isoAt(50))]);
      const planned = await runTask({ created_at: isoAt(20) }, 2, 0);
      const failed = await startTask({ created_at: isoAt(1) });
      await store.appendEvents(failed.id, [finishedEvent(failed.id, isoAt(2), 'failed')]);
      expect(await store.listUnfinished()).toEqual([planning.id, planned.id, executing.id]);
    });

    it('keeps a task awaiting approval with its estimates, out of the resumable list, until approved', async () => {
      const task = await startTask({ created_at: isoAt(40) });
      const estimate = {
        low_usd: 0.01,
        high_usd: 0.3,
        subtasks: [
          { low_usd: 0.004, high_usd: 0.1 },
          { low_usd: 0.006, high_usd: 0.2 },
        ],
        synthesis: null,
      };
      await store.appendEvents(task.id, [
        plannedEvent(task.id, 2, isoAt(41)),
        { type: 'task.awaiting_approval', estimate, task_id: task.id, at: isoAt(41) },
      ]);
      const waiting = (await store.getTask(task.id))!;
      expect(waiting.status).toBe('awaiting_approval');
      expect(waiting.estimate).toEqual({ low_usd: 0.01, high_usd: 0.3 });
      expect(waiting.subtasks.map((subtask) => subtask.estimate)).toEqual(estimate.subtasks);
      expect(await store.listUnfinished()).toEqual([]);
      expect((await store.listTasks({ limit: 5 }))[0]!.status).toBe('awaiting_approval');
      // An edited plan replaces the subtasks and the estimate.
      const edited = plannedEvent(task.id, 1, isoAt(42)) as UnsequencedEvent & { type: 'task.planned' };
      await store.appendEvents(task.id, [
        {
          type: 'task.approved',
          subtasks: edited.subtasks,
          reasoning: 'edited',
          warnings: [],
          estimate: {
            low_usd: 0.002,
            high_usd: 0.05,
            subtasks: [{ low_usd: 0.002, high_usd: 0.05 }],
            synthesis: null,
          },
          task_id: task.id,
          at: isoAt(42),
        },
      ]);
      const approved = (await store.getTask(task.id))!;
      expect(approved.status).toBe('planned');
      expect(approved.reasoning).toBe('edited');
      expect(approved.subtasks).toHaveLength(1);
      expect(approved.estimate).toEqual({ low_usd: 0.002, high_usd: 0.05 });
      expect(approved.subtasks[0]!.estimate).toEqual({ low_usd: 0.002, high_usd: 0.05 });
      expect(await store.listUnfinished()).toEqual([task.id]);
      const events = await store.readEvents(task.id, 0);
      expect(events.map((event) => event.type).slice(-2)).toEqual([
        'task.awaiting_approval',
        'task.approved',
      ]);
    });

    it('grants a lease to one holder at a time until it expires or is released', async () => {
      const task = await startTask();
      expect(await store.leaseHolder(task.id)).toBeUndefined();
      expect(await store.acquireLease(task.id, 'worker-a', 10_000)).toBe(true);
      expect(await store.leaseHolder(task.id)).toBe('worker-a');
      expect(await store.acquireLease(task.id, 'worker-b', 10_000)).toBe(false);
      clock.advance(9_000);
      expect(await store.acquireLease(task.id, 'worker-a', 10_000)).toBe(true);
      clock.advance(9_000);
      expect(await store.acquireLease(task.id, 'worker-b', 10_000)).toBe(false);
      clock.advance(1_001);
      expect(await store.leaseHolder(task.id)).toBeUndefined();
      expect(await store.acquireLease(task.id, 'worker-b', 10_000)).toBe(true);
      expect(await store.leaseHolder(task.id)).toBe('worker-b');
      expect(await store.acquireLease(task.id, 'worker-a', 10_000)).toBe(false);
      await store.releaseLease(task.id, 'worker-a');
      expect(await store.acquireLease(task.id, 'worker-a', 10_000)).toBe(false);
      await store.releaseLease(task.id, 'worker-b');
      expect(await store.leaseHolder(task.id)).toBeUndefined();
      expect(await store.acquireLease(task.id, 'worker-a', 10_000)).toBe(true);
      expect(await store.leaseHolder('compound-missing')).toBeUndefined();
      await expectCode(store.acquireLease(task.id, 'worker-a', 0), 'INVALID_ARGUMENT');
    });

    it('prunes only finished tasks completed before the cutoff, with their events', async () => {
      const old = await runTask({ created_at: isoAt(0) }, 1, 1);
      await store.appendEvents(old.id, [finishedEvent(old.id, isoAt(100))]);
      const recent = await startTask({ created_at: isoAt(0) });
      await store.appendEvents(recent.id, [finishedEvent(recent.id, isoAt(300), 'failed')]);
      const running = await runTask({ created_at: isoAt(0) }, 2, 1);
      await store.acquireLease(old.id, 'worker-a', 1000);
      expect(await store.pruneFinishedBefore(isoAt(200))).toBe(1);
      expect(await store.getTask(old.id)).toBeUndefined();
      await expectCode(store.readEvents(old.id, 0), 'NOT_FOUND');
      expect((await store.listTasks({ limit: 10 })).map((summary) => summary.id).sort()).toEqual(
        [recent.id, running.id].sort(),
      );
      expect(await store.getTask(running.id)).toEqual(replayTask(await store.readEvents(running.id, 0)));
      expect(await store.readEvents(running.id, 0)).toHaveLength(6);
      expect(await store.readEvents(recent.id, 0)).toHaveLength(2);
      expect(await store.pruneFinishedBefore(isoAt(200))).toBe(0);
      // The id is free again once pruned.
      await store.createTask(createdEvent(makeTask({ id: old.id })));
    });

    it('hands out copies: changing a returned record or event does not change the store', async () => {
      const task = makeTask();
      const created = createdEvent(task);
      await store.createTask(created);
      task.prompt = 'changed by the caller';
      const batch = [plannedEvent(task.id, 2, isoAt(1))];
      const returned = await store.appendEvents(task.id, batch);
      (batch[0] as { reasoning: string }).reasoning = 'changed input';
      (returned[0] as { reasoning: string }).reasoning = 'changed output';
      const record = (await store.getTask(task.id))!;
      record.status = 'cancelled';
      record.subtasks[0]!.status = 'failed';
      record.settings.concurrency = 99;
      const events = await store.readEvents(task.id, 0);
      (events[1] as { subtasks: unknown[] }).subtasks.length = 0;
      const again = (await store.getTask(task.id))!;
      expect(again.prompt).toBe('Write a haiku, then translate it');
      expect(again.status).toBe('planned');
      expect(again.reasoning).toBe('split into 2 steps');
      expect(again.subtasks[0]!.status).toBe('pending');
      expect(again.settings.concurrency).toBe(4);
      expect(again).toEqual(replayTask(await store.readEvents(task.id, 0)));
    });

    it('reports durations of completed subtasks of finished tasks, newest finished first', async () => {
      /** Runs subtask `index` on `model` from second `start` for `seconds`; failed when `fails`. */
      const run = (
        taskId: string,
        index: number,
        model: string,
        start: number,
        seconds: number,
        fails = false,
      ) => {
        const base = { task_id: taskId, index };
        const ended: UnsequencedEvent = fails
          ? { ...base, type: 'subtask.failed', error: 'no', at: isoAt(start + seconds) }
          : {
              ...base,
              type: 'subtask.completed',
              result: 'ok',
              cost: 0,
              input_tokens: 1,
              output_tokens: 1,
              at: isoAt(start + seconds),
            };
        return store.appendEvents(taskId, [
          { ...base, type: 'subtask.routed', tier: 1, model, at: isoAt(start) },
          { ...base, type: 'subtask.started', attempt: 1, tier: 1, model, at: isoAt(start) },
          ended,
        ]);
      };
      expect(await store.recentDurations(10)).toEqual([]);
      const older = await startTask();
      await store.appendEvents(older.id, [plannedEvent(older.id, 2, isoAt(1))]);
      await run(older.id, 0, 'model-a', 10, 4);
      await run(older.id, 1, 'model-b', 20, 7);
      await store.appendEvents(older.id, [finishedEvent(older.id, isoAt(100))]);
      const newer = await startTask();
      await store.appendEvents(newer.id, [plannedEvent(newer.id, 2, isoAt(1))]);
      await run(newer.id, 0, 'model-a', 30, 2);
      await run(newer.id, 1, 'model-a', 40, 9, true);
      await store.appendEvents(newer.id, [finishedEvent(newer.id, isoAt(200), 'partial')]);
      const running = await startTask();
      await store.appendEvents(running.id, [plannedEvent(running.id, 1, isoAt(1))]);
      await run(running.id, 0, 'model-c', 50, 1);

      const samples = await store.recentDurations(10);
      expect(samples[0]).toEqual({ model: 'model-a', duration_ms: 2000 });
      expect([...samples.slice(1)].sort((a, b) => a.duration_ms - b.duration_ms)).toEqual([
        { model: 'model-a', duration_ms: 4000 },
        { model: 'model-b', duration_ms: 7000 },
      ]);
      expect(await store.recentDurations(1)).toEqual([{ model: 'model-a', duration_ms: 2000 }]);
      expect(await store.recentDurations(0)).toEqual([]);
      await expectCode(store.recentDurations(-1), 'INVALID_ARGUMENT');
    });
  });
}
