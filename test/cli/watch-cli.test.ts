// `symbiont watch` from a second process on tasks run by `symbiont serve`: it shows progress
// while the task runs (from the shared store, without taking the lease), ends when the task
// ends, and exits as `run` does: 0 completed, 1 failed or cancelled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import type { Task } from '../../src/core/records.js';
import { type ProgramCommand, type Started, start, waitFor } from '../durability/processes.js';
import { NO_PROVIDER_ENV, useCliHome } from '../helpers/cli-home.js';
import { freePort } from '../services/free-port.js';
import { createdEvent, makeTask, plannedEvent } from '../stores/task-fixtures.js';

const fixture = useCliHome({
  prefix: 'symbiont-watch-',
  scope: 'file',
  env: () => ({ ...NO_PROVIDER_ENV, SYMBIONT_SIM_LATENCY_SCALE: '1' }),
});
let serve: Started;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  serve = start(
    fixture.cli,
    ['serve', '--host', '127.0.0.1', '--port', String(port), '--provider', 'simulated'],
    fixture.env,
  );
  base = `http://127.0.0.1:${port}`;
  await waitFor(
    () => (serve.output().stderr.includes(`serving ${base}`) ? true : undefined),
    `serve to listen on ${base}`,
    60_000,
  );
}, 90_000);

afterAll(async () => {
  if (serve) {
    serve.child.kill('SIGTERM');
    const ended = await Promise.race([serve.done, new Promise((done) => setTimeout(done, 20_000))]);
    if (!ended) await serve.kill();
  }
}, 60_000);

async function submit(subtasks: { description: string; depends_on?: number[] }[]): Promise<string> {
  const response = await fetch(`${base}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plan: { prompt: 'watch test', subtasks } }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function record(id: string): Promise<Task> {
  return (await (await fetch(`${base}/tasks/${id}`)).json()) as Task;
}

/** The part of an id after `compound-` people would type: its first 8 hex digits. */
const shortId = (id: string) => id.slice('compound-'.length, 'compound-'.length + 8);

describe('symbiont watch', () => {
  it('follows a task the server runs, live, and exits 0 when it completes', async () => {
    const id = await submit([
      { description: 'first step [[sim latency=1500]]' },
      { description: 'second step [[sim latency=4000]]', depends_on: [0] },
    ]);
    const watcher = start(fixture.cli, ['watch', shortId(id)], fixture.env);
    // Progress shows while the task still runs: subtask 0 done, subtask 1 not yet.
    await waitFor(
      () => (watcher.output().stdout.includes('subtask 0 completed') ? true : undefined),
      'watch to show subtask 0 completed',
      30_000,
    );
    const meanwhile = await record(id);
    expect(meanwhile.status).toBe('executing');
    expect(meanwhile.subtasks[1]!.status).not.toBe('completed');
    expect(watcher.output().stdout).not.toContain('task completed');

    const ended = await watcher.done;
    expect(ended.code, ended.stderr).toBe(0);
    const lines = ended.stdout.split('\n');
    // The status when watch attached: the plan was given, so it was planned or executing.
    expect(lines[0]).toMatch(new RegExp(`^watching task ${id} \\((planned|executing)\\)$`));
    expect(ended.stdout).toMatch(/subtask 0 started on \S+ \(attempt 1\): first step/);
    expect(ended.stdout).toMatch(/subtask 1 started on \S+ \(attempt 1\): second step/);
    expect(ended.stdout).toMatch(/task completed, total \$/);
    expect(ended.stdout).toContain(`Task ${id}: completed`);
    // The server ran it to the end: the watcher never took it over.
    const final = await record(id);
    expect(final.status).toBe('completed');
    expect(final.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 1]);
  }, 120_000);

  it('exits 1 when the watched task fails, and when it is cancelled', async () => {
    const failing = await submit([{ description: 'doomed [[sim latency=1000 fail=fatal]]' }]);
    const watchFailing = start(fixture.cli, ['watch', `compound-${shortId(failing)}`], fixture.env);
    const cancelled = await submit([{ description: 'long [[sim latency=30000]]' }]);
    const watchCancelled = start(fixture.cli, ['watch', shortId(cancelled), '--json'], fixture.env);

    const failed = await watchFailing.done;
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/subtask 0 failed: /);
    expect(failed.stdout).toContain(`Task ${failing}: failed`);

    await waitFor(async () => ((await record(cancelled)).status === 'executing' ? true : undefined), 'start');
    // Ctrl-C on a watcher stops only the watching.
    const leaving = start(fixture.cli, ['watch', shortId(cancelled)], fixture.env);
    await waitFor(() => (leaving.output().stdout.includes('watching task') ? true : undefined), 'attach');
    leaving.child.kill('SIGINT');
    const left = await leaving.done;
    expect(left.code).toBe(130);
    expect(left.stderr).toContain(`symbiont: stopped watching; task ${cancelled} goes on`);
    expect((await record(cancelled)).status).toBe('executing');

    const response = await fetch(`${base}/tasks/${cancelled}/cancel`, { method: 'POST' });
    expect(response.status).toBeLessThan(300);
    const ended = await watchCancelled.done;
    expect(ended.code, ended.stderr).toBe(1);
    expect((JSON.parse(ended.stdout) as Task).status).toBe('cancelled');
  }, 120_000);

  it('draws the live tree on a terminal (a pseudo-terminal from script(1))', async () => {
    const id = await submit([
      { description: 'tree step one [[sim latency=800]]' },
      { description: 'tree step two [[sim latency=800]]', depends_on: [0] },
    ]);
    const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
    const line = [fixture.cli.command, ...fixture.cli.args, 'watch', shortId(id)].map(quote).join(' ');
    const terminal: ProgramCommand = {
      command: 'script',
      args: ['-qefc', line, '/dev/null'],
      dispose: () => undefined,
    };
    const ended = await start(terminal, [], { ...fixture.env, COLUMNS: '120', LINES: '30' }).done;
    expect(ended.code, ended.stderr).toBe(0);
    // Redrawn in place: erase-line and cursor-up sequences, then the final tree.
    expect(ended.stdout).toContain('\x1b[2K');
    expect(ended.stdout).toMatch(/\x1b\[\d+F/);
    expect(ended.stdout).toMatch(/COMPLETED +2\/2 done/);
    expect(ended.stdout).toMatch(/└─ \S+ +1 completed .*tree step two/);
    expect(ended.stdout).not.toContain('watching task');
    expect(ended.stdout).toContain(`Task ${id}: completed`);
  }, 60_000);

  it('ends (exit 1) on a task that no process runs, and says how to resume it', async () => {
    const store = openSqliteStore(homePaths.database(fixture.home));
    const task = makeTask({ prompt: 'left behind by a crash' });
    try {
      await store.createTask(createdEvent(task));
      await store.appendEvents(task.id, [plannedEvent(task.id, 1, new Date().toISOString())]);
    } finally {
      await store.close();
    }
    const ended = await start(fixture.cli, ['watch', shortId(task.id)], fixture.env).done;
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain(`task ${task.id} is planned and no process runs it`);
    expect(ended.stderr).toContain('`symbiont resume`');
  }, 60_000);

  it('says so for an unknown id (exit 2)', async () => {
    const ended = await start(fixture.cli, ['watch', 'ffffffff-not-a-task'], fixture.env).done;
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain('no task ffffffff-not-a-task');
  }, 60_000);
});
