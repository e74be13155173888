// With --database, processes that share nothing but the PostgreSQL URL share tasks and one
// ledger: `run` stores its task and calls there and signs a checkpoint with SYMBIONT_LEDGER_KEY,
// `ledger verify --database --key` checks the chain against it,
// and a `serve` on another home takes over the task of a `run` killed mid-task, without
// running again a subtask that had completed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/stores/postgres-store.js';
import { cliEnv, runCli, spawnCli, tempHome } from '../cli/cli-helpers.js';
import { makeLedgerKey } from '../ledger/fixtures/ledger-fixtures.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';

let server: PostgresServer;
let key: ReturnType<typeof makeLedgerKey>;
const homes: Array<{ cleanup(): void }> = [];

beforeAll(async () => {
  server = await startPostgres();
  key = makeLedgerKey();
}, 60_000);
afterAll(() => {
  server?.stop();
  key?.remove();
  for (const home of homes) home.cleanup();
});

function newHome(): string {
  const home = tempHome();
  homes.push(home);
  return home.home;
}

const PROMPT =
  'Write part one [[sim latency=1200]]. Write part two [[sim latency=1200]]. Then join them [[sim latency=1200]].';

function startCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnCli(args, cliEnv(env));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('several processes on one PostgreSQL database', () => {
  it('run stores its task and calls in PostgreSQL and signs them; ledger verify --database --key checks the one chain', async () => {
    const url = server.createDatabase('app_run');
    const ran = await runCli(
      ['run', PROMPT.replaceAll('1200', '10'), '--provider', 'simulated', '--database', url, '--json'],
      { SYMBIONT_HOME: newHome(), SYMBIONT_LEDGER_KEY: key.privatePath },
    );
    expect(ran.code, ran.stderr).toBe(0);
    const task = JSON.parse(ran.stdout) as { id: string; status: string; subtasks: unknown[] };
    expect(task.status).toBe('completed');
    const store = await openPostgresStore(url);
    try {
      expect((await store.getTask(task.id))?.status).toBe('completed');
    } finally {
      await store.close();
    }
    // Another home, the same database: the chain holds the plan call and three subtask calls,
    // signed at close by the run; without the key the chain alone is unverifiable.
    const verified = await runCli(['ledger', 'verify', '--database', url, '--key', key.publicPath], {
      SYMBIONT_HOME: newHome(),
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ledger verified: entries 1\.\.4 match 1 signed checkpoint\(s\)/);
    const unkeyed = await runCli(['ledger', 'verify', '--database', url], { SYMBIONT_HOME: newHome() });
    expect(unkeyed.code).toBe(1);
    expect(unkeyed.stdout).toMatch(/^ledger unverifiable: the chain is intact \(4 entries/);
  }, 90_000);

  it('serve takes over the task of a killed run and does not redo its completed subtask', async () => {
    const url = server.createDatabase('app_takeover');
    const store = await openPostgresStore(url);
    const env = { SYMBIONT_LEASE_TTL_MS: '1000' };
    const runner = startCli(['run', PROMPT, '--provider', 'simulated', '--database', url], {
      ...env,
      SYMBIONT_HOME: newHome(),
    });
    let serve: ReturnType<typeof startCli> | undefined;
    try {
      const taskId = await waitFor('a task with a completed subtask', async () => {
        const [summary] = await store.listTasks({ limit: 1 });
        if (summary === undefined) return undefined;
        const task = await store.getTask(summary.id);
        return task?.subtasks.some((subtask) => subtask.status === 'completed') ? summary.id : undefined;
      });
      runner.kill('SIGKILL');
      await new Promise((resolve) => runner.once('exit', resolve));
      const before = await store.getTask(taskId);
      expect(before?.status).toBe('executing');
      serve = startCli(['serve', '--provider', 'simulated', '--database', url, '--port', '0'], {
        ...env,
        SYMBIONT_HOME: newHome(),
      });
      const finished = await waitFor('the task to finish', async () => {
        const task = await store.getTask(taskId);
        return task?.status === 'completed' ? task : undefined;
      });
      expect(finished.subtasks.every((subtask) => subtask.status === 'completed')).toBe(true);
      const events = await store.readEvents(taskId, 0);
      for (const index of [0, 1, 2]) {
        const completions = events.filter(
          (event) => event.type === 'subtask.completed' && event.index === index,
        );
        expect(completions, `subtask ${index} completed once`).toHaveLength(1);
      }
      const verified = await runCli(['ledger', 'verify', '--database', url], { SYMBIONT_HOME: newHome() });
      expect(verified.stdout).toMatch(/^ledger unverifiable: the chain is intact/);
    } finally {
      runner.kill('SIGKILL');
      serve?.kill('SIGTERM');
      if (serve) await new Promise((resolve) => serve!.once('exit', resolve));
      await store.close();
    }
  }, 120_000);

  it('doctor checks the database URL, naming it without its password', async () => {
    const url = server.createDatabase('app_doctor');
    const good = await runCli(['doctor', '--provider', 'simulated', '--database', url], {
      SYMBIONT_HOME: newHome(),
    });
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/database: ok: .*PostgreSQL 15/);
    const bad = await runCli(['doctor', '--provider', 'simulated'], {
      SYMBIONT_HOME: newHome(),
      SYMBIONT_DATABASE_URL: 'postgres://bob:hunter2@127.0.0.1:1/none',
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/database: FAILED: postgres:\/\/bob:\*\*\*@127\.0\.0\.1:1\/none/);
    expect(bad.stdout + bad.stderr).not.toContain('hunter2');
  }, 60_000);
});
