// The throughput benchmark of issue 15 (figures, not a test). Subtasks of the simulated provider
// with `[[sim latency=200]]`, a global concurrency of 64 (the coordinator's slot pool and the
// workers' `--global-concurrency`):
// 1. subtasks/s in-process (the default: SQLite + JSONL ledger; then PostgreSQL, no queue) and
//    through BullMQ with 1, 2 and 4 `symbiont worker` processes, as ratios to the default;
// 2. the latency the queue path adds per call, p50 and p99: each call's wall time as the
//    coordinator's executor sees it, minus the same figure in-process (light load: 8 at once;
//    and under the full load of 64);
// 3. tasks/s one coordinator drives: one-subtask tasks through 4 workers (and the same with
//    latency=0, where the coordinator and the queue are the bound, not the 64 slots).
// The coordinator is this process (openApp, as `serve` builds it); the workers are separate
// processes of the compiled CLI. PostgreSQL and Redis are throw-away servers on 127.0.0.1 at
// free ports (test/services), stopped at the end. Prints the figures, writes
// bench/results/several-machines-throughput.json.
// Usage: npm run bench:build && node .bench-build/bench/several-machines-throughput.js

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBullmqExecutors } from '../src/adapters/executors/bullmq-executor.js';
import { openPostgresPool } from '../src/adapters/stores/postgres-connection.js';
import { systemClock } from '../src/adapters/system/system-clock.js';
import { openApp } from '../src/app/compose.js';
import { createInProcessExecutor } from '../src/engine/in-process-executor.js';
import type { CallExecutor } from '../src/ports/call-executor.js';
import { startPostgres } from '../test/services/postgres.js';
import { startRedis } from '../test/services/redis.js';
import { COMPILED, REPO_ROOT, RESULTS_DIR } from './results-dir.js';

const LATENCY_MS = 200;
const GLOBAL_CONCURRENCY = 64;
/** Throughput runs: TASKS tasks of SUBTASKS independent subtasks, all submitted at once. */
const TASKS = 48;
const SUBTASKS = 16;
/** The tasks/s run: one-subtask tasks. */
const SINGLE_TASKS = 480;

