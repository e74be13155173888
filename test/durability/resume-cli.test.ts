// `symbiont resume` end to end with the fake claude CLI, which logs every call it receives:
// after a SIGKILL mid-run, completed subtasks are never called again and keep their results,
// the subtask in flight runs again as a new attempt with its own ledger entry, a task killed
// while planning is planned again, and two resume processes at once never run the same task.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedgerEntries } from '../../src/adapters/ledger/ledger-file-reader.js';
import { openSqliteStore } from '../../src/adapters/stores/sqlite-store.js';
import { homePaths } from '../../src/config/home.js';
import type { Task } from '../../src/core/records.js';
import { callKey } from '../fakes/counting-provider.js';
import { useCliHome } from '../helpers/cli-home.js';
import { FAKE_CLAUDE, run, start, TSX_CLI, waitFor } from './processes.js';

const CALL_LOG = 'fake-claude-calls.jsonl';
const fixture = useCliHome({
  prefix: 'symbiont-resume-',
  signLedger: true,
  env: (home) => ({ CLAUDE_FAKE_LOG: join(home, CALL_LOG), CLAUDE_FAKE_CASE: undefined }),
});

// `resume` needs the same provider configuration as the run (flags or environment): the task
// records the provider's name, not where its binary or key is.
const CLAUDE = ['--provider', 'claude-cli', '--claude-bin', FAKE_CLAUDE];

