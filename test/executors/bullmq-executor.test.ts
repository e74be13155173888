// The BullMQ executor and call workers against a real Redis and PostgreSQL (started here):
// outcomes come back through call_results; a call is run once however often it is asked; the
// global concurrency holds across two worker instances; a 429 pauses the model's queue for its
// retry-after without failing the call; calls for another provider are left alone.

import { describe, expect, it } from 'vitest';
import { createBullmqExecutors } from '../../src/adapters/executors/bullmq-executor.js';
import { type CallWorkerOptions, startCallWorkers } from '../../src/adapters/executors/call-worker.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { CallExecutor, CallOutcome, CallRequest } from '../../src/ports/call-executor.js';
import { useQueueServices } from '../helpers/queue-services.js';
import { type RedisServer, startRedis } from '../services/redis.js';

const services = useQueueServices('executor');

function request(taskId: string, index: number, model = 'sim-small'): CallRequest {
  return {
    provider: 'simulated',
    taskId,
    subtaskId: `${taskId}.${index}`,
    kind: 'subtask',
    attempt: 1,
    tier: 1,
    model,
    prompt: `prompt ${index}`,
    timeoutMs: 10_000,
  };
}

/** Counts calls, and the most running at once across every worker that shares it. */
class CountingExecutor implements CallExecutor {
  readonly log: Array<{ prompt: string; at: number; answer: 'ok' | '429' }> = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly delayMs: number,
    private readonly rateLimitFirst = new Set<string>(),
  ) {}
  async execute(call: CallRequest): Promise<CallOutcome> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const usage = {
        inputTokens: 1,
        outputTokens: 2,
        cacheReadTokens: null,
        cacheWriteTokens: null,
        costUsd: 0.01,
        costSource: 'tokens' as const,
      };
      if (this.rateLimitFirst.delete(call.prompt)) {
        this.log.push({ prompt: call.prompt, at: Date.now(), answer: '429' });
        return {
          ok: false,
          error: new SymbiontError('PROVIDER_RATE_LIMITED', 'slow down', {
            retryable: true,
            retryAfterMs: 800,
          }),
          provider: call.provider,
          model: call.model,
          usage,
          durationMs: this.delayMs,
        };
      }
      this.log.push({ prompt: call.prompt, at: Date.now(), answer: 'ok' });
      return {
        ok: true,
        text: `answer to ${call.prompt}`,
        provider: call.provider,
        model: call.model,
        usage,
        durationMs: this.delayMs,
      };
    } finally {
      this.inFlight -= 1;
    }
  }
}

const never = new AbortController().signal;

/** The coordinator's side: queues calls on Redis, reads their outcomes from PostgreSQL. */
function coordinatorOn(redisUrl = services.redis.url, options: { repairMs?: number } = {}) {
  return createBullmqExecutors({
    redisUrl,
    database: services.database,
    clock: systemClock,
    pollMs: 20,
    ...options,
  });
}

/** Call workers answering the simulated provider's calls with `fake`. */
function workersFor(fake: CallExecutor, options: Partial<CallWorkerOptions> = {}) {
  return startCallWorkers({
    redisUrl: services.redis.url,
    database: services.database,
    clock: systemClock,
    providers: ['simulated'],
    executorFor: () => fake,
    discoverMs: 100,
    ...options,
  });
}

describe('BullMQ executor and call workers', () => {
  it('runs calls on two workers, at most the global concurrency at once, each once, results via PostgreSQL', async () => {
    const fake = new CountingExecutor(60);
    const coordinator = coordinatorOn();
    const outcomes = Promise.all(
      Array.from({ length: 24 }, (_, index) => coordinator.executor.execute(request('t1', index), never)),
    );
    const workers = await Promise.all([
      workersFor(fake, { concurrency: 8, globalConcurrency: 3 }),
      workersFor(fake, { concurrency: 8, globalConcurrency: 3 }),
    ]);
    try {
      const results = await outcomes;
      expect(results.map((outcome) => (outcome.ok ? outcome.text : outcome.error.message))).toEqual(
        results.map((_, index) => `answer to prompt ${index}`),
      );
      expect(fake.log).toHaveLength(24);
      expect(fake.maxInFlight).toBeLessThanOrEqual(3);
      expect(fake.maxInFlight).toBeGreaterThan(1);
      // Asked again (a coordinator took the task over): the stored outcome, no second call.
      const again = await coordinator.executor.execute(request('t1', 5), never);
      expect(again.ok && again.text).toBe('answer to prompt 5');
      expect(fake.log).toHaveLength(24);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
      await coordinator.close();
    }
  }, 60_000);

  it('pauses the model queue for the retry-after of a 429, using no attempt, then answers', async () => {
    const fake = new CountingExecutor(10, new Set(['prompt 0']));
    const coordinator = coordinatorOn();
    const workers = await workersFor(fake, { concurrency: 1 });
    try {
      const first = coordinator.executor.execute(request('t2', 0, 'sim-limited'), never);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = coordinator.executor.execute(request('t2', 1, 'sim-limited'), never);
      const [a, b] = await Promise.all([first, second]);
      expect(a.ok && b.ok).toBe(true);
      const limited = fake.log.find((entry) => entry.answer === '429')!;
      const after = fake.log.filter((entry) => entry.at > limited.at);
      expect(after.map((entry) => entry.prompt).sort()).toEqual(['prompt 0', 'prompt 1']);
      // Nothing ran on that model's queue during the pause.
      for (const entry of after) expect(entry.at - limited.at).toBeGreaterThanOrEqual(700);
    } finally {
      await workers.close();
      await coordinator.close();
    }
  }, 60_000);

  it('leaves calls for a provider it does not serve to other workers', async () => {
    const fake = new CountingExecutor(1);
    const coordinator = coordinatorOn();
    const workers = await workersFor(fake, { providers: ['anthropic'], discoverMs: 50 });
    try {
      const controller = new AbortController();
      const outcome = coordinator.executor.execute(request('t3', 0, 'sim-other'), controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 500));
      controller.abort();
      const result = await outcome;
      expect(!result.ok && result.error.code).toBe('CANCELLED');
      expect(fake.log).toHaveLength(0);
      expect(workers.served().some((name) => name.includes('simulated'))).toBe(false);
    } finally {
      await workers.close();
      await coordinator.close();
    }
  }, 60_000);

  it('rebuilds the queued calls from PostgreSQL when Redis restarts empty', async () => {
    const own = await startRedis();
    const port = Number(new URL(own.url).port);
    const fake = new CountingExecutor(5);
    const coordinator = coordinatorOn(own.url, { repairMs: 200 });
    let restarted: RedisServer | undefined;
    let workers: Awaited<ReturnType<typeof startCallWorkers>> | undefined;
    try {
      // Queued while no worker runs; then Redis loses everything.
      const outcomes = Promise.all(
        [0, 1, 2].map((index) => coordinator.executor.execute(request('t4', index, 'sim-restart'), never)),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await own.stop();
      restarted = await startRedis({ port });
      workers = await workersFor(fake, { redisUrl: restarted.url });
      const results = await outcomes;
      expect(results.every((outcome) => outcome.ok)).toBe(true);
      expect(fake.log.map((entry) => entry.prompt).sort()).toEqual(['prompt 0', 'prompt 1', 'prompt 2']);
    } finally {
      await workers?.close();
      await coordinator.close();
      await restarted?.stop();
      await own.stop();
    }
  }, 60_000);
});
