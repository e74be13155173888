// Two processes on one SQLite file: a child appends events while this process reads, then the
// child is killed with SIGKILL mid-run. Every read sees a record consistent with its events;
// after the kill the file holds every batch the child reported stored, and the lease expires.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTaskStore } from '../../src/adapters/stores/sqlite-store.js';
import type { TaskEvent } from '../../src/core/events.js';
import type { Task } from '../../src/core/records.js';
import { applyTaskEvent, cloneTask, replayTask } from '../../src/core/task-reducer.js';
import { createdEvent, isoAt, makeTask, plannedEvent } from './task-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const SUBTASKS = 40;

/** Whether `record` equals the replay of some prefix of `events` at least `shortest` long. */
function matchesSomePrefix(record: Task, events: readonly TaskEvent[], shortest: number): boolean {
  const replayed = replayTask(events.slice(0, shortest));
  if (JSON.stringify(replayed) === JSON.stringify(record)) return true;
  const task = cloneTask(replayed);
  for (const event of events.slice(shortest)) {
    applyTaskEvent(task, event);
    if (JSON.stringify(task) === JSON.stringify(record)) return true;
  }
  return false;
}

describe('sqlite store with a writer in another process', () => {
  let directory: string | undefined;
  const stores: SqliteTaskStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('reads consistent records while a child writes, and keeps every stored batch after SIGKILL', async () => {
    directory = mkdtempSync(join(tmpdir(), 'symbiont-child-writer-'));
    const path = join(directory, 'symbiont.db');
    let now = Date.now();
    const reader = openSqliteStore(path, { clock: { now: () => now, sleep: async () => {} } });
    stores.push(reader);
    const task = makeTask();
    await reader.createTask(createdEvent(task));
    await reader.appendEvents(task.id, [plannedEvent(task.id, SUBTASKS, isoAt(1))]);

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'sqlite-writer-process.ts'), path, task.id, String(SUBTASKS)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let reported = 0;
    let buffered = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) reported = Math.max(reported, Number(line));
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    let checks = 0;
    while (reported < 400) {
      if (child.exitCode !== null) throw new Error(`writer exited early: ${errors}`);
      const before = await reader.readEvents(task.id, 0);
      const record = (await reader.getTask(task.id))!;
      const after = await reader.readEvents(task.id, 0);
      expect(after.map((event) => event.seq)).toEqual(after.map((_, position) => position + 1));
      expect(matchesSomePrefix(record, after, before.length)).toBe(true);
      checks++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await reader.acquireLease(task.id, 'reader', 60_000)).toBe(false);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(checks).toBeGreaterThan(0);

    const reopened = openSqliteStore(path, { clock: { now: () => now, sleep: async () => {} } });
    stores.push(reopened);
    expect(reopened.database.pragma('integrity_check', { simple: true })).toBe('ok');
    const events = await reopened.readEvents(task.id, 0);
    expect(events.length).toBeGreaterThanOrEqual(reported);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, position) => position + 1));
    expect(await reopened.getTask(task.id)).toEqual(replayTask(events));
    // The dead writer's lease blocks a taker until it expires; then the task can be taken over.
    expect(await reopened.acquireLease(task.id, 'taker', 60_000)).toBe(false);
    now = Date.now() + 60_001; // the child took its lease with the real clock
    expect(await reopened.acquireLease(task.id, 'taker', 60_000)).toBe(true);
    const [next] = await reopened.appendEvents(task.id, [
      { type: 'subtask.reset', task_id: task.id, at: isoAt(10_000), index: 0 },
    ]);
    expect(next?.seq).toBe(events.length + 1);
  });
});