/** Calls the fake claude received, per `T<n>S<i>` / `T<n>:plan` key. */
function fakeCalls(): Map<string, number> {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(join(fixture.home, CALL_LOG), 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const { stdin } = JSON.parse(line) as { stdin: string };
    const key = callKey(stdin, stdin.includes('<user_request>') ? 'plan' : 'subtask');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function writePlan(name: string, subtasks: { description: string; depends_on?: number[] }[]): string {
  const path = join(fixture.home, name);
  writeFileSync(
    path,
    JSON.stringify({
      prompt: `resume test ${name}`,
      reasoning: 'durability test',
      subtasks: subtasks.map((subtask) => ({ tier_hint: 1, depends_on: [], ...subtask })),
    }),
  );
  return path;
}

async function storedTasks(): Promise<Task[]> {
  const store = openSqliteStore(homePaths.database(fixture.home));
  try {
    const tasks: Task[] = [];
    for (const summary of await store.listTasks({ limit: 100 }))
      tasks.push((await store.getTask(summary.id))!);
    return tasks;
  } finally {
    await store.close();
  }
}

describe('symbiont resume', () => {
  it('keeps completed subtasks and runs the one in flight again as a new attempt', async () => {
    const plan = writePlan('plan.json', [
      { description: 'T1S0 first [[fake delay=50]]' },
      { description: 'T1S1 slow, in flight at the kill [[fake delay=2500]]', depends_on: [0] },
      { description: 'T1S2 independent [[fake delay=50]]' },
      { description: 'T1S3 after both [[fake delay=50]]', depends_on: [1, 2] },
    ]);
    const running = start(fixture.cli, ['run', '--plan', plan, ...CLAUDE, '--json'], fixture.env);
    const midway = await waitFor(async () => {
      const [task] = await storedTasks().catch(() => []);
      const statuses = task?.subtasks.map((subtask) => subtask.status).join(' ');
      return statuses === 'completed executing completed pending' ? task : undefined;
    }, 'two subtasks completed and one in flight');
    await waitFor(() => (fakeCalls().get('T1S1') === 1 ? true : undefined), 'the slow call to start');
    await running.kill();
    const before = fakeCalls();

    // The CLI exactly as the issue names it, once: node --import tsx src/cli/run-cli.ts resume.
    const resumed = await run(TSX_CLI, ['resume', '--json', ...CLAUDE], fixture.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [final] = JSON.parse(resumed.stdout) as Task[];
    expect(final!.id).toBe(midway.id);
    expect(final!.status).toBe('completed');
    const after = fakeCalls();
    expect(after.get('T1S0')).toBe(before.get('T1S0'));
    expect(after.get('T1S2')).toBe(before.get('T1S2'));
    expect(after.get('T1S0')).toBe(1);
    expect(after.get('T1S1')).toBe(2);
    expect(after.get('T1S3')).toBe(1);
    expect(final!.subtasks[0]!.result).toBe(midway.subtasks[0]!.result);
    expect(final!.subtasks[2]!.result).toBe(midway.subtasks[2]!.result);
    expect(final!.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 2, 1, 1]);

    // Each attempt that ended is its own ledger entry; the killed attempt 1 never ended.
    const entries = await readLedgerEntries(homePaths.ledger(fixture.home));
    const slow = entries.filter((entry) => entry.subtask_id === final!.subtasks[1]!.id);
    expect(slow.map((entry) => [entry.attempt, entry.success])).toEqual([[2, true]]);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_, index) => index + 1));
    expect(entries).toHaveLength(4);
    const verify = await run(fixture.cli, ['ledger', 'verify'], fixture.env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const again = await run(fixture.cli, ['resume', ...CLAUDE], fixture.env);
    expect(again.stdout).toContain('nothing to resume');
  }, 90_000);

  it('plans again a task whose planning was interrupted', async () => {
    const running = start(fixture.cli, ['run', 'T2 plan this request', ...CLAUDE, '--json'], {
      ...fixture.env,
      CLAUDE_FAKE_CASE: 'hang',
    });
    await waitFor(() => (fakeCalls().get('T2:plan') === 1 ? true : undefined), 'the planning call');
    const [planning] = await storedTasks();
    expect(planning!.status).toBe('planning');
    await running.kill();

    const resumed = await run(fixture.cli, ['resume', ...CLAUDE], fixture.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${planning!.id}: completed`);
    expect(fakeCalls().get('T2:plan')).toBe(2);
    const [task] = await storedTasks();
    expect(task!.subtasks).toHaveLength(3);
    expect(task!.subtasks.every((subtask) => subtask.status === 'completed')).toBe(true);
    const entries = await readLedgerEntries(homePaths.ledger(fixture.home));
    // The killed call (attempt 1) was never ledgered; the new one is a new attempt, as for subtasks.
    expect(entries.filter((entry) => entry.kind === 'plan').map((entry) => entry.attempt)).toEqual([2]);
  }, 90_000);

  it('leaves a task under review waiting for approval after planning it again, and exits 0', async () => {
    const running = start(fixture.cli, ['run', '--review', 'T3 plan this request', ...CLAUDE, '--json'], {
      ...fixture.env,
      CLAUDE_FAKE_CASE: 'hang',
    });
    await waitFor(() => (fakeCalls().get('T3:plan') === 1 ? true : undefined), 'the planning call');
    await running.kill();

    const resumed = await run(fixture.cli, ['resume', ...CLAUDE], fixture.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [task] = await storedTasks();
    expect(task!.status).toBe('awaiting_approval');
    expect(resumed.stdout).toContain(`${task!.id}: awaiting_approval`);
    expect(resumed.stdout).toContain(`symbiont approve ${task!.id}`);
    // Nothing ran before the approval.
    expect(task!.subtasks.every((subtask) => subtask.status === 'pending')).toBe(true);
  }, 90_000);

  it('never runs a task in two resume processes at once', async () => {
    const plans = [0, 1, 2, 3].map((number) =>
      writePlan(`plan-${number}.json`, [
        { description: `T${number}S0 [[fake delay=700]]` },
        { description: `T${number}S1 [[fake delay=700]]`, depends_on: [0] },
      ]),
    );
    // Four runs whose calls hang, each killed once its first call is in flight.
    const hanging = { ...fixture.env, CLAUDE_FAKE_CASE: 'hang' };
    const runs = plans.map((plan) =>
      start(fixture.cli, ['run', '--plan', plan, ...CLAUDE, '--json'], hanging),
    );
    await waitFor(
      () => ([0, 1, 2, 3].every((number) => fakeCalls().get(`T${number}S0`) === 1) ? true : undefined),
      'every first call to start',
    );
    await Promise.all(runs.map((running) => running.kill()));
    const before = fakeCalls();
    const [first, second] = await Promise.all([
      run(fixture.cli, ['resume', ...CLAUDE], fixture.env),
      run(fixture.cli, ['resume', ...CLAUDE], fixture.env),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const after = fakeCalls();
    for (const number of [0, 1, 2, 3]) {
      // Exactly one more call for each subtask: never executed by both processes.
      expect(after.get(`T${number}S0`)! - before.get(`T${number}S0`)!, `T${number}S0`).toBe(1);
      expect(after.get(`T${number}S1`) ?? 0, `T${number}S1`).toBe(1);
    }
    const tasks = await storedTasks();
    expect(tasks.map((task) => task.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // Both reported every task; the tasks one ran, the other waited for.
    for (const task of tasks) {
      expect(first.stdout).toContain(`${task.id}: completed`);
      expect(second.stdout).toContain(`${task.id}: completed`);
    }
    expect(`${first.stdout}${second.stdout}`).toContain('(run by another process)');
  }, 90_000);
});
