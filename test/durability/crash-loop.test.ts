// A restart that cannot crash-loop (issue 12 item 4), at the engine level over the SQLite
// store: a process "dies" when its store stops taking writes (nothing more is stored, as after
// a kill). A task whose runs were interrupted twice is set aside as failed with what to do
// instead of being run a third time; clean stops (close) do not count; resume starts tasks in
// bounded batches.

import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskManager, TaskManagerOptions } from '../../src/engine/task-manager.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import { localTaskManager } from '../helpers/local-task-manager.js';
import { useTempHome } from '../helpers/temp-home.js';

const temp = useTempHome('symbiont-crash-loop-');

interface Process {
  manager: TaskManager;
  store: TaskStore;
  /** Nothing more is stored from now on; then the manager is closed (its runs end unrecorded). */
  kill(): Promise<void>;
}

function start(options: Partial<TaskManagerOptions> = {}): Process {
  const sqlite = openSqliteStore(homePaths.database(temp.home));
  let dead = false;
  const store: TaskStore = {
    ...sqlite,
    appendEvents: (taskId, events) =>
      dead
        ? Promise.reject(new SymbiontError('STORE_WRITE', 'the process died here'))
        : sqlite.appendEvents(taskId, events),
  };
  const provider = createSimulatedProvider({ latencyScale: 1 });
  const manager = localTaskManager({ store, ledger: new MemoryLedger(), provider }, options);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await manager.close();
    await sqlite.close();
  };
  temp.onCleanup(close);
  return {
    manager,
    store: sqlite,
    kill: async () => {
      dead = true;
      await close();
    },
  };
}

const slowPlan = (label: string, ms = 60_000) => ({
  subtasks: [{ description: `${label} [[sim latency=${ms}]]`, tier_hint: 3 as const, depends_on: [] }],
});

async function whenRunning(process: Process, taskId: string): Promise<void> {
  await expect
    .poll(async () => (await process.store.getTask(taskId))?.subtasks[0]?.status, { timeout: 10_000 })
    .toBe('executing');
}

describe('a task interrupted while running', () => {
  it('is resumed after one interruption and set aside as failed after the second', async () => {
    const first = start();
    const { id } = await first.manager.submitTask({ plan: slowPlan('crash twice'), waitFor: 'created' });
    await whenRunning(first, id);
    await first.kill();

    const second = start();
    expect(await second.manager.resumeInterrupted()).toEqual([id]);
    await expect
      .poll(
        async () => (await second.store.readEvents(id, 0)).filter((e) => e.type === 'task.started').length,
      )
      .toBe(2);
    await whenRunning(second, id);
    await second.kill();

    const third = start();
    expect(await third.manager.resumeInterrupted()).toEqual([]);
    const task = (await third.store.getTask(id))!;
    expect(task.status).toBe('failed');
    expect(task.error).toBe(
      `interrupted twice while running; not resumed again. Inspect it with \`symbiont show ${id}\` and re-run it with \`symbiont retry ${id}\``,
    );
    expect(task.subtasks[0]!.status).toBe('failed');
    // Not started a third time.
    const starts = (await third.store.readEvents(id, 0)).filter((event) => event.type === 'task.started');
    expect(starts).toHaveLength(2);
    expect(third.manager.runningTaskIds()).toEqual([]);
  }, 30_000);

  it('is not set aside for clean stops: a run closed cleanly twice is resumed again', async () => {
    const first = start();
    const { id } = await first.manager.submitTask({
      plan: slowPlan('closed twice', 1500),
      waitFor: 'created',
    });
    await whenRunning(first, id);
    await first.manager.close();
    const second = start();
    expect(await second.manager.resumeInterrupted()).toEqual([id]);
    await second.manager.close();
    const third = start();
    expect(await third.manager.resumeInterrupted()).toEqual([id]);
    expect((await third.manager.waitForTask(id)).status).toBe('completed');
    const types = (await third.store.readEvents(id, 0)).map((event) => event.type);
    expect(types.filter((type) => type === 'task.detached')).toHaveLength(2);
  }, 30_000);
});

describe('resuming many tasks', () => {
  it('runs them in bounded batches: at most resumeBatchSize at once, all of them in the end', async () => {
    const first = start();
    const ids: string[] = [];
    for (let index = 0; index < 9; index++) {
      ids.push(
        (await first.manager.submitTask({ plan: slowPlan(`batch ${index}`, 150), waitFor: 'created' })).id,
      );
    }
    await first.kill();

    const second = start({ resumeBatchSize: 3 });
    let most = 0;
    const watcher = setInterval(() => {
      most = Math.max(most, second.manager.runningTaskIds().length);
    }, 2);
    const startedNow = await second.manager.resumeInterrupted();
    expect(startedNow).toHaveLength(3);
    for (const id of ids) {
      const task = await second.manager.waitForTask(id);
      expect(task.status).toBe('completed');
    }
    clearInterval(watcher);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
  }, 30_000);
});
