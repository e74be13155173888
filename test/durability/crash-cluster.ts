// A cluster on one machine in separate processes, for the crash suite and its bench: PostgreSQL,
// Redis, a counting OpenAI-compatible fake provider (its own log of every request: the ground
// truth for caps and re-execution), 2 `symbiont serve` coordinators and 3 `symbiont worker`s.
// `runCrashSuite` streams tasks in while it SIGKILLs workers and coordinators and SIGSTOPs
// workers past their lock, then waits for every task and returns what the checks need.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_SET_KEY, queueNameFor } from '../../src/adapters/executors/call-queues.js';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';
import { openPostgresStore } from '../../src/adapters/stores/postgres-store.js';
import type { ChainVerdict } from '../../src/core/chain-verifier.js';
import type { TaskEvent } from '../../src/core/events.js';
import type { Task } from '../../src/core/records.js';
import { SUBTASK_MARKER } from '../../src/core/subtask-prompt.js';
import { spawnCli } from '../cli/cli-helpers.js';
import { startPostgres } from '../services/postgres.js';
import { startRedis } from '../services/redis.js';

export const GLOBAL_CONCURRENCY = 4;
const LATENCY_MS = 250;
const LOCK_MS = 3000;

export interface ProviderCall {
  description: string;
  start: number;
  end: number | null;
}

export interface Fault {
  kind: 'kill-worker' | 'stop-worker' | 'kill-coordinator';
  at: number;
}

export interface CrashReport {
  tasks: Task[];
  events: Map<string, TaskEvent[]>;
  calls: ProviderCall[];
  maxInFlight: number;
  faults: Fault[];
  ledger: ChainVerdict;
  /**
   * Jobs the workers completed (BullMQ keeps them an hour): calls that went through the workers.
   * Not call_results rows: a task's rows are deleted when it finishes.
   */
  workerResults: number;
}

/** The fake provider: answers every chat completion after `latencyMs`, logging each request. */
export function startFakeProvider(
  latencyMs = LATENCY_MS,
): Promise<{ server: Server; url: string; calls: ProviderCall[]; max(): number }> {
  const calls: ProviderCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
        return;
      }
      const parsed = JSON.parse(body) as { messages: Array<{ content: string }> };
      const prompt = parsed.messages.map((message) => message.content).join('\n');
      // The subtask's own description follows the marker; the dependency results before it
      // quote other steps' descriptions.
      const own = prompt.slice(prompt.lastIndexOf(SUBTASK_MARKER) + 1);
      const description = /crash-step \S+/.exec(own)?.[0] ?? 'unknown';
      const call: ProviderCall = { description, start: Date.now(), end: null };
      calls.push(call);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        call.end = Date.now();
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'chatcmpl-crash',
            object: 'chat.completion',
            created: 1_790_000_000,
            model: 'fake-model',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: `done ${description}` },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          }),
        );
      }, latencyMs);
    });
  });
  return new Promise((resolveServer) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolveServer({ server, url: `http://127.0.0.1:${address.port}/v1`, calls, max: () => maxInFlight });
    }),
  );
}

/** Completed jobs in every call queue the coordinators registered. */
async function completedJobs(redisUrl: string): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    let count = 0;
    for (const pair of await connection.smembers(QUEUE_SET_KEY)) {
      const [provider, model] = pair.split('\t') as [string, string];
      const queue = new Queue(queueNameFor(provider, model), { connection });
      count += (await queue.getJobCounts('completed')).completed ?? 0;
      await queue.close();
    }
    return count;
  } finally {
    connection.disconnect();
  }
}

const delay = (ms: number) => new Promise((resolveDelay) => setTimeout(resolveDelay, ms));

