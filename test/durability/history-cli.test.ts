// History commands against a SQLite home shared by several processes: `tasks` and `show` from a
// second process while a run is going, `cancel` of a task another process runs and of one a
// crash left behind, and `prune`, which removes old finished tasks and never touches the ledger.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { openApp } from '../../src/app/compose.js';
import { homePaths } from '../../src/config/home.js';
import type { Task } from '../../src/core/records.js';
import { useCliHome } from '../helpers/cli-home.js';
import { run, start, waitFor } from './processes.js';

const ISO = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
/** SPEC §4: the recent-task summary, exactly these fields. */
const summarySchema = z
  .object({
    id: z.string().regex(/^compound-[0-9a-f-]{36}$/),
    prompt: z.string().max(100),
    status: z.enum(['planning', 'planned', 'executing', 'completed', 'partial', 'failed', 'cancelled']),
    subtask_count: z.number().int().nonnegative(),
    completed_count: z.number().int().nonnegative(),
    total_cost: z.number().nonnegative(),
    created_at: ISO,
    completed_at: ISO.nullable(),
  })
  .strict();
const summariesSchema = z.array(summarySchema);

const fixture = useCliHome({
  prefix: 'symbiont-history-',
  signLedger: true,
  env: () => ({ SYMBIONT_SIM_LATENCY_SCALE: '1' }),
});

