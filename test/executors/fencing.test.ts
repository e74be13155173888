import { describe, expect, it } from 'vitest';
import { createBullmqExecutors } from '../../src/adapters/executors/bullmq-executor.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { spawnCli } from '../cli/cli-helpers.js';
import { startFakeProvider } from '../durability/crash-cluster.js';
import { useQueueServices } from '../helpers/queue-services.js';

const services = useQueueServices('fencing');

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('fencing a frozen worker', () => {
  it('rejects the late result of a worker frozen past its lock; the call is answered once', async () => {
    const provider = await startFakeProvider(300);
    const env = {
      ...process.env,
      PATH: '/usr/bin:/bin',
      OPENAI_BASE_URL: provider.url,
      OPENAI_MODEL: 'fake-model',
      SYMBIONT_DATABASE_URL: services.databaseUrl,
      SYMBIONT_REDIS_URL: services.redis.url,
    };
    const startWorker = () => {
      const child = spawnCli(
        ['worker', '--provider', 'openai-compatible', '--lock-ms', '1000', '--stalled-ms', '500'],
        env,
        ['ignore', 'ignore', 'pipe'],
      );
      let log = '';
      child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
      return { child, log: () => log };
    };
    const coordinator = createBullmqExecutors({
      redisUrl: services.redis.url,
      database: services.database,
      clock: systemClock,
      pollMs: 20,
    });
    const first = startWorker();
    let second: ReturnType<typeof startWorker> | undefined;
    try {
      const outcome = coordinator.executor.execute(
        {
          provider: 'openai-compatible',
          taskId: 'fence',
          subtaskId: 'fence.0',
          kind: 'subtask',
          attempt: 1,
          tier: 1,
          model: 'fake-model',
          prompt: 'crash-step fence-0',
          timeoutMs: 20_000,
        },
        new AbortController().signal,
      );
      for (let waited = 0; provider.calls.length === 0; waited += 20) {
        if (waited > 30_000) throw new Error(`the call never reached the provider: ${first.log()}`);
        await delay(20);
      }
      first.child.kill('SIGSTOP');
      await delay(2500);
      second = startWorker();
      const result = await outcome;
      expect(result.ok).toBe(true);
      expect(provider.calls.map((call) => call.description)).toEqual([
        'crash-step fence-0',
        'crash-step fence-0',
      ]);
      first.child.kill('SIGCONT');
      for (let waited = 0; !/lock (renewal failed|lost)/.test(first.log()); waited += 50) {
        if (waited > 10_000) throw new Error(`the frozen worker did not notice: ${first.log()}`);
        await delay(50);
      }
      await delay(1000);
      const rows = await services.database.pool.query<{ call_id: string }>(
        "SELECT call_id FROM call_results WHERE call_id LIKE 'call-fence.%'",
      );
      expect(rows.rows).toHaveLength(1);
      expect(first.log()).not.toMatch(/result was stored first/);
    } finally {
      first.child.kill('SIGCONT');
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await coordinator.close();
      provider.server.close();
    }
  }, 90_000);
});
