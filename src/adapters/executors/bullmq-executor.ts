// The BullMQ CallExecutor (coordinators given `--redis`): a call becomes a job on its
// provider-and-model queue, with the call id as job id (an enqueue repeated after a takeover
// adds nothing), and its outcome comes back through the call_results row the worker writes in
// PostgreSQL before it completes the job; never through QueueEvents or job return values. One
// poller reads the rows of every pending call at once. The same poller re-adds the job of any
// pending call that Redis lost (restarted empty): the queued calls are rebuilt from here. Every
// pruneMs the poller also sweeps the call_results rows no unfinished task needs (call-results.ts).

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SymbiontError } from '../../core/errors.js';
import { watchAbort } from '../../engine/abort-watch.js';
import type { CallExecutor, CallOutcome, CallRequest } from '../../ports/call-executor.js';
import type { Clock } from '../../ports/clock.js';
import type { PostgresPool } from '../stores/postgres-connection.js';
import { type CallJob, callIdFor, earlierCallIds, QUEUE_SET_KEY, queueNameFor } from './call-queues.js';
import { pruneCallResults, readCallResults } from './call-results.js';

export interface BullmqExecutorOptions {
  redisUrl: string;
  database: PostgresPool;
  clock: Clock;
  /** How often pending calls' rows are read. Default 100 ms. */
  pollMs?: number;
  /** How often pending calls' jobs are re-added (a no-op while the job exists). Default 5 s. */
  repairMs?: number;
  /** How often call_results rows no unfinished task needs are swept (pruneCallResults). Default 60 s. */
  pruneMs?: number;
  /** A row is swept only once it is this old (its reader may still be polling). Default 10 min. */
  pruneAfterMs?: number;
}

export interface BullmqExecutors {
  executor: CallExecutor;
  /** Rejects when Redis does not answer (readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  job: CallJob;
  queue: Queue;
  resolve(outcome: CallOutcome): void;
}

const ACTIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export const JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 86_400 },
};

function failure(request: CallRequest, error: SymbiontError, durationMs: number): CallOutcome {
  return {
    ok: false,
    error,
    provider: request.provider,
    model: request.model,
    usage: {
      inputTokens: null,
      outputTokens: null,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      costUsd: 0,
      costSource: 'estimate',
    },
    durationMs,
  };
}

export function createBullmqExecutors(options: BullmqExecutorOptions): BullmqExecutors {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  connection.on('error', () => {});
  const queues = new Map<string, Queue>();
  const registered = new Set<string>();
  const pending = new Map<string, Pending>();
  let polling = false;
  let lastRepair = 0;

  async function queueFor(request: CallRequest): Promise<Queue> {
    const name = queueNameFor(request.provider, request.model);
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection });
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    const pair = `${request.provider}\t${request.model}`;
    if (!registered.has(pair)) {
      await connection.sadd(QUEUE_SET_KEY, pair);
      registered.add(pair);
    }
    return queue;
  }

  let lastPrune = options.clock.now();
  let pruning = false;

  /** The bounded sweep: at most one DELETE per pruneMs, whether or not calls are pending. */
  async function prune(): Promise<void> {
    const now = options.clock.now();
    if (pruning || now - lastPrune < (options.pruneMs ?? 60_000)) return;
    pruning = true;
    lastPrune = now;
    try {
      await pruneCallResults(options.database, now - (options.pruneAfterMs ?? 600_000));
    } catch {
      // PostgreSQL unreachable for a moment: the next sweep deletes what this one would have.
    } finally {
      pruning = false;
    }
  }

