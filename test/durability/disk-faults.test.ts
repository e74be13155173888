// Disk faults during a run on a SQLite home: a full database (SQLITE_FULL), a read-only one
// (SQLITE_READONLY), an I/O error on one write, and a ledger append that fails. The run reports
// the error and the task ends `failed` with it, or, when the store cannot record even that,
// stays resumable and resumes later. Nothing is reported as done that was not stored, the
// ledger keeps only what was written, and PRAGMA integrity_check is ok afterwards.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileLedgerOptions, openFileLedger } from '../../src/adapters/ledger/file-ledger.js';
import { readLedgerEntries, verifyLedgerFile } from '../../src/adapters/ledger/ledger-file-reader.js';
import { createSimulatedProvider } from '../../src/adapters/providers/simulated.js';
import { storeWriteError } from '../../src/adapters/stores/sqlite-errors.js';
import { openSqliteStore, type SqliteTaskStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { TaskEvent } from '../../src/core/events.js';
import type { PlanInput } from '../../src/core/plan-schema.js';
import { isFinalTaskStatus, type Task } from '../../src/core/records.js';
import type { TaskManager } from '../../src/engine/task-manager.js';
import type { Ledger, LedgerEntryInput } from '../../src/ports/ledger.js';
import type { TaskStore } from '../../src/ports/task-store.js';
import { countCalls, countingProvider, readCalls } from '../fakes/counting-provider.js';
import { localTaskManager } from '../helpers/local-task-manager.js';
import { useTempHome } from '../helpers/temp-home.js';
import { FaultyFileSystem, makeLedgerKey } from '../ledger/fixtures/ledger-fixtures.js';
import { type ProgramCommand, prepareCli, run } from './processes.js';

const temp = useTempHome('symbiont-faults-');

interface Rig {
  manager: TaskManager;
  store: SqliteTaskStore;
  ledger: Ledger;
  /** Submits a plan and records every event then published for it (what readers were told). */
  submit(plan: PlanInput): Promise<{ id: string; published: TaskEvent[] }>;
}

/** The parts openApp builds, with room to put a fault between the manager and them. */
async function rig(
  wrap: {
    store?: (store: SqliteTaskStore) => TaskStore;
    ledger?: (ledger: Ledger) => Ledger;
    ledgerOptions?: FileLedgerOptions;
  } = {},
): Promise<Rig> {
  const store = openSqliteStore(homePaths.database(temp.home));
  const ledger = await openFileLedger(homePaths.ledger(temp.home), wrap.ledgerOptions);
  const provider = countingProvider(createSimulatedProvider(), temp.callLog);
  const manager = localTaskManager(
    {
      store: wrap.store ? wrap.store(store) : store,
      ledger: wrap.ledger ? wrap.ledger(ledger) : ledger,
      provider,
    },
    { defaults: { provider: 'simulated', concurrency: 2 }, retry: { baseDelayMs: 5, maxDelayMs: 20 } },
  );
  const submit = async (plan: PlanInput) => {
    // Subtask events come later than this subscription: every call takes a few ms at least.
    const receipt = await manager.submitTask({ plan, waitFor: 'created' });
    const published: TaskEvent[] = [];
    manager.bus.subscribe(receipt.id, (event) => published.push(event));
    return { id: receipt.id, published };
  };
  temp.onCleanup(async () => {
    await manager.close();
    await ledger.close();
    await store.close();
  });
  return { manager, store, ledger, submit };
}

function chainPlan(count: number, directive: string): PlanInput {
  return {
    prompt: 'disk fault test',
    reasoning: 'durability test',
    subtasks: Array.from({ length: count }, (_, index) => ({
      description: `T1S${index} step ${index} ${directive}`,
      tier_hint: 1 as const,
      depends_on: index === 0 ? [] : [index - 1],
    })),
  };
}

/** The task as a fresh connection reads it from the file. */
async function readBack(taskId: string): Promise<Task> {
  const store = openSqliteStore(homePaths.database(temp.home));
  try {
    return (await store.getTask(taskId))!;
  } finally {
    await store.close();
  }
}

function integrityCheck(): string {
  const database = new Database(homePaths.database(temp.home), { readonly: true });
  try {
    return database.pragma('integrity_check', { simple: true }) as string;
  } finally {
    database.close();
  }
}

/** Indexes of subtasks that readers were told completed. */
function publishedCompleted(published: readonly TaskEvent[]): number[] {
  return published
    .filter((event) => event.type === 'subtask.completed')
    .map((event) => (event as { index: number }).index);
}

function storedCompleted(task: Task): number[] {
  return task.subtasks.filter((subtask) => subtask.status === 'completed').map((subtask) => subtask.index);
}

/** Fails the appends `failing` picks, with the error the SQLite store throws for an I/O error. */
function failingAppends(
  store: SqliteTaskStore,
  failing: (events: readonly { type: string; index?: number }[]) => boolean,
): TaskStore {
  return {
    ...store,
    createTask: (created) => store.createTask(created),
    getTask: (taskId) => store.getTask(taskId),
    listTasks: (query) => store.listTasks(query),
    readEvents: (taskId, afterSeq, limit) => store.readEvents(taskId, afterSeq, limit),
    listUnfinished: () => store.listUnfinished(),
    acquireLease: (taskId, holder, ttlMs) => store.acquireLease(taskId, holder, ttlMs),
    leaseHolder: (taskId) => store.leaseHolder(taskId),
    releaseLease: (taskId, holder) => store.releaseLease(taskId, holder),
    pruneFinishedBefore: (isoTime) => store.pruneFinishedBefore(isoTime),
    close: () => store.close(),
    async appendEvents(taskId, events) {
      if (failing(events as readonly { type: string; index?: number }[])) {
        throw storeWriteError(
          homePaths.database(temp.home),
          new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE'),
        );
      }
      return store.appendEvents(taskId, events);
    },
  };
}

describe('running out of file descriptors', () => {
  it('leaves a running task unaffected by an EMFILE on the ledger that clears', async () => {
    const fileSystem = new FaultyFileSystem();
    const { manager, submit } = await rig({ ledgerOptions: { fileSystem } });
    const receipt = await submit(chainPlan(4, '[[sim latency=20]]'));
    // Once the first subtask is done, every open fails for a while (locks, head, ...), then clears.
    while (publishedCompleted(receipt.published).length === 0)
      await new Promise((wait) => setTimeout(wait, 2));
    fileSystem.failOpens = 'EMFILE';
    setTimeout(() => {
      fileSystem.failOpens = undefined;
    }, 300);
    const final = await manager.waitForTask(receipt.id);
    expect(fileSystem.calls.failedOpen ?? 0).toBeGreaterThan(0);
    expect(final.status).toBe('completed');
    expect((await readBack(receipt.id)).status).toBe('completed');
    const entries = await readLedgerEntries(homePaths.ledger(temp.home));
    expect(entries.map((entry) => entry.success)).toEqual([true, true, true, true]);
    expect((await verifyLedgerFile(homePaths.ledger(temp.home))).ok).toBe(true);
  });

  it('fails the task with a clear message when the EMFILE persists past the retry budget', async () => {
    const fileSystem = new FaultyFileSystem();
    const { manager, submit } = await rig({ ledgerOptions: { fileSystem, transientRetryMs: 200 } });
    const receipt = await submit(chainPlan(3, '[[sim latency=20]]'));
    fileSystem.failOpens = 'EMFILE';
    const error = await manager.waitForTask(receipt.id).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    fileSystem.failOpens = undefined;
    expect(error).toMatchObject({
      code: 'LEDGER_WRITE',
      message: expect.stringMatching(/EMFILE.*still failing after \d+ attempts over 0\.\d s/),
    });
    const stored = await readBack(receipt.id);
    expect(stored.status).toBe('failed');
    expect(stored.error).toMatch(/EMFILE/);
  });
});

describe('store write failures', () => {
  it('ends the task failed with an I/O error that hit one write, and reports nothing it did not store', async () => {
    let failed = false;
    const { manager, submit } = await rig({
      store: (store) =>
        failingAppends(store, (events) => {
          const hit =
            !failed && events.some((event) => event.type === 'subtask.completed' && event.index === 1);
          failed ||= hit;
          return hit;
        }),
    });
    const receipt = await submit(chainPlan(3, '[[sim latency=20]]'));
    const error = await manager.waitForTask(receipt.id).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SymbiontError);
    expect(error).toMatchObject({
      code: 'STORE_WRITE',
      message: expect.stringContaining('SQLITE_IOERR_WRITE'),
    });

    const stored = await readBack(receipt.id);
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain('disk I/O error');
    expect(storedCompleted(stored)).toEqual([0]);
    expect(publishedCompleted(receipt.published)).toEqual([0]);
    // The call itself happened and was ledgered; its completion was never stored or reported.
    const entries = await readLedgerEntries(homePaths.ledger(temp.home));
    expect(entries.map((entry) => [entry.subtask_id, entry.success])).toEqual([
      [`${receipt.id}.0`, true],
      [`${receipt.id}.1`, true],
    ]);
    expect(integrityCheck()).toBe('ok');
  });

  it('reports a full database; the task ends failed with it or stays resumable, and resumes once there is room', async () => {
    const first = await rig();
    const receipt = await first.submit(chainPlan(12, '[[sim latency=5 chars=3000]]'));
    while (((await first.store.getTask(receipt.id))?.subtasks.length ?? 0) === 0) {
      await new Promise((wait) => setTimeout(wait, 2));
    }
    // From now on the database may not grow: SQLITE_FULL once its free pages are used up.
    const pages = first.store.database.pragma('page_count', { simple: true }) as number;
    first.store.database.pragma(`max_page_count = ${pages + 6}`);
    const error = await first.manager.waitForTask(receipt.id).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'STORE_WRITE', message: expect.stringMatching(/SQLITE_FULL|full/) });
    const atFailure = await readBack(receipt.id);
    expect(storedCompleted(atFailure).length).toBeLessThan(12);
    expect(publishedCompleted(receipt.published)).toEqual(storedCompleted(atFailure));
    if (isFinalTaskStatus(atFailure.status)) {
      expect(atFailure.status).toBe('failed');
      expect(atFailure.error).toMatch(/full/);
    }
    await temp.cleanUpNow();
    expect(integrityCheck()).toBe('ok');

    const callsAtFailure = countCalls(readCalls(temp.callLog));
    const second = await rig();
    const resumed = await second.manager.resumeInterrupted();
    if (isFinalTaskStatus(atFailure.status)) {
      expect(resumed).toEqual([]);
    } else {
      expect(resumed).toEqual([receipt.id]);
      const final = await second.manager.waitForTask(receipt.id);
      expect(final.status).toBe('completed');
      const calls = countCalls(readCalls(temp.callLog));
      for (const index of storedCompleted(atFailure)) {
        expect(calls.get(`T1S${index}`), `T1S${index}`).toBe(callsAtFailure.get(`T1S${index}`));
      }
    }
    expect(integrityCheck()).toBe('ok');
    expect((await verifyLedgerFile(homePaths.ledger(temp.home))).ok).toBe(true);
  });

  it('keeps the task resumable when even its failure cannot be stored (read-only database)', async () => {
    const { manager, store, submit } = await rig();
    const receipt = await submit(chainPlan(3, '[[sim latency=150]]'));
    // Read-only once the first subtask completed.
    for (;;) {
      const task = await store.getTask(receipt.id);
      if (task && storedCompleted(task).length === 1) break;
      await new Promise((wait) => setTimeout(wait, 5));
    }
    store.database.pragma('query_only = 1');
    const error = await manager.waitForTask(receipt.id).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'STORE_WRITE', message: expect.stringContaining('readonly') });
    const stuck = await readBack(receipt.id);
    expect(stuck.status).toBe('executing');
    expect(storedCompleted(stuck)).toEqual([0]);
    expect(publishedCompleted(receipt.published)).toEqual([0]);
    expect(integrityCheck()).toBe('ok');

    // Writable again: the same process resumes it (it still holds the lease), to the end.
    store.database.pragma('query_only = 0');
    expect(await manager.resumeInterrupted()).toEqual([receipt.id]);
    const final = await manager.waitForTask(receipt.id);
    expect(final.status).toBe('completed');
    const calls = countCalls(readCalls(temp.callLog));
    expect(calls.get('T1S0')).toBe(1);
    expect(integrityCheck()).toBe('ok');
  });
});