export async function runCrashSuite(options: {
  faults: number;
  tasks: number;
  seed?: number;
}): Promise<CrashReport> {
  let seed = options.seed ?? 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const [postgres, redis, provider] = await Promise.all([startPostgres(), startRedis(), startFakeProvider()]);
  const databaseUrl = postgres.createDatabase('crash');
  const scratch = mkdtempSync(join(tmpdir(), 'symbiont-crash-'));
  const children = new Set<ChildProcess>();
  const env = {
    ...process.env,
    PATH: '/usr/bin:/bin',
    SYMBIONT_PROVIDER: '',
    ANTHROPIC_API_KEY: '',
    OPENAI_BASE_URL: provider.url,
    OPENAI_MODEL: 'fake-model',
    SYMBIONT_LEASE_TTL_MS: '2000',
    SYMBIONT_DATABASE_URL: databaseUrl,
    SYMBIONT_REDIS_URL: redis.url,
  };
  let homes = 0;
  const start = (args: string[]) => {
    homes += 1;
    const child = spawnCli(args, { ...env, SYMBIONT_HOME: join(scratch, `home-${homes}`) }, [
      'ignore',
      'ignore',
      'pipe',
    ]);
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const startWorker = () =>
    start([
      'worker',
      '--provider',
      'openai-compatible',
      '--global-concurrency',
      String(GLOBAL_CONCURRENCY),
      '--lock-ms',
      String(LOCK_MS),
      '--stalled-ms',
      '500',
    ]);
  const startCoordinator = (): Promise<{ child: ChildProcess; url: string }> =>
    new Promise((resolveStart, reject) => {
      const child = start(['serve', '--provider', 'openai-compatible', '--port', '0']);
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /serving (http:\/\/\S+)/.exec(seen);
        if (match) resolveStart({ child, url: match[1]! });
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${seen}`)));
    });

  const workers: ChildProcess[] = [startWorker(), startWorker(), startWorker()];
  const coordinators = [await startCoordinator(), await startCoordinator()];
  const store = await openPostgresStore(databaseUrl);
  const faults: Fault[] = [];
  const taskIds: string[] = [];
  try {
    const submit = async (number: number) => {
      const subtasks = ['a', 'b', 'c', 'd'].map((step, index) => ({
        description: `crash-step ${number}-${step}`,
        tier_hint: 1,
        depends_on: index === 2 ? [0, 1] : index === 3 ? [2] : [],
      }));
      for (let tries = 0; ; tries++) {
        const target = coordinators[(number + tries) % coordinators.length]!;
        try {
          const response = await fetch(`${target.url}/tasks?wait=false`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ plan: { reasoning: 'crash suite', subtasks } }),
          });
          if (response.status === 202) {
            taskIds.push(((await response.json()) as { id: string }).id);
            return;
          }
        } catch {
          // That coordinator was just killed: the other one takes the task.
        }
        await delay(200);
      }
    };
    let submitted = 0;
    const perFault = Math.max(1, Math.ceil(options.tasks / Math.max(1, options.faults)));
    for (let fault = 0; fault < options.faults; fault++) {
      for (let count = 0; count < perFault && submitted < options.tasks; count++) await submit(submitted++);
      await delay(400 + random() * 600);
      const roll = random();
      if (roll < 0.4) {
        const index = Math.floor(random() * workers.length);
        workers[index]!.kill('SIGKILL');
        faults.push({ kind: 'kill-worker', at: Date.now() });
        workers[index] = startWorker();
      } else if (roll < 0.75) {
        const index = Math.floor(random() * workers.length);
        const frozen = workers[index]!;
        frozen.kill('SIGSTOP');
        faults.push({ kind: 'stop-worker', at: Date.now() });
        await delay(LOCK_MS + 1500);
        frozen.kill('SIGCONT');
      } else {
        const index = Math.floor(random() * coordinators.length);
        coordinators[index]!.child.kill('SIGKILL');
        faults.push({ kind: 'kill-coordinator', at: Date.now() });
        coordinators[index] = await startCoordinator();
      }
    }
    while (submitted < options.tasks) await submit(submitted++);
    // Every task final.
    const until = Date.now() + 120_000;
    let tasks: Task[] = [];
    for (;;) {
      tasks = (await Promise.all(taskIds.map((id) => store.getTask(id)))).filter(
        (task) => task !== undefined,
      );
      if (
        tasks.length === taskIds.length &&
        tasks.every((task) => ['completed', 'failed', 'cancelled'].includes(task.status))
      )
        break;
      if (Date.now() > until) break;
      await delay(250);
    }
    const events = new Map<string, TaskEvent[]>();
    for (const id of taskIds) events.set(id, await store.readEvents(id, 0));
    const ledger = await PostgresLedger.open(databaseUrl);
    const verdict = await ledger.verify();
    await ledger.close();
    const workerResults = await completedJobs(redis.url);
    return {
      tasks,
      events,
      calls: provider.calls,
      maxInFlight: provider.max(),
      faults,
      ledger: verdict,
      workerResults,
    };
  } finally {
    await store.close();
    for (const child of children) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await delay(200);
    provider.server.close();
    await redis.stop();
    postgres.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Descriptions the provider answered more than once although no earlier run of them was in
 * flight at a fault (started before it, answered less than `marginMs` before it or later):
 * work that was completed and then done again.
 */
export function needlessRepeats(report: CrashReport, marginMs = 1500): string[] {
  const byDescription = new Map<string, ProviderCall[]>();
  for (const call of report.calls) {
    const list = byDescription.get(call.description) ?? [];
    list.push(call);
    byDescription.set(call.description, list);
  }
  const repeats: string[] = [];
  for (const [description, calls] of byDescription) {
    for (const later of calls.slice(1)) {
      const excused = calls.some(
        (earlier) =>
          earlier !== later &&
          earlier.start <= later.start &&
          report.faults.some(
            (fault) =>
              earlier.start <= fault.at && (earlier.end === null || earlier.end + marginMs >= fault.at),
          ),
      );
      if (!excused) repeats.push(description);
    }
  }
  return repeats;
}
