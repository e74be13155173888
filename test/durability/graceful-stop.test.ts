// Issue 15 item 6: workers and coordinators stop gracefully on SIGTERM, in separate processes
// over a throw-away PostgreSQL and Redis and a counting fake provider (its own log of every
// request: the ground truth for what was called and how often).
// - A worker signalled while it runs a slow call finishes that call (its result row is written,
//   the subtask completes), takes no queued call meanwhile, and exits 0.
// - A coordinator signalled while its task runs exits before the call in flight is answered,
//   hands back its lease (a long lease TTL: only a released lease lets another take it now) and
//   leaves the task resumable; a second coordinator completes it without calling again.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLedger } from '../../src/adapters/ledger/postgres-ledger.js';
import { openPostgresStore } from '../../src/adapters/stores/postgres-store.js';
import type { Task } from '../../src/core/records.js';
import { spawnCli } from '../cli/cli-helpers.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { startRedis } from '../services/redis.js';
import { type ProviderCall, startFakeProvider } from './crash-cluster.js';

const LATENCY_MS = 2500;

let postgres: PostgresServer;
let scratch: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  postgres = await startPostgres();
  scratch = mkdtempSync(join(tmpdir(), 'symbiont-graceful-'));
});

afterAll(() => {
  postgres?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Each test its own database, Redis and provider; whatever it left running is killed. */
async function cluster(name: string) {
  const [redis, provider] = await Promise.all([startRedis(), startFakeProvider(LATENCY_MS)]);
  const databaseUrl = postgres.createDatabase(name);
  const store = await openPostgresStore(databaseUrl);
  return {
    provider,
    databaseUrl,
    store,
    env: { OPENAI_BASE_URL: provider.url, SYMBIONT_DATABASE_URL: databaseUrl, SYMBIONT_REDIS_URL: redis.url },
    async stop() {
      const exits = [...children].map((child) => new Promise((done) => child.once('exit', done)));
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(exits);
      await store.close();
      provider.server.close();
      await redis.stop();
    },
  };
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

interface Started {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A `symbiont` process against this test's services and provider. */
function symbiont(args: string[], env: Record<string, string>): Started {
  const child = spawnCli(
    args,
    {
      ...process.env,
      SYMBIONT_PROVIDER: '',
      ANTHROPIC_API_KEY: '',
      OPENAI_MODEL: 'fake-model',
      SYMBIONT_HOME: mkdtempSync(join(scratch, 'home-')),
      ...env,
    },
    ['ignore', 'ignore', 'pipe'],
  );
  children.add(child);
  let seen = '';
  child.stderr!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      done({ code, signal });
    }),
  );
  return { child, stderr: () => seen, exited };
}

function worker(env: Record<string, string>, concurrency: number): Started {
  const started = symbiont(
    [
      'worker',
      '--provider',
      'openai-compatible',
      '--concurrency',
      String(concurrency),
      '--stalled-ms',
      '500',
    ],
    env,
  );
  return started;
}

async function coordinator(env: Record<string, string>): Promise<Started & { url: string }> {
  const started = symbiont(['serve', '--provider', 'openai-compatible', '--port', '0'], env);
  const url = await until('serve to listen', () => {
    if (started.child.exitCode !== null) throw new Error(`serve exited: ${started.stderr()}`);
    return /serving (http:\/\/\S+)/.exec(started.stderr())?.[1];
  });
  return { ...started, url };
}

async function submit(url: string, plan: { description: string; depends_on: number[] }[]) {
  const response = await fetch(`${url}/tasks?wait=false`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      plan: { reasoning: 'graceful stop', subtasks: plan.map((step) => ({ ...step, tier_hint: 1 })) },
    }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

const callsOf = (calls: ProviderCall[], description: string) =>
  calls.filter((call) => call.description === description);

describe('several machines: SIGTERM', () => {
  it('a worker finishes the call it runs, takes no queued call, and exits 0', async () => {
    const services = await cluster('worker_stop');
    const { provider, databaseUrl, store, env } = services;
    try {
      const first = worker(env, 1);
      const serve = await coordinator(env);
      // Two independent steps: with one slot the worker runs one; the other waits in the queue.
      const id = await submit(serve.url, [
        { description: 'crash-step w-a', depends_on: [] },
        { description: 'crash-step w-b', depends_on: [] },
      ]);
      const running = await until('a call in flight', () => provider.calls[0]);
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit, first.stderr()).toEqual({ code: 0, signal: null });
      expect(first.stderr()).toContain('SIGTERM: finishing the calls in flight');
      // It answered the call it held, and started no other.
      expect(provider.calls).toHaveLength(1);
      expect(running.end).not.toBeNull();
      const ledger = await PostgresLedger.open(databaseUrl);
      const rows = await ledger.database.pool
        .query<{ body: string }>('SELECT body FROM call_results')
        .then((result) => result.rows)
        .finally(() => ledger.close());
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]!.body)).toMatchObject({ ok: true });
      // The coordinator completes that subtask from the row, with no worker alive.
      const done = running.description === 'crash-step w-a' ? 0 : 1;
      await until('the finished call to complete its subtask', async () => {
        const task = await store.getTask(id);
        return task?.subtasks[done]?.status === 'completed' ? task : undefined;
      });
      expect((await store.getTask(id))!.subtasks[1 - done]!.status).not.toBe('completed');
      // Another worker takes the queued call; the task completes with each step called once.
      const second = worker(env, 1);
      const task = await until<Task>('the task to complete', async () => {
        const found = await store.getTask(id);
        return found?.status === 'completed' ? found : undefined;
      });
      expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'completed']);
      expect(callsOf(provider.calls, 'crash-step w-a')).toHaveLength(1);
      expect(callsOf(provider.calls, 'crash-step w-b')).toHaveLength(1);
      second.child.kill('SIGTERM');
      serve.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      expect((await serve.exited).code).toBe(0);
    } finally {
      await services.stop();
    }
  }, 40_000);

  it('a coordinator hands back its lease at once; another completes the task without calling again', async () => {
    const services = await cluster('coordinator_stop');
    const { provider, databaseUrl, store } = services;
    // Far longer than the test: only a lease handed back lets the second coordinator in now.
    const env = { ...services.env, SYMBIONT_LEASE_TTL_MS: '600000' };
    try {
      const calls = worker(env, 4);
      const first = await coordinator(env);
      const id = await submit(first.url, [
        { description: 'crash-step c-a', depends_on: [] },
        { description: 'crash-step c-b', depends_on: [0] },
      ]);
      const running = await until('the first call in flight', () => provider.calls[0]);
      expect(running.description).toBe('crash-step c-a');
      expect(await store.leaseHolder(id)).toBeDefined();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      // It did not wait for the call in flight.
      expect(running.end).toBeNull();
      expect(exit, first.stderr()).toEqual({ code: 0, signal: null });
      expect(first.stderr()).toContain('running tasks stay resumable');
      expect(await store.leaseHolder(id)).toBeUndefined();
      const left = (await store.getTask(id))!;
      expect(['planned', 'executing']).toContain(left.status);
      expect((await store.readEvents(id, 0)).map((event) => event.type)).toContain('task.detached');
      expect(await store.listUnfinished()).toContain(id);
      // The worker finishes the call meanwhile: a stored result no coordinator has read yet.
      await until('the call to be answered', () => running.end !== null);
      const second = await coordinator(env);
      const task = await until<Task>('the task to complete', async () => {
        const found = await store.getTask(id);
        return found?.status === 'completed' ? found : undefined;
      });
      expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'completed']);
      // Each step called once at the provider, and ledgered once.
      expect(callsOf(provider.calls, 'crash-step c-a')).toHaveLength(1);
      expect(callsOf(provider.calls, 'crash-step c-b')).toHaveLength(1);
      expect(provider.calls).toHaveLength(2);
      const ledger = await PostgresLedger.open(databaseUrl);
      try {
        const entries: Array<{ task_id: string; subtask_id: string | null; success: boolean }> = [];
        for await (const line of ledger.lines()) entries.push(JSON.parse(line));
        const mine = entries.filter((entry) => entry.task_id === id && entry.success);
        expect(mine.map((entry) => entry.subtask_id).sort()).toEqual(
          task.subtasks.map((subtask) => subtask.id).sort(),
        );
        expect((await ledger.verify()).ok).toBe(true);
      } finally {
        await ledger.close();
      }
      second.child.kill('SIGTERM');
      calls.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      expect((await calls.exited).code).toBe(0);
    } finally {
      await services.stop();
    }
  }, 40_000);
});
