// Resume at the engine level, for the crash windows a kill hits too rarely to test by timing:
// a task killed after it was created but before its given plan was stored runs that plan (not
// the planner's), and a planning resumed after a planning call may have been ledgered without
// its event numbers its calls after every attempt the interrupted run can have used.

import { describe, expect, it } from 'vitest';
import { openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { readLedgerEntries } from '../../src/adapters/ledger/ledger-file-reader.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskManager } from '../../src/engine/task-manager.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import { countCalls, countingProvider, readCalls } from '../fakes/counting-provider.js';
import { localTaskManager } from '../helpers/local-task-manager.js';
import { useTempHome } from '../helpers/temp-home.js';

const temp = useTempHome('symbiont-resume-engine-');

/** A manager on the home; `dies` makes every event append fail, as if the process were gone. */
async function manager(dies = false): Promise<{ manager: TaskManager; store: TaskStore }> {
  const sqlite = openSqliteStore(homePaths.database(temp.home));
  const store: TaskStore = dies
    ? {
        ...sqlite,
        appendEvents: () => Promise.reject(new SymbiontError('STORE_WRITE', 'the process died here')),
      }
    : sqlite;
  const ledger = await openFileLedger(homePaths.ledger(temp.home));
  const provider = countingProvider(createSimulatedProvider({ latencyScale: 0 }), temp.callLog);
  const built = localTaskManager({ store, ledger, provider });
  temp.onCleanup(async () => {
    await built.close();
    await ledger.close();
    await sqlite.close();
  });
  return { manager: built, store: sqlite };
}

describe('resuming an interrupted planning', () => {
  it('runs the plan a task was given when the crash came before the plan was stored', async () => {
    const crashing = await manager(true);
    const plan = {
      prompt: 'T4 given plan. Do not plan this prompt again',
      reasoning: 'given',
      subtasks: [
        { description: 'T4S0 first given step', tier_hint: 1 as const, depends_on: [] },
        { description: 'T4S1 second given step', tier_hint: 2 as const, depends_on: [0] },
      ],
    };
    const receipt = await crashing.manager.submitTask({ plan, waitFor: 'created' });
    await crashing.manager.waitForTask(receipt.id).catch(() => undefined);
    await crashing.manager.close();
    expect((await crashing.store.getTask(receipt.id))!.status).toBe('planning');

    const resuming = await manager();
    expect(await resuming.manager.resumeInterrupted()).toEqual([receipt.id]);
    const task = await resuming.manager.waitForTask(receipt.id);
    expect(task.status).toBe('completed');
    expect(
      task.subtasks.map((subtask) => [subtask.description, subtask.tier_hint, subtask.depends_on]),
    ).toEqual([
      ['T4S0 first given step', 1, []],
      ['T4S1 second given step', 2, [0]],
    ]);
    expect(countCalls(readCalls(temp.callLog)).get('T4:plan')).toBeUndefined();
  });

  it('numbers the planning calls of a resume after every attempt the interrupted run may have ledgered', async () => {
    const first = await manager();
    const receipt = await first.manager.submitTask({
      prompt: 'T5 plan me. Then finish [[sim plan_latency=60000]]',
      waitFor: 'created',
    });
    // Closing mid-call aborts it: the aborted attempt 1 is ledgered, but a detached run stores
    // nothing more of its own, so its task.plan_attempted never reaches the store (as with a
    // kill); the manager marks the clean stop (task.detached, for the crash-loop guard). (The
    // subtasks the streaming planner read before the close are stored, and may have started.)
    await first.manager.close();
    const stored = (await first.store.readEvents(receipt.id, 0)).map((event) => event.type);
    expect(stored[0]).toBe('task.created');
    expect(stored).toContain('task.detached');
    expect(stored).not.toContain('task.plan_attempted');
    expect(stored).not.toContain('task.planned');

    const resuming = await manager();
    expect(await resuming.manager.resumeInterrupted()).toEqual([receipt.id]);
    expect((await resuming.manager.waitForTask(receipt.id)).status).toBe('completed');
    const plans = (await readLedgerEntries(homePaths.ledger(temp.home))).filter(
      (entry) => entry.kind === 'plan',
    );
    expect(plans.map((entry) => [entry.attempt, entry.success])).toEqual([
      [1, false],
      [2, true],
    ]);
    const events = await resuming.store.readEvents(receipt.id, 0);
    expect(events.filter((event) => event.type === 'task.replanning')).toHaveLength(1);
  });
});