describe('ledger write failures', () => {
  it('ends the task failed with the ledger error; the call whose entry failed is not reported done', async () => {
    let appends = 0;
    const { manager, submit } = await rig({
      ledger: (ledger) => ({
        append(entry: LedgerEntryInput) {
          appends++;
          if (appends === 2) {
            return Promise.reject(
              new SymbiontError(
                'LEDGER_WRITE',
                'could not append to the ledger: ENOSPC: no space left on device',
              ),
            );
          }
          return ledger.append(entry);
        },
        close: () => ledger.close(),
      }),
    });
    const receipt = await submit(chainPlan(3, '[[sim latency=20]]'));
    const error = await manager.waitForTask(receipt.id).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ code: 'LEDGER_WRITE' });
    const stored = await readBack(receipt.id);
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain('no space left on device');
    expect(storedCompleted(stored)).toEqual([0]);
    expect(publishedCompleted(receipt.published)).toEqual([0]);
    const entries = await readLedgerEntries(homePaths.ledger(temp.home));
    expect(entries.map((entry) => entry.subtask_id)).toEqual([`${receipt.id}.0`]);
    expect((await verifyLedgerFile(homePaths.ledger(temp.home))).ok).toBe(true);
    expect(integrityCheck()).toBe('ok');
  });
});

