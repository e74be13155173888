// The answer and retry through the CLI, end to end in child processes on the simulated
// provider: `run` ends with the answer under a rule (steps only with --steps), --output writes
// it, --json carries it, --no-synthesis joins the results; `retry ID-prefix` runs the failed
// subtasks again as new attempts and `retry --subtask N` re-runs a completed one.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import type { Task } from '../../src/core/records.js';
import { runCli, tempHome } from './cli-helpers.js';

let home: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
  env = { SYMBIONT_HOME: home, SYMBIONT_SIM_LATENCY_SCALE: '0.02' };
});
afterEach(() => cleanup());

function writePlan(content: unknown): string {
  const path = join(home, 'plan.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

function ledger(): LedgerEntry[] {
  return readFileSync(join(home, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LedgerEntry);
}

const RULE = /═+ Answer ═+/;

const twoSinks = {
  prompt: 'compare tea and coffee',
  subtasks: [
    { description: 'facts about tea', depends_on: [] },
    { description: 'facts about coffee', depends_on: [] },
  ],
};

describe('the answer on the command line', () => {
  it('ends run with the answer under a rule; steps only with --steps; --output writes the answer', async () => {
    const plan = writePlan(twoSinks);
    const output = join(home, 'answer.md');
    const result = await runCli(['run', '--plan', plan, '--output', output], env);
    expect(result.code).toBe(0);
    const [before, answer] = result.stdout.split(RULE);
    expect(answer).toBeDefined();
    expect(before).toMatch(/Steps: 2 completed/);
    expect(before).not.toContain('│');
    expect(answer).toContain('[simulated answer]');
    const written = readFileSync(output, 'utf8');
    expect(answer!.trim()).toBe(written.trim());
    const synthesis = ledger().filter((entry) => entry.kind === 'synthesis');
    expect(synthesis).toHaveLength(1);
    expect(synthesis[0]).toMatchObject({ subtask_id: null, success: true, model: 'sonnet' });

    const withSteps = await runCli(['run', '--plan', plan, '--steps'], env);
    const [steps] = withSteps.stdout.split(RULE);
    expect(steps).toContain('── [0] completed');
    expect(steps).toContain('│ [simulated answer]');
  });

  it('has the answer in the --json record, and --no-synthesis joins the results under headings', async () => {
    const plan = writePlan(twoSinks);
    const json = await runCli(['run', '--plan', plan, '--json'], env);
    const task = JSON.parse(json.stdout) as Task;
    expect(typeof task.answer).toBe('string');
    const spent = ledger().reduce((sum, entry) => sum + entry.cost_usd, 0);
    expect(task.total_cost).toBeCloseTo(spent, 10);

    const joined = await runCli(['run', '--plan', plan, '--json', '--no-synthesis'], env);
    const plain = JSON.parse(joined.stdout) as Task;
    expect(plain.settings.synthesis).toBe(false);
    expect(plain.answer).toMatch(/^## Step 0: facts about tea\n\n\[simulated answer\]/);
    expect(plain.answer).toContain('## Step 1: facts about coffee');
    expect(ledger().filter((entry) => entry.kind === 'synthesis')).toHaveLength(1);
    // `show` has the steps, then the answer.
    const shown = await runCli(['show', plain.id.slice('compound-'.length, 20)], env);
    expect(shown.stdout).toContain('── [1] completed');
    expect(shown.stdout.split(RULE)[1]).toContain('## Step 1: facts about coffee');
  });

  it('refuses an --output whose directory does not exist before spending anything', async () => {
    const plan = writePlan(twoSinks);
    const result = await runCli(['run', '--plan', plan, '--output', join(home, 'no/such/dir/a.md')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--output .*does not exist/);
  });
});

describe('symbiont retry', () => {
  it('runs the failed subtask and its dependent again as new attempts; --subtask re-runs a completed one', async () => {
    const plan = writePlan({
      prompt: 'a chain with a broken link',
      subtasks: [
        { description: 'gather' },
        { description: 'broken [[sim fail=error]]', depends_on: [0] },
        { description: 'conclude', depends_on: [1] },
        { description: 'aside' },
      ],
    });
    const first = await runCli(
      ['run', '--plan', plan, '--json', '--max-attempts', '1', '--no-escalate'],
      env,
    );
    expect(first.code).toBe(1);
    const task = JSON.parse(first.stdout) as Task;
    expect(task.status).toBe('partial');
    expect(task.answer).toContain('- step 1 (broken [[sim fail=error]]): failed');
    const entriesBefore = ledger().length;

    // The failure does not go away here (fail=error): the retry runs it again, as attempt 2.
    const retried = await runCli(['retry', task.id.slice(9, 17)], env);
    expect(retried.code).toBe(1);
    expect(retried.stdout).toMatch(/retrying task \S+ \(simulated\): subtasks 1, 2/);
    expect(retried.stdout).toMatch(/subtask 1 started on \S+ \(attempt 2\)/);
    expect(retried.stdout).not.toMatch(/subtask 0 started/);
    expect(retried.stdout).toMatch(RULE);
    const retryEntries = ledger().slice(entriesBefore);
    expect(retryEntries.filter((entry) => entry.kind === 'subtask').map((entry) => entry.subtask_id)).toEqual(
      [`${task.id}.1`],
    );

    const rerun = await runCli(['retry', task.id, '--subtask', '3', '--json'], env);
    const after = JSON.parse(rerun.stdout) as Task;
    expect(after.subtasks.map((subtask) => subtask.attempts)).toEqual([1, 2, 0, 2]);
    expect(after.subtasks[0]!.completed_at).toBe(task.subtasks[0]!.completed_at);
    expect(after.total_cost).toBeCloseTo(
      ledger().reduce((sum, entry) => sum + entry.cost_usd, 0),
      10,
    );
  });

  it('says what is wrong: an unknown task, a bad --subtask, a completed task with nothing to retry', async () => {
    const unknown = await runCli(['retry', 'ffffffff'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no task ffffffff/);
    const bad = await runCli(['retry', 'ffffffff', '--subtask', 'x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--subtask expects subtask indexes/);
    const done = await runCli(['run', '--plan', writePlan(twoSinks), '--json'], env);
    const task = JSON.parse(done.stdout) as Task;
    const nothing = await runCli(['retry', task.id], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to retry/);
    const missing = await runCli(['retry', task.id, '--subtask', '7'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no subtask 7/);
  });
});
