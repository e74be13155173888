// The worker side (`symbiont worker`): a BullMQ Worker per provider-and-model queue that the
// coordinators registered (the Redis set QUEUE_SET_KEY, re-read every second) and this
// process serves. Each job runs its call in-process and writes the outcome to call_results in
// PostgreSQL BEFORE the job completes (the only way results travel back); a job whose outcome
// is stored already, or whose task is finished, is not run.
// Caps live in Redis, not here: `queue.setGlobalConcurrency` holds across every worker, and a
// 429 pauses the model's whole queue for its retry-after (`worker.rateLimit`), using no attempt.
// Fencing: a worker whose lock lapsed (frozen past lockDuration) has its call aborted on
// `lockRenewalFailed`; if it wakes with a result anyway, the result is not written (its lock
// no longer extends) or loses to the row the new holder wrote (first writer wins), and BullMQ
// refuses its completion by lock token.

import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { CallExecutor, CallOutcome } from '../../ports/call-executor.js';
import type { Clock } from '../../ports/clock.js';
import type { PostgresPool } from '../stores/postgres-connection.js';
import { type CallJob, QUEUE_SET_KEY, queueNameFor } from './call-queues.js';
import { callIsMoot, writeCallResult } from './call-results.js';

export interface CallWorkerOptions {
  redisUrl: string;
  database: PostgresPool;
  clock: Clock;
  /** The providers this worker serves; calls for others are left to other workers. */
  providers: readonly string[];
  /** The executor that runs a call here (in-process, on this machine's provider). */
  executorFor(provider: string): CallExecutor;
  /** Calls this process runs at once per queue. Default 16. */
  concurrency?: number;
  /** Calls at once per model across all workers (queue.setGlobalConcurrency). Default: no cap. */
  globalConcurrency?: number;
  /** Calls per model per window across all workers (queue.setGlobalRateLimit). */
  rateLimit?: { max: number; durationMs: number };
  /** BullMQ lock: a job whose worker stops renewing it runs elsewhere. Default 60 s / 15 s. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How often the registered queues are re-read. Default 1000 ms. */
  discoverMs?: number;
  log?: (line: string) => void;
}

export interface CallWorkers {
  /** Queue names served so far. */
  served(): string[];
  /** Stops taking jobs, waits for the calls in flight, closes connections. */
  close(): Promise<void>;
}

export function isRateLimited(outcome: CallOutcome): number | undefined {
  if (outcome.ok || outcome.error.code !== 'PROVIDER_RATE_LIMITED') return undefined;
  return outcome.error.retryAfterMs ?? 1000;
}

export async function startCallWorkers(options: CallWorkerOptions): Promise<CallWorkers> {
  const log = options.log ?? (() => {});
  const lockDuration = options.lockDurationMs ?? 60_000;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const workers = new Map<string, { worker: Worker; queue: Queue }>();
  const serves = new Set(options.providers);
  let closing = false;

  async function run(
    worker: Worker,
    aborts: Map<string, AbortController>,
    job: Job<CallJob>,
    token?: string,
    signal?: AbortSignal,
  ) {
    const { callId, request } = job.data;
    // Answered already (a re-added job, a second delivery), or its task finished (its row may
    // be pruned already: running it would pay for an answer nobody reads): nothing to do.
    const moot = await callIsMoot(options.database, { callId, taskId: request.taskId });
    if (moot !== undefined) return moot;
    const controller = new AbortController();
    aborts.set(job.id!, controller);
    const stop = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const outcome = await options.executorFor(request.provider).execute(request, controller.signal);
      const retryAfter = isRateLimited(outcome);
      if (retryAfter !== undefined) {
        log(`${job.queueName}: 429, pausing the queue for ${retryAfter} ms`);
        await worker.rateLimit(retryAfter);
        throw Worker.RateLimitError();
      }
      if (controller.signal.aborted) throw new Error(`call ${callId}: lock lost, result dropped`);
      // Still ours? A worker frozen past its lock finds it taken and drops its result.
      if (token !== undefined && (await job.extendLock(token, lockDuration)) !== 1) {
        log(`${callId}: lock lost while the call ran: late result rejected`);
        throw new Error(`call ${callId}: lock lost, late result rejected`);
      }
      const won = await writeCallResult(
        options.database,
        { callId, taskId: request.taskId },
        token ?? 'none',
        outcome,
        options.clock.now(),
      );
      if (!won) log(`${callId}: another worker's result was stored first: this one rejected`);
      return won ? 'stored' : 'rejected';
    } finally {
      signal?.removeEventListener('abort', stop);
      aborts.delete(job.id!);
    }
  }

  async function serve(provider: string, model: string): Promise<void> {
    const name = queueNameFor(provider, model);
    if (workers.has(name) || closing) return;
    const queue = new Queue(name, { connection });
    queue.on('error', () => {});
    if (options.globalConcurrency !== undefined) await queue.setGlobalConcurrency(options.globalConcurrency);
    if (options.rateLimit !== undefined) {
      await queue.setGlobalRateLimit(options.rateLimit.max, options.rateLimit.durationMs);
    }
    const aborts = new Map<string, AbortController>();
    const worker: Worker = new Worker<CallJob>(
      name,
      (job, token, signal) => run(worker, aborts, job, token, signal),
      {
        connection,
        concurrency: options.concurrency ?? 16,
        lockDuration,
        stalledInterval: options.stalledIntervalMs ?? 15_000,
        maxStalledCount: 2,
      },
    );
    worker.on('error', (error) => log(`${name}: ${error.message}`));
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) {
        log(`${name}: lock renewal failed for ${id}: aborting its call`);
        aborts.get(id)?.abort(new Error('lock renewal failed'));
      }
    });
    workers.set(name, { worker, queue });
    log(`serving ${name}`);
  }

  async function discover(): Promise<void> {
    try {
      for (const pair of await connection.smembers(QUEUE_SET_KEY)) {
        const [provider, model] = pair.split('\t');
        if (provider !== undefined && model !== undefined && serves.has(provider))
          await serve(provider, model);
      }
    } catch (error) {
      log(`reading the queues: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await discover();
  const timer = setInterval(() => void discover(), options.discoverMs ?? 1000);

  return {
    served: () => [...workers.keys()],
    async close() {
      closing = true;
      clearInterval(timer);
      await Promise.all([...workers.values()].map(({ worker }) => worker.close()));
      await Promise.all([...workers.values()].map(({ queue }) => queue.close().catch(() => {})));
      connection.disconnect();
    },
  };
}
