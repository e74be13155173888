// Execution leases across processes and managers sharing one SQLite file: a live owner keeps its
// task (its short-TTL lease is renewed in time), a dead owner of this host is taken over at once,
// an owner on another host only once its lease expired, and `resume` waits for tasks that
// another live process runs instead of running them too.

import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { openSqliteStore, type SqliteTaskStore } from '../../src/adapters/stores/sqlite-store.js';
import { isLocalHolderGone } from '../../src/adapters/system/lease-holder.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { openApp } from '../../src/app/compose.js';
import { homePaths } from '../../src/config/home.js';
import { resumeAllAndWait } from '../../src/engine/resume-all.js';
import type { TaskManager, TaskManagerOptions } from '../../src/engine/task-manager.js';
import type { Ledger } from '../../src/ports/ledger.js';
import { countCalls, countingProvider, readCalls } from '../fakes/counting-provider.js';
import { localTaskManager } from '../helpers/local-task-manager.js';
import { useTempHome } from '../helpers/temp-home.js';

const temp = useTempHome('symbiont-leases-');
const opened: { store: SqliteTaskStore; ledger: Ledger; manager: TaskManager }[] = [];

afterEach(async () => {
  for (const { manager, ledger, store } of opened.splice(0)) {
    await manager.close();
    await ledger.close();
    await store.close();
  }
});

/** A manager of its own (own connection, own holder) on the shared home, like another process. */
async function manager(options: Partial<TaskManagerOptions> = {}, latencyScale = 1): Promise<TaskManager> {
  const store = openSqliteStore(homePaths.database(temp.home));
  const ledger = await openFileLedger(homePaths.ledger(temp.home));
  const provider = countingProvider(createSimulatedProvider({ latencyScale }), temp.callLog);
  const built = localTaskManager({ store, ledger, provider }, options);
  opened.push({ store, ledger, manager: built });
  return built;
}

function storeOf(owner: TaskManager): SqliteTaskStore {
  return opened.find((entry) => entry.manager === owner)!.store;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((done) => child.once('exit', done));
  return child.pid!;
}

/** Turns the minute-long calls of an interrupted task into 60 ms ones. */
const QUICK = 0.001;

const plan = (latencyMs: number) => ({
  prompt: 'lease test',
  reasoning: 'durability test',
  subtasks: [
    { description: `T1S0 [[sim latency=${latencyMs}]]`, tier_hint: 1 as const, depends_on: [] },
    { description: `T1S1 [[sim latency=${latencyMs}]]`, tier_hint: 1 as const, depends_on: [0] },
  ],
});

/**
 * A task stored as interrupted: planned and executing, with no process running it. Its calls
 * take a minute at latency scale 1; the managers that resume it use a scale that makes them quick.
 */
async function interruptedTask(): Promise<string> {
  const first = await manager({ isLeaseHolderGone: () => false });
  const receipt = await first.submitTask({ plan: plan(60_000) });
  await first.close(); // detaches: nothing more is written, the lease is released
  return receipt.id;
}

describe('isLocalHolderGone', () => {
  it('is true only for a process of this host that no longer exists', async () => {
    const gone = await deadPid();
    expect(isLocalHolderGone(`${hostname()}:${gone}:b0c1`)).toBe(true);
    expect(isLocalHolderGone(`${hostname()}:${process.pid}:b0c1`)).toBe(false);
    expect(isLocalHolderGone(`${hostname()}:${process.ppid}:b0c1`)).toBe(false);
    expect(isLocalHolderGone(`another-host.invalid:${gone}:b0c1`)).toBe(false);
    for (const malformed of [
      '',
      'worker-a',
      `${hostname()}:abc:u`,
      `${hostname()}:-1:u`,
      `${hostname()}:0:u`,
    ]) {
      expect(isLocalHolderGone(malformed), malformed).toBe(false);
    }
  });
});

