// Review before spending (SPEC §11) in the task manager: a reviewed task is planned, routed and
// estimated, then waits without its lease and without any call but the planner's; approval
// (as planned, or with an edited plan) runs it, from this process or another one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { SymbiontError } from '../../src/core/errors.js';
import { newTaskRecord } from '../../src/core/records.js';
import { resolveTaskSettings } from '../../src/core/task-settings.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import { runOnClock } from '../fakes/manual-clock.js';
import { chainPlan, makeManualManager } from './harness.js';
import { steadyEntropy } from './runner-harness.js';

const simulated = () => createSimulatedProvider({ latencyScale: 0 });

describe('review before spending', () => {
  it('plans, routes and estimates, then waits with nothing but the planning call spent', async () => {
    const { manager, ledger, store, clock } = makeManualManager(simulated());
    const receipt = await runOnClock(
      clock,
      manager.submitTask({
        prompt: 'Research the topic, then draft a summary, then review it',
        review: true,
      }),
    );
    expect(receipt.status).toBe('awaiting_approval');
    const task = (await store.getTask(receipt.id))!;
    expect(task.status).toBe('awaiting_approval');
    expect(ledger.entries().map((entry) => entry.kind)).toEqual(['plan']);
    expect(task.total_cost).toBeCloseTo(ledger.entries()[0]!.cost_usd, 12);
    expect(task.subtasks.length).toBeGreaterThan(0);
    expect(task.subtasks.every((subtask) => subtask.status === 'pending' && subtask.model !== null)).toBe(
      true,
    );
    // Every subtask has its figures, and the total is their sum (plus synthesis when several sinks).
    let low = 0;
    let high = 0;
    for (const subtask of task.subtasks) {
      expect(subtask.estimate).not.toBeNull();
      expect(subtask.estimate!.low_usd).toBeGreaterThan(0);
      expect(subtask.estimate!.high_usd).toBeGreaterThanOrEqual(subtask.estimate!.low_usd);
      low += subtask.estimate!.low_usd;
      high += subtask.estimate!.high_usd;
    }
    expect(task.estimate!.low_usd).toBeGreaterThanOrEqual(low - 1e-12);
    expect(task.estimate!.high_usd).toBeGreaterThanOrEqual(high - 1e-12);
    // The lease is free, and resume leaves the task alone.
    await flushRunner(manager);
    expect(await store.leaseHolder(receipt.id)).toBeUndefined();
    expect(await store.listUnfinished()).toEqual([]);
    expect(await manager.resumeInterrupted()).toEqual([]);
    expect(await manager.resumeTask(receipt.id)).toBe(false);
    expect((await store.getTask(receipt.id))!.status).toBe('awaiting_approval');
    expect(ledger.entries()).toHaveLength(1);
  });

  it('runs once approved, within the high estimate', async () => {
    const { manager, ledger, clock, finish } = makeManualManager(simulated());
    const receipt = await runOnClock(
      clock,
      manager.submitTask({ prompt: 'g', plan: chainPlan(['a', 'b', 'c'], [[], [0], [0, 1]]), review: true }),
    );
    expect(receipt.status).toBe('awaiting_approval');
    expect(ledger.entries()).toHaveLength(0);
    await flushRunner(manager);
    const approved = await manager.approveTask(receipt.id);
    expect(approved.status).toBe('planned');
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(ledger.entries().filter((entry) => entry.kind === 'subtask')).toHaveLength(3);
    expect(task.estimate).not.toBeNull();
    expect(task.total_cost).toBeLessThanOrEqual(task.estimate!.high_usd);
    for (const subtask of task.subtasks)
      expect(subtask.cost!).toBeLessThanOrEqual(subtask.estimate!.high_usd);
  });

  it('approves an edited plan (validated strictly) and refuses a second approval', async () => {
    const { manager, store, clock, finish } = makeManualManager(simulated());
    const receipt = await runOnClock(
      clock,
      manager.submitTask({ prompt: 'g', plan: chainPlan(['a', 'b']), review: true }),
    );
    await flushRunner(manager);
    const before = (await store.getTask(receipt.id))!;
    await expect(
      manager.approveTask(receipt.id, {
        plan: { subtasks: [{ description: 'x', tier_hint: 1, depends_on: [5] }] },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_PLAN', message: expect.stringMatching(/depends_on/) });
    await expect(
      manager.approveTask(receipt.id, {
        plan: {
          subtasks: [
            { description: 'x', tier_hint: 1, depends_on: [1] },
            { description: 'y', tier_hint: 1, depends_on: [0] },
          ],
        },
      }),
    ).rejects.toMatchObject({ code: 'PLAN_CYCLE' });
    expect((await store.getTask(receipt.id))!.status).toBe('awaiting_approval');
    const edited = chainPlan(['one', 'two', 'three'], [[], [0], [1]]);
    edited.subtasks[2]!.tier_hint = 3;
    const approved = await manager.approveTask(receipt.id, { plan: edited });
    expect(approved.subtask_count).toBe(3);
    await expect(manager.approveTask(receipt.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const task = await finish(receipt.id);
    expect(task.status).toBe('completed');
    expect(task.subtasks.map((subtask) => subtask.description)).toEqual(['one', 'two', 'three']);
    expect(task.subtasks[2]!.tier_assigned).toBe(3);
    expect(task.estimate!.high_usd).not.toBe(before.estimate!.high_usd);
    expect(task.subtasks[2]!.estimate!.high_usd).toBeGreaterThan(task.subtasks[0]!.estimate!.high_usd);
    await expect(manager.approveTask(receipt.id)).rejects.toThrow(/is completed, not awaiting approval/);
  });

  it('a reviewed task interrupted while planning is planned again on resume, and waits again', async () => {
    const { manager, ledger, store, clock } = makeManualManager(simulated());
    // What a crash during planning leaves: task.created (with review) and nothing after it.
    const task = newTaskRecord({
      id: 'compound-interrupted-review',
      prompt: 'Gather the facts, then write the summary',
      createdAt: new Date(clock.now()).toISOString(),
      settings: resolveTaskSettings({ provider: 'simulated' }),
      owner: null,
    });
    await store.createTask({
      type: 'task.created',
      task,
      review: true,
      task_id: task.id,
      at: task.created_at,
    });
    expect(await runOnClock(clock, manager.resumeInterrupted())).toEqual([task.id]);
    await runOnClock(
      clock,
      waitUntil(async () => (await store.getTask(task.id))!.status !== 'planning'),
    );
    const stored = (await store.getTask(task.id))!;
    expect(stored.status).toBe('awaiting_approval');
    expect(stored.estimate).not.toBeNull();
    expect(ledger.entries().map((entry) => entry.kind)).toEqual(['plan']);
  });

  it('cancel rejects a task awaiting approval; an unknown id is NOT_FOUND', async () => {
    const { manager, ledger, clock } = makeManualManager(simulated());
    const receipt = await runOnClock(
      clock,
      manager.submitTask({ prompt: 'g', plan: chainPlan(['a', 'b']), review: true }),
    );
    await flushRunner(manager);
    const cancelled = await manager.cancelTask(receipt.id);
    expect(cancelled!.status).toBe('cancelled');
    expect(cancelled!.subtasks.every((subtask) => subtask.status === 'cancelled')).toBe(true);
    expect(ledger.entries()).toHaveLength(0);
    await expect(manager.approveTask(receipt.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(manager.approveTask('compound-nope')).rejects.toBeInstanceOf(SymbiontError);
  });
});

describe('review across processes (SQLite store)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function managerOn(path: string, holder: string) {
    const store = openSqliteStore(path);
    const ledger = new MemoryLedger();
    const provider = simulated();
    const manager = new TaskManager({
      // Two managers on one SQLite file, as two processes would be: real time, real leases.
      clock: systemClock,
      entropy: steadyEntropy(),
      store,
      ledger,
      providers: () => provider,
      leaseHolder: holder,
    });
    return { store, ledger, manager };
  }

  it('survives a restart awaiting approval and is approved and run by another process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbiont-review-'));
    dirs.push(dir);
    const path = join(dir, 'tasks.db');
    const first = managerOn(path, 'first');
    const receipt = await first.manager.submitTask({
      prompt: 'g',
      plan: chainPlan(['a', 'b', 'c'], [[], [], [0]]),
      review: true,
    });
    expect(receipt.status).toBe('awaiting_approval');
    await first.manager.close();
    await first.store.close();

    const second = managerOn(path, 'second');
    const stored = (await second.store.getTask(receipt.id))!;
    expect(stored.status).toBe('awaiting_approval');
    expect(stored.estimate).toEqual(expect.objectContaining({ low_usd: expect.any(Number) }));
    expect(stored.subtasks[2]!.estimate!.high_usd).toBeGreaterThan(0);
    expect(await second.manager.resumeInterrupted()).toEqual([]);
    await second.manager.approveTask(receipt.id);
    const task = await second.manager.waitForTask(receipt.id);
    expect(task.status).toBe('completed');
    expect(second.ledger.entries().filter((entry) => entry.kind === 'subtask')).toHaveLength(3);
    expect(task.total_cost).toBeLessThanOrEqual(task.estimate!.high_usd);
    await second.manager.close();
    await second.store.close();
  });
});

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 200 && !(await condition()); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets the review run's end (lease release) settle. */
async function flushRunner(manager: TaskManager): Promise<void> {
  for (let turn = 0; turn < 20 && manager.runningTaskIds().length > 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