  async function poll(): Promise<void> {
    void prune();
    if (polling || pending.size === 0) return;
    polling = true;
    try {
      const results = await readCallResults(options.database, [...pending.keys()]);
      for (const [callId, outcome] of results) {
        const waiting = pending.get(callId);
        pending.delete(callId);
        waiting?.resolve(outcome);
      }
      const now = options.clock.now();
      if (now - lastRepair >= (options.repairMs ?? 5000)) {
        lastRepair = now;
        // Re-adding an existing job id is a no-op; a job (or the queue's name in the set the
        // workers read) that Redis lost comes back.
        for (const waiting of pending.values()) {
          if (!results.has(waiting.job.callId)) {
            const { provider, model } = waiting.job.request;
            await connection.sadd(QUEUE_SET_KEY, `${provider}\t${model}`);
            await waiting.queue.add('call', waiting.job, { ...JOB_OPTIONS, jobId: waiting.job.callId });
          }
        }
      }
    } catch {
      // PostgreSQL or Redis unreachable for a moment: the next poll tries again.
    } finally {
      polling = false;
    }
  }
  const poller = setInterval(() => void poll(), options.pollMs ?? 100);
  poller.unref();

  async function execute(request: CallRequest, signal: AbortSignal): Promise<CallOutcome> {
    const started = options.clock.now();
    let job: CallJob = { callId: callIdFor(request), request };
    if (signal.aborted) return failure(request, new SymbiontError('CANCELLED', 'cancelled'), 0);
    let queue: Queue;
    try {
      // A call a dead coordinator already had answered is read, not made again: this attempt's,
      // or a successful earlier attempt's (a success is never retried, so its attempt was only
      // counted as spent because its coordinator died before storing it).
      const earlierIds = earlierCallIds(request);
      const stored = await readCallResults(options.database, [job.callId, ...earlierIds]);
      const mine = stored.get(job.callId);
      if (mine !== undefined) return mine;
      for (const id of earlierIds) {
        const earlier = stored.get(id);
        if (earlier?.ok) return earlier;
      }
      queue = await queueFor(request);
      // An earlier attempt's job still queued or running (its coordinator died): wait for it.
      let adopted = false;
      for (const id of earlierIds) {
        if (stored.has(id)) continue;
        const existing = await queue.getJob(id);
        if (existing !== undefined && ACTIVE_STATES.has(await existing.getState())) {
          job = { callId: id, request: (existing.data as CallJob).request };
          adopted = true;
          break;
        }
      }
      if (!adopted) await queue.add('call', job, { ...JOB_OPTIONS, jobId: job.callId });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return failure(
        request,
        new SymbiontError('PROVIDER_UNAVAILABLE', `could not queue the call: ${reason}`, { retryable: true }),
        options.clock.now() - started,
      );
    }
    // The worker stops the call at timeoutMs; a worker that died is replaced by BullMQ's stall
    // check. This deadline only guards against a call nobody serves (no worker for its queue).
    const deadlineMs = request.timeoutMs * 3 + 120_000;
    return new Promise<CallOutcome>((resolve) => {
      let unwatch = (): void => {};
      let done = false;
      const finish = (outcome: CallOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unwatch();
        pending.delete(job.callId);
        resolve(outcome);
      };
      const onAbort = () => {
        // A job still waiting is removed; one a worker runs finishes there, unledgered here.
        void queue
          .getJob(job.callId)
          .then((found) => found?.remove())
          .catch(() => {});
        finish(failure(request, new SymbiontError('CANCELLED', 'cancelled'), options.clock.now() - started));
      };
      const timer = setTimeout(() => {
        finish(
          failure(
            request,
            new SymbiontError('PROVIDER_TIMEOUT', `no worker answered the call in ${deadlineMs} ms`, {
              retryable: true,
            }),
            options.clock.now() - started,
          ),
        );
      }, deadlineMs);
      timer.unref();
      pending.set(job.callId, { job, queue, resolve: finish });
      unwatch = watchAbort(signal, onAbort);
    });
  }

  return {
    executor: { execute },
    async check() {
      const answer = await connection.ping();
      if (answer !== 'PONG') throw new SymbiontError('PROVIDER_UNAVAILABLE', `Redis answered ${answer}`);
    },
    async close() {
      clearInterval(poller);
      for (const queue of queues.values()) await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}
