// `symbiont run` end to end in a child process: the simulated provider, a plan file, the fake
// claude CLI, exit statuses and the ledger it leaves behind.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { Task } from '../../src/core/records.js';
import { makeLedgerKey } from '../ledger/fixtures/ledger-fixtures.js';
import { FAKE_CLAUDE, runCli, tempHome } from './cli-helpers.js';

let home: string;
let cleanup: () => void;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
});
afterEach(() => cleanup());

function writePlan(name: string, content: unknown): string {
  const path = join(home, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('symbiont run', () => {
  it('plans and runs a prompt on the simulated provider and prints the final record as JSON', async () => {
    // Signed checkpoints, so that `ledger verify` can say "verified" (without a key: "unverifiable").
    const key = makeLedgerKey();
    onTestFinished(key.remove);
    const result = await runCli(
      ['run', 'Collect the facts about X, then write a report. Also draft a title.', '--json'],
      { SYMBIONT_HOME: home, SYMBIONT_SIM_LATENCY_SCALE: '0.05', SYMBIONT_LEDGER_KEY: key.privatePath },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/SIMULATED provider/);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.id).toMatch(/^compound-[0-9a-f-]{36}$/);
    expect(task.status).toBe('completed');
    expect(task.subtasks).toHaveLength(3);
    expect(task.subtasks[1]!.depends_on).toEqual([0]);
    for (const subtask of task.subtasks) {
      expect(subtask).toMatchObject({ status: 'completed', attempts: 1 });
      expect(subtask.result).toContain('[simulated answer]');
      expect(subtask.cost).toBeGreaterThan(0);
      expect(subtask.model).toMatch(/haiku|sonnet|opus/);
    }
    const subtaskCost = task.subtasks.reduce((sum, subtask) => sum + (subtask.cost ?? 0), 0);
    expect(task.total_cost).toBeGreaterThan(subtaskCost); // planning is counted too
    const ledger = readFileSync(join(home, 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The report and the title are both final steps: one synthesis call writes the answer.
    expect(ledger.map((entry) => entry.kind)).toEqual(['plan', 'subtask', 'subtask', 'subtask', 'synthesis']);
    expect(typeof task.answer).toBe('string');
    expect(ledger.reduce((sum, entry) => sum + entry.cost_usd, 0)).toBeCloseTo(task.total_cost, 10);
    const verify = await runCli(['ledger', 'verify', '--key', key.publicPath], { SYMBIONT_HOME: home });
    expect(verify.stdout).toMatch(/^ledger verified: entries 1\.\.5 /);
    expect(verify.code).toBe(0);
  });

  it('prints plain progress lines when stdout is not a terminal, and the results', async () => {
    const plan = writePlan('plan.json', {
      reasoning: 'two steps',
      subtasks: [
        { description: 'first [[sim latency=20]]', tier_hint: 1, depends_on: [] },
        { description: 'second [[sim fail=fatal]]', tier_hint: 1, depends_on: [0] },
        { description: 'third', tier_hint: 1, depends_on: [1] },
      ],
    });
    const result = await runCli(['run', '--plan', plan, '--no-escalate'], {
      SYMBIONT_HOME: home,
      SYMBIONT_SIM_LATENCY_SCALE: '0.05',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/subtask 0 started on haiku/);
    expect(result.stdout).toMatch(/subtask 1 failed/);
    expect(result.stdout).toMatch(/subtask 2 skipped: dependency 1 failed/);
    expect(result.stdout).toMatch(/Task compound-\S+: partial/);
    expect(result.stdout).toMatch(/Total cost: \$/);
    expect(result.stdout).not.toMatch(/\x1b\[/);
  });

  it('keeps the plan file indices, dependencies and tier hints as given', async () => {
    const plan = writePlan('plan.json', {
      prompt: 'given plan',
      reasoning: 'r',
      subtasks: [
        { index: 1, description: 'b', tier_hint: 3, depends_on: [0] },
        { index: 0, description: 'a', tier_hint: 2, depends_on: [] },
      ],
    });
    const result = await runCli(['run', '--plan', plan, '--json'], {
      SYMBIONT_HOME: home,
      SYMBIONT_SIM_LATENCY_SCALE: '0.02',
    });
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.prompt).toBe('given plan');
    expect(
      task.subtasks.map((subtask) => [
        subtask.index,
        subtask.description,
        subtask.tier_assigned,
        subtask.depends_on,
      ]),
    ).toEqual([
      [0, 'a', 2, []],
      [1, 'b', 3, [0]],
    ]);
    const ledger = readFileSync(join(home, 'ledger.jsonl'), 'utf8');
    expect(ledger).not.toMatch(/"kind":"plan"/);
  });

  it.each([
    ['a missing plan file', () => join(home, 'nope.json'), /plan file .*nope\.json: no such file/],
    ['a plan file that is not JSON', () => writePlan('bad.json', '{not json'), /is not valid JSON/],
    [
      'an empty plan',
      () => writePlan('empty.json', { reasoning: 'x', subtasks: [] }),
      /the plan has no subtasks/,
    ],
    [
      'a cyclic plan',
      () =>
        writePlan('cycle.json', {
          reasoning: 'x',
          subtasks: [
            { description: 'a', tier_hint: 1, depends_on: [1] },
            { description: 'b', tier_hint: 1, depends_on: [0] },
          ],
        }),
      /dependency cycle: 0 -> 1 -> 0/,
    ],
  ])('exits 2 with one line naming the problem for %s', async (_label, makePath, message) => {
    const result = await runCli(['run', '--plan', makePath()], { SYMBIONT_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for bad arguments', async () => {
    for (const args of [
      ['run'],
      ['run', 'x', '--concurrency', '0'],
      ['run', 'x', '--timeout', 'soon'],
      ['run', 'x', '--provider', 'nope'],
    ]) {
      const result = await runCli(args, { SYMBIONT_HOME: home });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('runs through the claude CLI, passing dependency results into the dependent prompt', async () => {
    const log = join(home, 'claude-calls.jsonl');
    const result = await runCli(
      [
        'run',
        'Do A and B, then combine them',
        '--provider',
        'claude-cli',
        '--claude-bin',
        FAKE_CLAUDE,
        '--json',
      ],
      {
        SYMBIONT_HOME: home,
        CLAUDE_FAKE_LOG: log,
        CLAUDE_FAKE_STATE_DIR: home,
      },
    );
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.subtasks.map((subtask) => subtask.status)).toEqual(['completed', 'completed', 'completed']);
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { argv: string[]; stdin: string });
    expect(calls).toHaveLength(4);
    expect(calls[0]!.stdin).toContain('<user_request>');
    const combine = calls.find((call) => call.stdin.trimEnd().endsWith('combine A and B'))!;
    expect(combine.stdin).toContain('Do A and B, then combine them');
    expect(combine.stdin).toContain(task.subtasks[0]!.result!);
    expect(combine.stdin).toContain(task.subtasks[1]!.result!);
    // The CLI's reported cost is the cost, and cache tokens count as input.
    const ledger = readFileSync(join(home, 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(ledger.every((entry) => entry.cost_source === 'provider')).toBe(true);
    // The fake bills ceil(chars / 4) for the prompt itself, and writes its system prompt to the
    // cache: the ledger's input tokens hold both.
    const promptTokens = calls.reduce((sum, call) => sum + Math.ceil(call.stdin.length / 4), 0);
    const ledgerInput = ledger.reduce((sum, entry) => sum + entry.input_tokens, 0);
    expect(ledgerInput).toBeGreaterThan(promptTokens + 4 * 80);
  });

  it('retries a transient claude CLI failure and ledgers both attempts', async () => {
    const plan = writePlan('plan.json', {
      reasoning: 'one flaky step',
      subtasks: [{ description: 'flaky [[fake mode=fail_once]]', tier_hint: 1, depends_on: [] }],
    });
    const result = await runCli(
      ['run', '--plan', plan, '--provider', 'claude-cli', '--claude-bin', FAKE_CLAUDE, '--json'],
      {
        SYMBIONT_HOME: home,
        CLAUDE_FAKE_STATE_DIR: home,
      },
    );
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.subtasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
    const ledger = readFileSync(join(home, 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(ledger.map((entry) => [entry.attempt, entry.success])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('kills a hanging claude CLI at the timeout', async () => {
    const plan = writePlan('plan.json', {
      reasoning: 'hangs',
      subtasks: [{ description: 'stuck [[fake mode=hang]]', tier_hint: 3, depends_on: [] }],
    });
    const log = join(home, 'claude-calls.jsonl');
    const started = Date.now();
    const result = await runCli(
      [
        'run',
        '--plan',
        plan,
        '--provider',
        'claude-cli',
        '--claude-bin',
        FAKE_CLAUDE,
        // Long enough for the spawn helper and then the fake (both Node) to start on a busy
        // machine: the pids checked below are those the fake logged once it had started.
        '--timeout',
        '3',
        '--max-attempts',
        '1',
        '--json',
      ],
      { SYMBIONT_HOME: home, CLAUDE_FAKE_LOG: log },
    );
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    const task = JSON.parse(result.stdout) as Task;
    expect(task.subtasks[0]!.error).toMatch(/timed out after 3000 ms/);
    const pids = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { pid: number }).pid);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('symbiont plan', () => {
  it('prints the plan without running it, and its JSON runs with run --plan', async () => {
    const planned = await runCli(
      ['plan', 'Make a chart:\n- gather data\n- chart it\n- write it up', '--json'],
      {
        SYMBIONT_HOME: home,
      },
    );
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { subtasks: unknown[] };
    expect(plan.subtasks).toHaveLength(3);
    const path = writePlan('from-plan.json', planned.stdout);
    const ran = await runCli(['run', '--plan', path, '--json'], {
      SYMBIONT_HOME: home,
      SYMBIONT_SIM_LATENCY_SCALE: '0.02',
    });
    expect(ran.code, ran.stderr + ran.stdout.slice(0, 2000)).toBe(0);
  });
});
