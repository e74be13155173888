// call_results rows are pruned, against a real PostgreSQL and Redis (started here): the batch
// that finishes a task deletes the task's rows, the coordinators' sweep deletes the rows no
// unfinished task can ask for (late, of a pruned task, with no stored task), a worker does not
// run a job of a finished task, and a row its coordinator never read (it died) survives every
// sweep until a resumed run reads it instead of calling the provider again; once the task has
// finished, a retry of the subtask calls the provider again.

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqExecutors, JOB_OPTIONS } from '../../src/adapters/executors/bullmq-executor.js';
import { callIdFor, QUEUE_SET_KEY, queueNameFor } from '../../src/adapters/executors/call-queues.js';
import {
  callIsMoot,
  pruneCallResults,
  readCallResults,
  writeCallResult,
} from '../../src/adapters/executors/call-results.js';
import { startCallWorkers } from '../../src/adapters/executors/call-worker.js';
import { openPostgresStore, type PostgresTaskStore } from '../../src/adapters/stores/postgres-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import type { CallExecutor, CallOutcome, CallRequest } from '../../src/ports/call-executor.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { type RedisServer, startRedis } from '../services/redis.js';
import {
  createdEvent,
  finishedEvent,
  isoAt,
  makeTask,
  plannedEvent,
  subtaskRunEvents,
} from '../stores/task-fixtures.js';

let postgres: PostgresServer;
let redis: RedisServer;
let store: PostgresTaskStore;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  store = await openPostgresStore(postgres.createDatabase('pruning'));
}, 60_000);
afterAll(async () => {
  await store?.close();
  await redis?.stop();
  postgres?.stop();
});

const never = new AbortController().signal;

function request(taskId: string, index: number, attempt = 1, model = 'sim-prune'): CallRequest {
  return {
    provider: 'simulated',
    taskId,
    subtaskId: `subtask-${index}`,
    kind: 'subtask',
    attempt,
    tier: 1,
    model,
    prompt: `prompt ${index}`,
    timeoutMs: 10_000,
  };
}

function answer(text: string): CallOutcome {
  return {
    ok: true,
    text,
    provider: 'simulated',
    model: 'sim-prune',
    usage: {
      inputTokens: 1,
      outputTokens: 2,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      costUsd: 0.01,
      costSource: 'tokens',
    },
    durationMs: 5,
  };
}

/** A task stored as running: planned, its subtasks started. */
async function runningTask(subtasks = 2): Promise<string> {
  const task = makeTask();
  await store.createTask(createdEvent(task));
  await store.appendEvents(task.id, [plannedEvent(task.id, subtasks, isoAt(1))]);
  return task.id;
}

/** Records the subtasks completed and the task finished, as a runner does. */
async function finish(taskId: string, subtasks = 2): Promise<void> {
  for (let index = 0; index < subtasks; index++) {
    await store.appendEvents(taskId, subtaskRunEvents(taskId, index, isoAt(2 + index)));
  }
  await store.appendEvents(taskId, [finishedEvent(taskId, isoAt(10))]);
}

async function rowsOf(taskId: string): Promise<string[]> {
  const found = await store.database.pool.query<{ call_id: string }>(
    'SELECT call_id FROM call_results WHERE task_id = $1 ORDER BY call_id',
    [taskId],
  );
  return found.rows.map((row) => row.call_id);
}

async function allCallIds(): Promise<Set<string>> {
  const found = await store.database.pool.query<{ call_id: string }>('SELECT call_id FROM call_results');
  return new Set(found.rows.map((row) => row.call_id));
}