describe('taking over a lease', () => {
  it('takes over at once the unexpired lease of a dead owner on this host', async () => {
    const taskId = await interruptedTask();
    const store = openSqliteStore(homePaths.database(temp.home));
    const deadHolder = `${hostname()}:${await deadPid()}:dead`;
    expect(await store.acquireLease(taskId, deadHolder, 600_000)).toBe(true);
    await store.close();

    const patient = await manager({ isLeaseHolderGone: () => false }, QUICK);
    expect(await patient.resumeTask(taskId)).toBe(false);
    const taker = await manager({}, QUICK);
    expect(await taker.resumeTask(taskId)).toBe(true);
    expect((await taker.waitForTask(taskId)).status).toBe('completed');
  });

  it('leaves the lease of a live owner alone, and one of another host until it expires', async () => {
    const taskId = await interruptedTask();
    const store = openSqliteStore(homePaths.database(temp.home));
    expect(await store.acquireLease(taskId, `${hostname()}:${process.ppid}:alive`, 600_000)).toBe(true);
    const taker = await manager({}, QUICK);
    expect(await taker.resumeTask(taskId)).toBe(false);

    await store.releaseLease(taskId, `${hostname()}:${process.ppid}:alive`);
    expect(await store.acquireLease(taskId, 'another-host.invalid:4242:remote', 400)).toBe(true);
    await store.close();
    expect(await taker.resumeTask(taskId)).toBe(false);
    // resume waits for the lease to lapse, then runs the task.
    const result = await resumeAllAndWait(taker, storeOf(taker), { clock: systemClock, pollIntervalMs: 50 });
    expect(result.resumedHere).toEqual([taskId]);
    expect(result.tasks.map((task) => task.status)).toEqual(['completed']);
  });
});

describe('a live owner keeps its task', () => {
  it('renews a short lease in time, so no other manager can take the task while it runs', async () => {
    const owner = await manager({ leaseTtlMs: 600 });
    const receipt = await owner.submitTask({ plan: plan(1000) });
    const rival = await manager({ leaseTtlMs: 600 });
    let attempts = 0;
    const done = owner.waitForTask(receipt.id);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      expect(await rival.resumeTask(receipt.id)).toBe(false);
      attempts++;
      await new Promise((wait) => setTimeout(wait, 40));
    }
    expect((await done).status).toBe('completed');
    expect(attempts).toBeGreaterThan(10);
    expect(rival.runningTaskIds()).toEqual([]);
    const calls = countCalls(readCalls(temp.callLog));
    expect([calls.get('T1S0'), calls.get('T1S1')]).toEqual([1, 1]);
  });

  it('resume waits for a task another manager runs and reports it without running it', async () => {
    const owner = await manager();
    const receipt = await owner.submitTask({ plan: plan(300) });
    const other = await manager();
    const result = await resumeAllAndWait(other, storeOf(other), { clock: systemClock, pollIntervalMs: 30 });
    expect(result.resumedHere).toEqual([]);
    expect(result.tasks.map((task) => [task.id, task.status])).toEqual([[receipt.id, 'completed']]);
    const calls = countCalls(readCalls(temp.callLog));
    expect([calls.get('T1S0'), calls.get('T1S1')]).toEqual([1, 1]);
  });
});

describe('SYMBIONT_LEASE_TTL_MS', () => {
  it('sets the lease lifetime, and a bad value is a configuration error', async () => {
    const env = { ...process.env, SYMBIONT_HOME: temp.home, SYMBIONT_LEASE_TTL_MS: '1500' };
    const app = await openApp({ home: temp.home, env, provider: 'simulated' });
    try {
      const receipt = await app.service.submitTask({ plan: plan(60_000) });
      const database = (app.store as SqliteTaskStore).database;
      const { expires_at } = database.prepare('SELECT expires_at FROM leases').get() as {
        expires_at: number;
      };
      expect(expires_at - Date.now()).toBeGreaterThan(500);
      expect(expires_at - Date.now()).toBeLessThanOrEqual(1500);
      await app.service.cancelTask(receipt.id);
    } finally {
      await app.close();
    }
    for (const bad of ['50', 'soon', '1.5']) {
      await expect(
        openApp({ home: temp.home, env: { ...env, SYMBIONT_LEASE_TTL_MS: bad } }),
      ).rejects.toMatchObject({
        code: 'CONFIG',
        message: expect.stringContaining('SYMBIONT_LEASE_TTL_MS'),
      });
    }
  });
});
