// `run --review`, `approve` and the yes / no / edit prompt (SPEC §11), end to end: the CLI in
// child processes over one SYMBIONT_HOME, the prompt on a pseudo-terminal made by script(1),
// the edit driven by an EDITOR script that rewrites the plan file.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempHome } from './cli-helpers.js';

let home: { home: string; cleanup(): void };
beforeEach(() => {
  home = tempHome();
});
afterEach(() => home.cleanup());

const env = () => ({ SYMBIONT_HOME: home.home, SYMBIONT_SIM_LATENCY_SCALE: '0' });

function ledgerKinds(): string[] {
  const path = join(home.home, 'ledger.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { kind: string }).kind);
}

function writePlan(name: string, plan: unknown): string {
  const path = join(home.home, name);
  writeFileSync(path, JSON.stringify(plan));
  return path;
}

const PLAN = {
  subtasks: [
    { description: 'gather facts', tier_hint: 1, depends_on: [] },
    { description: 'list options', tier_hint: 1, depends_on: [] },
    { description: 'write it up', tier_hint: 2, depends_on: [0, 1] },
  ],
};

describe('run --review', () => {
  it('--yes approves without asking: the run costs at most the high estimate', async () => {
    const plan = writePlan('plan.json', PLAN);
    const result = await runCli(['run', '--review', '--yes', '--plan', plan, '--json'], env());
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout);
    expect(task.status).toBe('completed');
    expect(task.estimate.high_usd).toBeGreaterThan(task.estimate.low_usd);
    expect(task.total_cost).toBeLessThanOrEqual(task.estimate.high_usd);
    // The plan and estimate went to stderr (stdout is the record only).
    expect(result.stderr).toMatch(/Estimate \(one attempt of each call/);
    expect(ledgerKinds()).toEqual(['subtask', 'subtask', 'subtask']);
    // One final step: its result is the answer, with no synthesis call.
    expect(task.answer).toBe(task.subtasks[2].result);
  });

  it('a reviewed plan with two final steps is estimated with its synthesis call and ends with the answer', async () => {
    const plan = writePlan('two-sinks.json', {
      subtasks: [
        { description: 'gather facts', tier_hint: 1, depends_on: [] },
        { description: 'write the summary', tier_hint: 1, depends_on: [0] },
        { description: 'write the risks', tier_hint: 1, depends_on: [0] },
      ],
    });
    const result = await runCli(['run', '--review', '--yes', '--plan', plan, '--json'], env());
    expect(result.code).toBe(0);
    const task = JSON.parse(result.stdout);
    expect(task.status).toBe('completed');
    let subtasksHigh = 0;
    for (const subtask of task.subtasks) subtasksHigh += subtask.estimate.high_usd;
    // The total has a synthesis line beyond the subtasks', and the whole run stays under it.
    expect(task.estimate.high_usd).toBeGreaterThan(subtasksHigh);
    expect(task.total_cost).toBeLessThanOrEqual(task.estimate.high_usd);
    expect(result.stderr).toMatch(/synthesis/i);
    expect(ledgerKinds()).toEqual(['subtask', 'subtask', 'subtask', 'synthesis']);
    expect(typeof task.answer).toBe('string');
    expect(task.answer.length).toBeGreaterThan(0);

    // --no-synthesis: no synthesis line in the estimate, and the answer is the results joined.
    const joined = await runCli(
      ['run', '--review', '--yes', '--no-synthesis', '--plan', plan, '--json'],
      env(),
    );
    expect(joined.code).toBe(0);
    const unsynthesized = JSON.parse(joined.stdout);
    let high = 0;
    for (const subtask of unsynthesized.subtasks) high += subtask.estimate.high_usd;
    expect(unsynthesized.estimate.high_usd).toBeCloseTo(high, 12);
    expect(unsynthesized.answer).toContain('## Step 1: write the summary');
    expect(unsynthesized.answer).toContain('## Step 2: write the risks');
  });

  it('off a terminal, leaves the task awaiting approval with only planning spent; approve runs it from another process', async () => {
    const first = await runCli(['run', '--review', 'Find the facts, then write a summary'], env());
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/awaiting approval/);
    expect(first.stdout).toMatch(/Total: \$[0-9.]+ – \$[0-9.]+/);
    const id = /task (compound-[0-9a-f-]+) is awaiting approval/.exec(first.stderr)?.[1];
    expect(id).toBeDefined();
    expect(first.stderr).toContain(`symbiont approve ${id}`);
    expect(ledgerKinds()).toEqual(['plan']);

    // resume does not start it.
    const resume = await runCli(['resume'], env());
    expect(resume.stdout).toMatch(/nothing to resume/);
    expect(ledgerKinds()).toEqual(['plan']);

    // A bad edited plan is refused, naming the problem; nothing runs.
    const bad = writePlan('bad.json', { subtasks: [{ description: 'x', tier_hint: 7 }] });
    const refused = await runCli(['approve', id!.slice(9, 17), '--plan', bad], env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/tier_hint/);
    expect(ledgerKinds()).toEqual(['plan']);

    // approve ends as run does: the estimate beside the cost, each step's estimate with --steps,
    // and the answer last.
    const approved = await runCli(['approve', id!.slice(9, 17), '--steps'], env());
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/Estimate: \$[0-9.]+ – \$[0-9.]+ for the run/);
    expect(approved.stdout).toMatch(/\(estimate \$[0-9.]+ – \$[0-9.]+\)/);
    expect(approved.stdout).toMatch(/═+ Answer ═+\n\n\S/);
    expect(ledgerKinds().filter((kind) => kind === 'subtask').length).toBeGreaterThan(0);

    const again = await runCli(['approve', id!], env());
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/is completed, not awaiting approval/);
  });

  it('cancel rejects a task awaiting approval', async () => {
    const plan = writePlan('plan.json', PLAN);
    await runCli(['run', '--review', '--plan', plan], env());
    const list = JSON.parse((await runCli(['tasks', '--json'], env())).stdout);
    const cancel = await runCli(['cancel', list[0].id], env());
    expect(cancel.stdout).toMatch(/cancelled/);
    expect(ledgerKinds()).toEqual([]);
  });

  it('says when the budget is below the high figure', async () => {
    const plan = writePlan('plan.json', PLAN);
    const result = await runCli(['run', '--review', '--plan', plan, '--budget', '0.001'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Budget: \$0\.00100 .*below the high figure/);
  });

  it('watch follows a task awaiting approval until another process approves and runs it', async () => {
    const plan = writePlan('plan.json', PLAN);
    await runCli(['run', '--review', '--plan', plan], env());
    const [task] = JSON.parse((await runCli(['tasks', '--json'], env())).stdout);
    const watching = runCli(['watch', task.id], env());
    // Longer than two of watch's orphan checks (2 s apart): a waiting task is not an orphan.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const approved = await runCli(['approve', task.id, '--json'], env());
    expect(approved.code).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/: completed/);
  }, 60_000);

  it('plan prints the same estimate', async () => {
    const result = await runCli(['plan', 'Find the facts, then write a summary'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Estimate \(one attempt of each call; high = what the budget reserves\)/);
    expect(result.stdout).toMatch(/ {3}0\. \[tier \d · \w+\] \$[0-9.]+ – \$[0-9.]+/);
  });
});