async function storeResult(callRequest: CallRequest, writtenAt = Date.now()): Promise<string> {
  const callId = callIdFor(callRequest);
  await writeCallResult(
    store.database,
    { callId, taskId: callRequest.taskId },
    'token',
    answer(callRequest.prompt),
    writtenAt,
  );
  return callId;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Counts the calls it answers. */
class CountingExecutor implements CallExecutor {
  readonly prompts: string[] = [];
  async execute(call: CallRequest): Promise<CallOutcome> {
    this.prompts.push(call.prompt);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return answer(`answer to ${call.prompt}`);
  }
}

/** Call workers for the simulated provider on this test's Redis and database, calling `fake`. */
function workersRunning(fake: CountingExecutor) {
  return startCallWorkers({
    redisUrl: redis.url,
    database: store.database,
    clock: systemClock,
    providers: ['simulated'],
    executorFor: () => fake,
    discoverMs: 50,
  });
}
describe('call_results pruning', () => {
  it('deletes a task’s rows in the batch that finishes it, and keeps an unfinished task’s', async () => {
    const done = await runningTask();
    const open = await runningTask();
    const doneIds = [await storeResult(request(done, 0)), await storeResult(request(done, 1))];
    const openId = await storeResult(request(open, 0));
    expect(await rowsOf(done)).toEqual([...doneIds].sort());
    // Recording the outcomes keeps the rows: the task is not finished, a resume may still ask.
    for (const index of [0, 1]) await store.appendEvents(done, subtaskRunEvents(done, index, isoAt(2)));
    expect(await rowsOf(done)).toHaveLength(2);
    await store.appendEvents(done, [finishedEvent(done, isoAt(10))]);
    expect(await rowsOf(done)).toEqual([]);
    expect([...(await readCallResults(store.database, doneIds)).keys()]).toEqual([]);
    expect(await rowsOf(open)).toEqual([openId]);
  });

  it('sweeps, once old enough, the rows of finished, pruned and unstored tasks, never an unfinished one’s', async () => {
    const finished = await runningTask();
    await finish(finished);
    const open = await runningTask();
    const pruned = await runningTask();
    await finish(pruned);
    expect(await store.pruneFinishedBefore(isoAt(1_000_000))).toBeGreaterThanOrEqual(2);
    const old = Date.now() - 3_600_000;
    const late = await storeResult(request(finished, 0, 2), old); // its cancelled call answered after it finished
    const ofPruned = await storeResult(request(pruned, 0, 2), old);
    const planOnly = await storeResult(request(`plan-${finished.slice(9)}`, 0), old); // `symbiont plan`: no task row
    const kept = await storeResult(request(open, 0), old);
    const recent = await storeResult(request(`plan-recent-${open.slice(9)}`, 0));
    // Rows of an older worker have no task_id: matched by the task id their call id starts with.
    const legacyOpen = callIdFor(request(open, 1));
    const legacyFinished = callIdFor(request(finished, 1, 2));
    for (const callId of [legacyOpen, legacyFinished]) {
      await store.database.pool.query(
        `INSERT INTO call_results (call_id, attempt_token, body, written_at) VALUES ($1, 'old', '{}', $2)`,
        [callId, old],
      );
    }
    const deleted = await pruneCallResults(store.database, Date.now() - 60_000);
    const left = await allCallIds();
    for (const gone of [late, ofPruned, planOnly, legacyFinished]) expect(left.has(gone), gone).toBe(false);
    for (const stays of [kept, recent, legacyOpen]) expect(left.has(stays), stays).toBe(true);
    expect(deleted).toBeGreaterThanOrEqual(4);
  });

  it('a worker does not run a queued job of a finished task', async () => {
    const finished = await runningTask();
    await finish(finished);
    const open = await runningTask();
    const fake = new CountingExecutor();
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const model = 'sim-moot';
    const queue = new Queue(queueNameFor('simulated', model), { connection });
    await connection.sadd(QUEUE_SET_KEY, `simulated\t${model}`);
    const workers = await workersRunning(fake);
    try {
      const jobs = [request(finished, 0, 1, model), request(open, 0, 1, model)].map((call) => ({
        callId: callIdFor(call),
        request: call,
      }));
      for (const job of jobs) await queue.add('call', job, { ...JOB_OPTIONS, jobId: job.callId });
      const values = await until('both jobs to complete', async () => {
        const found = await Promise.all(jobs.map((job) => queue.getJob(job.callId)));
        const states = await Promise.all(found.map((job) => job?.getState()));
        return states.every((state) => state === 'completed')
          ? found.map((job) => job!.returnvalue)
          : undefined;
      });
      expect(values).toEqual(['task finished', 'stored']);
      expect(fake.prompts).toEqual(['prompt 0']);
      expect(await rowsOf(finished)).toEqual([]);
      expect(await rowsOf(open)).toEqual([jobs[1]!.callId]);
      expect(await callIsMoot(store.database, { callId: jobs[1]!.callId, taskId: open })).toBe('answered');
    } finally {
      await workers.close();
      await queue.close();
      connection.disconnect();
    }
  }, 30_000);

  it('keeps a result its dead coordinator never read through every sweep; the resumed run reads it', async () => {
    const taskId = await runningTask(1);
    const fake = new CountingExecutor();
    const workers = await workersRunning(fake);
    // The first coordinator queues attempt 1 and dies before it reads the result (it never polls).
    const first = createBullmqExecutors({
      redisUrl: redis.url,
      database: store.database,
      clock: systemClock,
      pollMs: 3_600_000,
    });
    // Another coordinator sweeps as often as it can, with no grace: only task state protects rows.
    const sweeper = createBullmqExecutors({
      redisUrl: redis.url,
      database: store.database,
      clock: systemClock,
      pollMs: 20,
      pruneMs: 20,
      pruneAfterMs: 0,
    });
    try {
      void first.executor.execute(request(taskId, 0), never);
      const callId = callIdFor(request(taskId, 0));
      await until('the worker to store the outcome', async () =>
        (await rowsOf(taskId)).length === 1 ? true : undefined,
      );
      await first.close();
      // The sweeper's schedule runs: a finished task's late row goes, this one stays.
      const finished = await runningTask();
      await finish(finished);
      const late = await storeResult(request(finished, 0, 2), Date.now() - 1000);
      await until('a sweep', async () => ((await allCallIds()).has(late) ? undefined : true));
      await until('another sweep', async () => {
        const again = await storeResult(request(finished, 1, 3), Date.now() - 1000);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return (await allCallIds()).has(again) ? undefined : true;
      });
      expect(await rowsOf(taskId)).toEqual([callId]);
      // Resume: the dead run's attempt counts as spent, so the call is attempt 2; the executor
      // finds attempt 1's stored outcome and the provider is not called again.
      const resumed = await sweeper.executor.execute(request(taskId, 0, 2), never);
      expect(resumed.ok && resumed.text).toBe('answer to prompt 0');
      expect(fake.prompts).toEqual(['prompt 0']);
      // The resumed run records the outcome and finishes the task: now the row goes.
      await finish(taskId, 1);
      expect(await rowsOf(taskId)).toEqual([]);
      // A retry of that subtask (attempt 3, the same prompt) calls the provider again instead
      // of being handed the earlier run's answer as an earlier attempt's success.
      await store.appendEvents(taskId, [
        {
          type: 'task.retried',
          indexes: [0],
          previous_status: 'completed',
          previous_subtasks: ['completed'],
          total_cost: 0,
          task_id: taskId,
          at: isoAt(20),
        },
      ]);
      const retried = await sweeper.executor.execute(request(taskId, 0, 3), never);
      expect(retried.ok).toBe(true);
      expect(fake.prompts).toEqual(['prompt 0', 'prompt 0']);
    } finally {
      await workers.close();
      await sweeper.close();
    }
  }, 60_000);
});