describe('a real write failure from the kernel', () => {
  let cli: ProgramCommand;
  beforeAll(async () => {
    cli = await prepareCli();
  }, 120_000);
  afterAll(() => cli?.dispose());

  it('makes `run` exit 1 with one line naming the error; resume and verify work once writes do', async () => {
    const plan = join(temp.home, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        prompt: 'write more than the file size limit allows',
        reasoning: 'durability test',
        subtasks: Array.from({ length: 40 }, (_, index) => ({
          description: `T1S${index} big answer [[sim latency=5 chars=20000]]`,
          tier_hint: 1,
          depends_on: [],
        })),
      }),
    );
    const ledgerKey = makeLedgerKey();
    temp.onCleanup(async () => ledgerKey.remove());
    const env = { ...process.env, SYMBIONT_HOME: temp.home, SYMBIONT_LEDGER_KEY: ledgerKey.privatePath };
    // RLIMIT_FSIZE: a write past 400 KiB fails with EFBIG (SIGXFSZ ignored), no privileges needed.
    const limited: ProgramCommand = {
      command: 'bash',
      args: ['-c', 'trap "" XFSZ; ulimit -f 400; exec "$@"', 'bash', cli.command, ...cli.args],
      dispose: () => undefined,
    };
    const failed = await run(limited, ['run', '--plan', plan, '--provider', 'simulated', '--json'], env);
    expect(failed.code).toBe(1);
    const errors = failed.stderr.split('\n').filter((line) => line && !line.includes('SIMULATED provider'));
    // The error; at most one warning before it (the ledger's head file could not be updated).
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2);
    expect(errors.at(-1)).toMatch(
      /^symbiont: could not (write task store|append|update ledger).*(I\/O error|full|too large)/i,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /);

    const [summary] = JSON.parse((await run(cli, ['tasks', '--json'], env)).stdout) as { id: string }[];
    const atFailure = JSON.parse((await run(cli, ['show', summary!.id, '--json'], env)).stdout) as Task;
    const entries = await readLedgerEntries(homePaths.ledger(temp.home));
    const ledgered = new Set(entries.filter((entry) => entry.success).map((entry) => entry.subtask_id));
    // Every subtask stored as completed has its successful call in the ledger.
    for (const subtask of atFailure.subtasks.filter((each) => each.status === 'completed')) {
      expect(ledgered.has(subtask.id), subtask.id).toBe(true);
    }
    expect(storedCompleted(atFailure).length).toBeLessThan(40);
    if (isFinalTaskStatus(atFailure.status)) {
      expect(atFailure.status).toBe('failed');
      expect(atFailure.error).toMatch(/I\/O error|full|too large/i);
    }
    expect(integrityCheck()).toBe('ok');

    const resumed = await run(cli, ['resume', '--provider', 'simulated'], {
      ...env,
      SYMBIONT_SIM_LATENCY_SCALE: '0',
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const final = JSON.parse((await run(cli, ['show', summary!.id, '--json'], env)).stdout) as Task;
    expect(final.status).toBe(isFinalTaskStatus(atFailure.status) ? 'failed' : 'completed');
    const verify = await run(cli, ['ledger', 'verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(integrityCheck()).toBe('ok');
  }, 90_000);
});