describe('run --review on a terminal (script(1) makes the pseudo-terminal)', () => {
  /** Runs the CLI on a pseudo-terminal; answers each prompt with the next of `answers`. */
  function onTerminal(args: string[], answers: string[], extraEnv: Record<string, string> = {}) {
    const command = ['node', '--import', 'tsx', join(ROOT, 'src/cli/run-cli.ts'), ...args]
      .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('/usr/bin/script', ['-q', '-e', '-c', command, '/dev/null'], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env(),
          SYMBIONT_PROVIDER: '',
          ANTHROPIC_API_KEY: '',
          OPENAI_BASE_URL: '',
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          TERM: 'dumb',
          ...extraEnv,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      let asked = 0;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const prompts = output.split('Run this plan? [y]es / [n]o / [e]dit: ').length - 1;
        while (asked < prompts && asked < answers.length) child.stdin.write(`${answers[asked++]}\r`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no end on the terminal:\n${output}`));
      }, 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it('asks; yes runs the plan', async () => {
    const plan = writePlan('plan.json', PLAN);
    const result = await onTerminal(['run', '--review', '--plan', plan], ['y']);
    expect(result.output).toMatch(/Run this plan\?/);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/Task compound-[0-9a-f-]+: completed/);
    expect(ledgerKinds()).toEqual(['subtask', 'subtask', 'subtask']);
  });

  it('no cancels it with nothing spent', async () => {
    const plan = writePlan('plan.json', PLAN);
    const result = await onTerminal(['run', '--review', '--plan', plan], ['n']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/cancelled: not run/);
    expect(ledgerKinds()).toEqual([]);
  });

  it('Ctrl-C at the question leaves the task awaiting approval and says how to approve it', async () => {
    const plan = writePlan('plan.json', PLAN);
    const result = await onTerminal(['run', '--review', '--plan', plan], ['\u0003']);
    expect(result.code).toBe(130);
    expect(result.output).toMatch(/is awaiting approval .*symbiont approve compound-/s);
    const [task] = JSON.parse((await runCli(['tasks', '--json'], env())).stdout);
    expect(task.status).toBe('awaiting_approval');
    expect(ledgerKinds()).toEqual([]);
  });

  it('edit opens $EDITOR on the plan, refuses a bad edit, shows the new estimate, then runs the edited plan', async () => {
    const plan = writePlan('plan.json', PLAN);
    // First edit: a dependency cycle (refused). Second edit: a valid two-step plan at tier 3.
    const editor = join(home.home, 'editor.sh');
    const counter = join(home.home, 'edits');
    const cycle = JSON.stringify({
      subtasks: [
        { description: 'a', tier_hint: 1, depends_on: [1] },
        { description: 'b', tier_hint: 1, depends_on: [0] },
      ],
    });
    const good = JSON.stringify({
      reasoning: 'edited by hand',
      subtasks: [
        { description: 'edited first step', tier_hint: 3, depends_on: [] },
        { description: 'edited second step', tier_hint: 1, depends_on: [0] },
      ],
    });
    writeFileSync(
      editor,
      `#!/bin/sh\nif [ -f '${counter}' ]; then printf '%s' '${good}' > "$1"; else grep -q '"gather facts"' "$1" || exit 3; touch '${counter}'; printf '%s' '${cycle}' > "$1"; fi\n`,
    );
    chmodSync(editor, 0o755);
    const result = await onTerminal(['run', '--review', '--plan', plan], ['e', 'e', 'y'], {
      EDITOR: editor,
      VISUAL: '',
    });
    expect(result.output).toMatch(/dependency cycle: 0 -> 1 -> 0/);
    expect(result.output).toMatch(/Edited plan: 2 subtasks/);
    expect(result.output).toMatch(/0\. \[tier 3 · opus\] \$[0-9.]+ – \$[0-9.]+ {2}edited first step/);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/edited second step/);
    expect(ledgerKinds()).toEqual(['subtask', 'subtask']);
  });
});