function writePlan(subtasks: { description: string; depends_on?: number[] }[]): string {
  const path = join(fixture.home, `plan-${Date.now()}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      prompt: 'history test task',
      reasoning: 'durability test',
      subtasks: subtasks.map((subtask) => ({ tier_hint: 1, depends_on: [], ...subtask })),
    }),
  );
  return path;
}

/** The task of a home with one task, read by this process straight from the file. */
async function onlyTask(): Promise<Task | undefined> {
  const store = openSqliteStore(homePaths.database(fixture.home));
  try {
    const [summary] = await store.listTasks({ limit: 1 });
    return summary ? await store.getTask(summary.id) : undefined;
  } finally {
    await store.close();
  }
}

/** Waits until the task has `completed` subtasks done and one executing. */
function midRun(completed: number): Promise<Task> {
  return waitFor(async () => {
    const task = await onlyTask().catch(() => undefined);
    if (!task) return undefined;
    const done = task.subtasks.filter((subtask) => subtask.status === 'completed').length;
    const executing = task.subtasks.some((subtask) => subtask.status === 'executing');
    return done >= completed && executing ? task : undefined;
  }, 'the run to be midway');
}

describe('a second process on the same home', () => {
  it('lists and shows tasks safely while a run is going', async () => {
    const plan = writePlan([
      { description: 'quick step [[sim latency=100]]' },
      { description: 'slow step [[sim latency=5000]]', depends_on: [0] },
      { description: 'another quick step [[sim latency=100]]' },
    ]);
    const running = start(
      fixture.cli,
      ['run', '--plan', plan, '--provider', 'simulated', '--json'],
      fixture.env,
    );
    const midway = await midRun(2);

    const listed = await run(fixture.cli, ['tasks', '--json'], fixture.env);
    expect(listed.code, listed.stderr).toBe(0);
    const summaries = summariesSchema.parse(JSON.parse(listed.stdout));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      id: midway.id,
      status: 'executing',
      subtask_count: 3,
      completed_at: null,
    });
    expect(summaries[0]!.completed_count).toBeGreaterThanOrEqual(2);

    const shown = await run(fixture.cli, ['show', midway.id, '--json'], fixture.env);
    expect(shown.code, shown.stderr).toBe(0);
    const record = JSON.parse(shown.stdout) as Task;
    expect(record.status).toBe('executing');
    expect(record.subtasks[1]!.status).toBe('executing');
    expect(record.subtasks[0]!.result).toContain('quick step');

    const plain = await run(fixture.cli, ['show', midway.id], fixture.env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('slow step');
    // All of that happened while the run was still going.
    expect(running.child.exitCode).toBeNull();

    const finished = await running.done;
    expect(finished.code, finished.stderr).toBe(0);
    expect((JSON.parse(finished.stdout) as Task).status).toBe('completed');
    const after = summariesSchema.parse(
      JSON.parse((await run(fixture.cli, ['tasks', '--json'], fixture.env)).stdout),
    );
    expect(after[0]).toMatchObject({ status: 'completed', completed_count: 3 });
    expect(after[0]!.completed_at).not.toBeNull();
  }, 90_000);

  it('cancels a task another live process runs: that process stops it and reports it cancelled', async () => {
    const plan = writePlan([
      { description: 'done first [[sim latency=50]]' },
      { description: 'long call [[sim latency=20000]]', depends_on: [0] },
      { description: 'never reached [[sim latency=50]]', depends_on: [1] },
    ]);
    const running = start(
      fixture.cli,
      ['run', '--plan', plan, '--provider', 'simulated', '--json'],
      fixture.env,
    );
    const midway = await midRun(1);

    const cancelled = await run(fixture.cli, ['cancel', midway.id], fixture.env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`${midway.id}: cancelled`);
    const finished = await running.done;
    expect(finished.code).toBe(1);
    const record = JSON.parse(finished.stdout) as Task;
    expect(record.status).toBe('cancelled');
    expect(record.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'cancelled', 'cancelled']);
  }, 90_000);

  it('cancels a task a crash left behind', async () => {
    const plan = writePlan([
      { description: 'done before the crash [[sim latency=50]]' },
      { description: 'in flight at the crash [[sim latency=20000]]', depends_on: [0] },
      { description: 'waits for the one in flight [[sim latency=50]]', depends_on: [1] },
    ]);
    const running = start(
      fixture.cli,
      ['run', '--plan', plan, '--provider', 'simulated', '--json'],
      fixture.env,
    );
    const midway = await midRun(1);
    expect((await onlyTask())!.status).toBe('executing');

    await running.kill();
    const cancelled = await run(fixture.cli, ['cancel', midway.id], fixture.env);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`${midway.id}: cancelled`);
    const record = JSON.parse(
      (await run(fixture.cli, ['show', midway.id, '--json'], fixture.env)).stdout,
    ) as Task;
    expect(record.status).toBe('cancelled');
    expect(record.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'cancelled', 'cancelled']);
    expect(record.subtasks[0]!.result).toContain('done before the crash');

    const resumed = await run(fixture.cli, ['resume'], fixture.env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('nothing to resume');
  }, 90_000);

  it('answers an unknown id with exit status 2 and one line', async () => {
    const shown = await run(
      fixture.cli,
      ['show', 'compound-00000000-0000-0000-0000-000000000000'],
      fixture.env,
    );
    expect(shown.code).toBe(2);
    expect(shown.stderr.trim()).toBe('symbiont: no task compound-00000000-0000-0000-0000-000000000000');
    const cancelled = await run(
      fixture.cli,
      ['cancel', 'compound-00000000-0000-0000-0000-000000000000'],
      fixture.env,
    );
    expect(cancelled.code).toBe(2);
  }, 90_000);
});

describe('symbiont tasks and prune', () => {
  it('lists newest first with --limit, prunes old finished tasks only, and leaves the ledger byte-identical', async () => {
    const day = 86_400_000;
    const clockAt = (offsetMs: number) => ({
      now: () => Date.now() - offsetMs,
      sleep: systemClock.sleep,
    });
    const submit = async (offsetMs: number, prompt: string, waitForEnd: boolean) => {
      const app = await openApp({
        home: fixture.home,
        env: fixture.env,
        provider: 'simulated',
        simulatedLatencyScale: 0,
        manager: { clock: clockAt(offsetMs) },
      });
      try {
        const receipt = await app.service.submitTask({ prompt });
        if (waitForEnd) await app.service.waitForTask(receipt.id);
        return receipt.id;
      } finally {
        // A task still running is left interrupted (resumable), as after a crash.
        await app.close();
      }
    };
    const oldest = await submit(45 * day, 'old task one. Then its second step.', true);
    const older = await submit(40 * day, 'old task two.', true);
    const oldUnfinished = await submit(35 * day, 'old task that never finished [[sim fail=hang]]', false);
    const recent = await submit(2 * day, 'recent task.', true);

    const limited = summariesSchema.parse(
      JSON.parse((await run(fixture.cli, ['tasks', '--json', '--limit', '2'], fixture.env)).stdout),
    );
    expect(limited.map((summary) => summary.id)).toEqual([recent, oldUnfinished]);
    const all = summariesSchema.parse(
      JSON.parse((await run(fixture.cli, ['tasks', '--json'], fixture.env)).stdout),
    );
    expect(all.map((summary) => summary.id)).toEqual([recent, oldUnfinished, older, oldest]);

    const ledgerPath = homePaths.ledger(fixture.home);
    const ledgerBefore = readFileSync(ledgerPath);
    const modifiedBefore = statSync(ledgerPath).mtimeMs;
    const pruned = await run(fixture.cli, ['prune', '--older-than', '30d'], fixture.env);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('pruned 2 task(s)');

    const left = summariesSchema.parse(
      JSON.parse((await run(fixture.cli, ['tasks', '--json'], fixture.env)).stdout),
    );
    expect(left.map((summary) => summary.id)).toEqual([recent, oldUnfinished]);
    expect((await run(fixture.cli, ['show', oldest], fixture.env)).code).toBe(2);
    expect(readFileSync(ledgerPath).equals(ledgerBefore)).toBe(true);
    expect(statSync(ledgerPath).mtimeMs).toBe(modifiedBefore);
    const verify = await run(fixture.cli, ['ledger', 'verify'], fixture.env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const bad = await run(fixture.cli, ['prune', '--older-than', 'a while'], fixture.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--older-than expects an age like 30d/);
    const badLimit = await run(fixture.cli, ['tasks', '--limit', '0'], fixture.env);
    expect(badLimit.code).toBe(2);
  }, 90_000);
});
