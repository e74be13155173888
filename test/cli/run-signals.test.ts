// Ctrl-C and SIGTERM on `symbiont run`, in child processes with a long simulated subtask:
// one SIGINT stops the run and leaves the task resumable (no end recorded, lease released;
// `symbiont resume` completes it), exit 130; a second SIGINT cancels it, exit 130; SIGTERM
// is like one SIGINT, exit 143. Each says what happened on stderr.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import type { Task } from '../../src/core/records.js';
import { run, type Started, start, waitFor } from '../durability/processes.js';
import { NO_PROVIDER_ENV, useCliHome } from '../helpers/cli-home.js';

const fixture = useCliHome({
  prefix: 'symbiont-signals-',
  env: () => ({ ...NO_PROVIDER_ENV, SYMBIONT_SIM_LATENCY_SCALE: '1' }),
});
let plan: string;

beforeEach(() => {
  plan = join(fixture.home, 'plan.json');
  writeFileSync(
    plan,
    JSON.stringify({
      prompt: 'signal test',
      subtasks: [
        { description: 'quick [[sim latency=50]]' },
        { description: 'long [[sim latency=30000]]', depends_on: [0] },
      ],
    }),
  );
});

async function stored(): Promise<{ task: Task; holder: string | undefined; events: string[] }> {
  const store = openSqliteStore(homePaths.database(fixture.home));
  try {
    const [summary] = await store.listTasks({ limit: 1 });
    const task = (await store.getTask(summary!.id))!;
    const events = (await store.readEvents(task.id, 0)).map((event) => event.type);
    return { task, holder: await store.leaseHolder(task.id), events };
  } finally {
    await store.close();
  }
}

/** Starts `run` and waits until the long subtask is in flight. */
async function runUntilLongStep(extraEnv: NodeJS.ProcessEnv = {}): Promise<Started> {
  const running = start(fixture.cli, ['run', '--plan', plan, '--provider', 'simulated'], {
    ...fixture.env,
    ...extraEnv,
  });
  await waitFor(
    () => (/subtask 1 started/.test(running.output().stdout) ? true : undefined),
    'the long subtask to start',
    60_000,
  );
  return running;
}

function symbiontLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('symbiont:') && !line.includes('SIMULATED'));
}

async function expectResumable(): Promise<string> {
  const { task, holder, events } = await stored();
  expect(['executing', 'planned']).toContain(task.status);
  expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'executing']);
  expect(events).not.toContain('task.finished');
  expect(events).not.toContain('subtask.cancelled');
  expect(holder).toBeUndefined();
  const resumed = await run(fixture.cli, ['resume', '--json'], {
    ...fixture.env,
    SYMBIONT_SIM_LATENCY_SCALE: '0.01',
  });
  expect(resumed.code, resumed.stderr).toBe(0);
  const [final] = JSON.parse(resumed.stdout) as Task[];
  expect(final!.id).toBe(task.id);
  expect(final!.status).toBe('completed');
  expect(final!.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 2]);
  return task.id;
}

describe('signals on symbiont run', () => {
  it('one Ctrl-C stops the run and leaves the task resumable, saying so (exit 130)', async () => {
    const running = await runUntilLongStep();
    running.child.kill('SIGINT');
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(130);
    const id = await expectResumable();
    expect(symbiontLines(ended.stderr)).toEqual([
      `symbiont: interrupted: task ${id} stopped and left resumable; \`symbiont resume\` continues it (Ctrl-C again now cancels it)`,
    ]);
    expect(ended.stdout).not.toContain('Total cost');
  }, 120_000);

  it('a second Ctrl-C cancels the task, saying so (exit 130)', async () => {
    const running = await runUntilLongStep({ SYMBIONT_CANCEL_WINDOW_MS: '30000' });
    running.child.kill('SIGINT');
    await waitFor(
      () => (running.output().stderr.includes('Ctrl-C again now cancels it') ? true : undefined),
      'the first Ctrl-C to be acknowledged',
    );
    running.child.kill('SIGINT');
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(130);
    const { task, holder } = await stored();
    expect(task.status).toBe('cancelled');
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'cancelled']);
    expect(holder).toBeUndefined();
    const lines = symbiontLines(ended.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`interrupted: task ${task.id} stopped and left resumable`);
    expect(lines[1]).toBe(`symbiont: task ${task.id} cancelled`);
  }, 120_000);

  it('SIGTERM stops the run like one Ctrl-C, in one line (exit 143)', async () => {
    // A long cancel window: SIGTERM must not wait for a second signal.
    const running = await runUntilLongStep({ SYMBIONT_CANCEL_WINDOW_MS: '60000' });
    running.child.kill('SIGTERM');
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(143);
    const id = await expectResumable();
    expect(symbiontLines(ended.stderr)).toEqual([
      `symbiont: terminated: task ${id} stopped and left resumable; \`symbiont resume\` continues it`,
    ]);
  }, 120_000);

  it('refuses a bad SYMBIONT_CANCEL_WINDOW_MS before starting anything (exit 2)', async () => {
    const ended = await run(fixture.cli, ['run', '--plan', plan], {
      ...fixture.env,
      SYMBIONT_CANCEL_WINDOW_MS: 'soon',
    });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain(
      "SYMBIONT_CANCEL_WINDOW_MS expects a whole number of milliseconds from 0 up, got 'soon'",
    );
  }, 60_000);
});
