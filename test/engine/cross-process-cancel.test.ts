// Cancelling a task that another process executes: two managers on one SQLite file stand in
// for two processes (each has its own connection and lease holder).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { flush, ManualClock, runOnClock } from '../fakes/manual-clock.js';
import { ScriptedProvider } from '../fakes/scripted-provider.js';
import { chainPlan } from './harness.js';
import { steadyEntropy } from './runner-harness.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function managerOn(path: string, provider: ModelProvider, holder: string, clock: ManualClock) {
  const store = openSqliteStore(path, { clock });
  const manager = new TaskManager({
    clock,
    entropy: steadyEntropy(),
    store,
    ledger: new MemoryLedger(),
    providers: () => provider,
    defaults: { provider: provider.name },
    leaseHolder: holder,
    cancelPollMs: 20,
    pollIntervalMs: 20,
  });
  return { manager, store };
}

describe('cancel from another process', () => {
  it('stores a cancel request that the executing process answers, and returns the cancelled record', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'symbiont-cancel-'));
    directories.push(directory);
    const path = join(directory, 'symbiont.db');
    const provider = new ScriptedProvider(() => ({ fail: 'hang' }));
    // One clock for both "processes": the test drives it.
    const clock = new ManualClock();
    const owner = managerOn(path, provider, 'owner', clock);
    const other = managerOn(path, provider, 'other', clock);
    const receipt = await owner.manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['first', 'second'], [[], [0]]),
    });
    await flush();
    expect(provider.calls).toHaveLength(1);

    const cancelled = await runOnClock(clock, other.manager.cancelTask(receipt.id));

    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.subtasks.map((subtask) => subtask.status)).toEqual(['cancelled', 'cancelled']);
    expect(provider.calls[0]!.outcome).toBe('aborted');
    const types = (await other.store.readEvents(receipt.id, 0)).map((event) => event.type);
    expect(types.indexOf('task.cancel_requested')).toBeGreaterThan(0);
    expect(types.indexOf('task.cancel_requested')).toBeLessThan(types.indexOf('task.finished'));
    await owner.manager.close();
    await other.manager.close();
    await owner.store.close();
    await other.store.close();
  });
});