const scratch = mkdtempSync(join(tmpdir(), 'symbiont-pgbench-'));
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps an executor: every call's wall time goes to `sink`. */
function timed(executor: CallExecutor, sink: number[]): CallExecutor {
  return {
    async execute(request, signal) {
      const started = performance.now();
      const outcome = await executor.execute(request, signal);
      if (request.kind === 'subtask') sink.push(performance.now() - started);
      return outcome;
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Coordinator {
  /** Submits `tasks` tasks of `subtasks` subtasks at once; waits for all; seconds and calls. */
  run(
    tasks: number,
    subtasks: number,
    concurrency: number,
    latencyMs?: number,
  ): Promise<{ seconds: number; calls: number[] }>;
  close(): Promise<void>;
}

let homes = 0;
async function coordinator(options: { databaseUrl?: string; redisUrl?: string }): Promise<Coordinator> {
  homes += 1;
  const home = join(scratch, `coordinator-${homes}`);
  let calls: number[] = [];
  const queued =
    options.redisUrl !== undefined && options.databaseUrl !== undefined
      ? { pool: openPostgresPool(options.databaseUrl), redisUrl: options.redisUrl }
      : undefined;
  const executors = queued
    ? createBullmqExecutors({ redisUrl: queued.redisUrl, database: queued.pool, clock: systemClock })
    : undefined;
  const app = await openApp({
    env: { ...process.env, SYMBIONT_DATABASE_URL: '', SYMBIONT_REDIS_URL: '', SYMBIONT_PROVIDER: '' },
    home,
    provider: 'simulated',
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    globalConcurrency: GLOBAL_CONCURRENCY,
    onWarning: () => {},
    manager: {
      executorFor: (provider, clock) =>
        timed(executors ? executors.executor : createInProcessExecutor(provider, clock), calls),
    },
  });
  let batch = 0;
  let closed = false;
  return {
    async run(tasks, subtasks, concurrency, latencyMs = LATENCY_MS) {
      batch += 1;
      calls = [];
      const started = performance.now();
      const ids = await Promise.all(
        Array.from({ length: tasks }, async (_, number) => {
          const plan = {
            reasoning: 'throughput bench',
            subtasks: Array.from({ length: subtasks }, (_, index) => ({
              description: `bench ${homes}-${batch}-${number}-${index} [[sim latency=${latencyMs}]]`,
              tier_hint: 1,
              depends_on: [],
            })),
          };
          const receipt = await app.service.submitTask({
            prompt: 'throughput bench',
            plan,
            settings: { concurrency },
            waitFor: 'created',
          });
          return receipt.id;
        }),
      );
      const finished = await Promise.all(ids.map((id) => app.service.waitForTask(id)));
      const seconds = (performance.now() - started) / 1000;
      const failed = finished.filter((task) => task.status !== 'completed');
      if (failed.length > 0) throw new Error(`${failed.length} tasks did not complete: ${failed[0]!.status}`);
      return { seconds, calls };
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await executors?.close();
      await queued?.pool.pool.end();
    },
  };
}

function startWorkers(count: number, databaseUrl: string, redisUrl: string): Promise<ChildProcess[]> {
  const cli = COMPILED
    ? [join(REPO_ROOT, '.bench-build/src/cli/run-cli.js')]
    : ['--import', 'tsx', join(REPO_ROOT, 'src/cli/run-cli.ts')];
  return Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              ...cli,
              'worker',
              '--provider',
              'simulated',
              '--database',
              databaseUrl,
              '--redis',
              redisUrl,
              '--concurrency',
              String(GLOBAL_CONCURRENCY),
              '--global-concurrency',
              String(GLOBAL_CONCURRENCY),
            ],
            {
              cwd: REPO_ROOT,
              env: { ...process.env, SYMBIONT_HOME: join(scratch, `worker-${index}`) },
              stdio: ['ignore', 'ignore', 'pipe'],
            },
          );
          let seen = '';
          child.stderr!.on('data', (chunk: Buffer) => {
            seen += chunk.toString();
            if (seen.includes('ready')) resolve(child);
          });
          child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${seen}`)));
        }),
    ),
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.removeAllListeners('exit');
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
const results: Record<string, unknown> = {};
try {
  const subtasks = TASKS * SUBTASKS;
  const throughput: Record<string, { subtasks_per_s: number; seconds: number }> = {};
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `${TASKS} tasks x ${SUBTASKS} subtasks, latency ${LATENCY_MS} ms, global concurrency ${GLOBAL_CONCURRENCY} (ceiling ${(GLOBAL_CONCURRENCY * 1000) / LATENCY_MS} subtasks/s)`,
  );
  const measure = async (name: string, make: () => Promise<Coordinator>) => {
    const coord = await make();
    try {
      await coord.run(4, 8, 8); // warm-up: connections, JIT
      const light = await coord.run(4, 24, 2); // 8 calls at once
      const full = await coord.run(TASKS, SUBTASKS, SUBTASKS);
      throughput[name] = { subtasks_per_s: round(subtasks / full.seconds), seconds: round(full.seconds, 2) };
      say(`${name.padEnd(22)} ${throughput[name]!.subtasks_per_s} subtasks/s (${full.seconds.toFixed(2)} s)`);
      return { light: light.calls, full: full.calls, coord };
    } catch (error) {
      await coord.close();
      throw error;
    }
  };
  const sqlite = await measure('in-process (SQLite)', () => coordinator({}));
  await sqlite.coord.close();
  const inPg = await measure('in-process (PostgreSQL)', () =>
    coordinator({ databaseUrl: postgres.createDatabase('inprocess') }),
  );
  await inPg.coord.close();
  const queued: Record<number, { light: number[]; full: number[] }> = {};
  for (const count of [1, 2, 4]) {
    const databaseUrl = postgres.createDatabase(`workers${count}`);
    // A fresh Redis database number per run: no queue state carries over.
    const redisUrl = `${redis.url}/${count}`;
    const coord = await coordinator({ databaseUrl, redisUrl });
    const workers = await startWorkers(count, databaseUrl, redisUrl);
    try {
      const run = await measure(`${count} worker${count > 1 ? 's' : ''} (BullMQ)`, async () => coord);
      queued[count] = { light: run.light, full: run.full };
      if (count === 4) {
        const single = await coord.run(SINGLE_TASKS, 1, 1);
        results.tasks_per_second = {
          tasks: SINGLE_TASKS,
          subtasks_per_task: 1,
          workers: 4,
          tasks_per_s: round(SINGLE_TASKS / single.seconds),
          seconds: round(single.seconds, 2),
          ceiling_tasks_per_s: (GLOBAL_CONCURRENCY * 1000) / LATENCY_MS,
        };
        say(`one coordinator, 4 workers: ${round(SINGLE_TASKS / single.seconds)} one-subtask tasks/s`);
        // The same with calls that take no time: what bounds it is the coordinator and the queue.
        const instant = await coord.run(SINGLE_TASKS, 1, 1, 0);
        results.tasks_per_second_zero_latency = {
          tasks: SINGLE_TASKS,
          workers: 4,
          tasks_per_s: round(SINGLE_TASKS / instant.seconds),
          seconds: round(instant.seconds, 2),
        };
        say(`  the same with latency=0: ${round(SINGLE_TASKS / instant.seconds)} tasks/s`);
      }
    } finally {
      await coord.close();
      await stopWorkers(workers);
    }
  }
  const base = throughput['in-process (SQLite)']!.subtasks_per_s;
  const basePg = throughput['in-process (PostgreSQL)']!.subtasks_per_s;
  const ratios = Object.fromEntries(
    [1, 2, 4].map((count) => {
      const row = throughput[`${count} worker${count > 1 ? 's' : ''} (BullMQ)`]!;
      return [
        `${count}_workers`,
        {
          ...row,
          ratio_to_default: round(row.subtasks_per_s / base, 2),
          ratio_to_in_process_postgres: round(row.subtasks_per_s / basePg, 2),
        },
      ];
    }),
  );
  say(
    `ratios to the default: ${Object.entries(ratios)
      .map(([key, row]) => `${key} ${row.ratio_to_default}`)
      .join(', ')}`,
  );
  // Added latency per call: the queue path's wall time per call minus in-process's (PostgreSQL).
  const added = (load: 'light' | 'full') => {
    const reference = inPg[load];
    const all = [1, 2, 4].flatMap((count) => queued[count]![load]);
    const row = {
      calls: all.length,
      in_process_p50_ms: round(percentile(reference, 50)),
      in_process_p99_ms: round(percentile(reference, 99)),
      queue_p50_ms: round(percentile(all, 50)),
      queue_p99_ms: round(percentile(all, 99)),
      added_p50_ms: round(percentile(all, 50) - percentile(reference, 50)),
      added_p99_ms: round(percentile(all, 99) - percentile(reference, 99)),
    };
    say(
      `queue latency added per call (${load === 'light' ? '8 at once' : `${GLOBAL_CONCURRENCY} at once`}): p50 ${row.added_p50_ms} ms, p99 ${row.added_p99_ms} ms (queue p50 ${row.queue_p50_ms} / p99 ${row.queue_p99_ms}; in-process ${row.in_process_p50_ms} / ${row.in_process_p99_ms})`,
    );
    return row;
  };
  Object.assign(results, {
    setup: {
      latency_ms: LATENCY_MS,
      global_concurrency: GLOBAL_CONCURRENCY,
      worker_concurrency: GLOBAL_CONCURRENCY,
      tasks: TASKS,
      subtasks_per_task: SUBTASKS,
      ceiling_subtasks_per_s: (GLOBAL_CONCURRENCY * 1000) / LATENCY_MS,
      cores: (await import('node:os')).cpus().length,
      compiled: COMPILED,
      note: 'the coordinator reads call_results every 100 ms (BullmqExecutorOptions.pollMs default)',
    },
    throughput,
    ratios,
    added_latency_light: added('light'),
    added_latency_full: added('full'),
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'several-machines-throughput.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  say(`wrote ${file}`);
} finally {
  await delay(100);
  await redis.stop();
  postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
}
