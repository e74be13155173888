// The CLI in a pipe and on a read-only home, in child processes. A reader that goes away
// (`| head`) costs no stack trace and no stuck task: output is dropped, the run finishes.
// Reading commands (tasks, show, ledger report, ledger verify) change nothing in the home, and
// run on a truly read-only home: a read-only bind mount in a private mount namespace
// (`unshare -rm`), since the tests run as root and chmod would not stop root's writes.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/records.js';
import { useCliHome } from '../helpers/cli-home.js';
import { type Finished, REPO_ROOT, run } from './processes.js';

const fixture = useCliHome({
  prefix: 'symbiont-pipe-',
  signLedger: true,
  env: () => ({ SYMBIONT_SIM_LATENCY_SCALE: '0.2' }),
});

/** Runs the CLI with a stdout whose reader has already gone: every write meets EPIPE. */
function withClosedStdout(args: string[]): Promise<Finished> {
  const child = spawn(fixture.cli.command, [...fixture.cli.args, ...args], {
    cwd: REPO_ROOT,
    env: fixture.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
  });
}

async function firstTask(): Promise<Task> {
  const shown = await run(fixture.cli, ['tasks', '--json'], fixture.env);
  const [summary] = JSON.parse(shown.stdout) as { id: string }[];
  return JSON.parse((await run(fixture.cli, ['show', summary!.id, '--json'], fixture.env)).stdout) as Task;
}

const NO_STACK = /\n\s+at |EPIPE|Error:/;

describe('the CLI in a pipe', () => {
  it('a run whose reader went away exits quietly and its task finishes', async () => {
    const ended = await withClosedStdout([
      'run',
      'three steps [[sim latency=30]]',
      '--provider',
      'simulated',
    ]);
    expect(ended.stderr).not.toMatch(NO_STACK);
    expect(ended.code, ended.stderr).toBe(0);
    const task = await firstTask();
    expect(task.status).toBe('completed');
    expect((await run(fixture.cli, ['ledger', 'verify'], fixture.env)).code).toBe(0);
  }, 60_000);

  it('`run … | head -2` and `tasks | head -1` in a shell: quiet, exit 0, the task completed', async () => {
    const shell = (pipeline: string) =>
      spawnSync('bash', ['-c', `set -o pipefail; ${pipeline}`], {
        cwd: REPO_ROOT,
        env: fixture.env,
        encoding: 'utf8',
      });
    const symbiont = [fixture.cli.command, ...fixture.cli.args].map((part) => `'${part}'`).join(' ');
    const plan = "'four steps [[sim latency=40]]. Then more. Then a title. Then a summary.'";
    const ran = shell(`${symbiont} run ${plan} --provider simulated 2>&1 | head -2`);
    expect(ran.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect(ran.stdout + ran.stderr).not.toMatch(NO_STACK);
    expect(ran.status).toBe(0);
    const listed = shell(`${symbiont} tasks | head -1`);
    expect(listed.stdout).toMatch(/^compound-\S+\s+completed /);
    expect(listed.stderr).not.toMatch(NO_STACK);
    expect(listed.status).toBe(0);
    expect((await firstTask()).status).toBe('completed');
  }, 60_000);

  it('tasks and show into a closed pipe exit 0 without a stack trace', async () => {
    expect((await run(fixture.cli, ['run', 'one', '--provider', 'simulated'], fixture.env)).code).toBe(0);
    const task = await firstTask();
    for (const args of [['tasks'], ['tasks', '--json'], ['show', task.id], ['ledger', 'report']]) {
      const ended = await withClosedStdout(args);
      expect(ended.stderr, args.join(' ')).not.toMatch(NO_STACK);
      expect(ended.code, args.join(' ')).toBe(0);
    }
  }, 60_000);
});

/** Names, sizes and modification times of everything in the home. */
function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const stats = statSync(join(dir, name));
      return `${name} ${stats.size} ${stats.mtimeMs}`;
    });
}

const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;

/** The CLI with `home` bind-mounted read-only over itself, in a mount namespace of its own. */
function readOnlyCli(args: string[]): Promise<Finished> {
  const script = 'mount --bind -o ro "$0" "$0" && touch "$0/probe" 2>/dev/null && exit 99; exec "$@"';
  const child = spawn(
    'unshare',
    ['-rm', 'sh', '-c', script, fixture.home, fixture.cli.command, ...fixture.cli.args, ...args],
    {
      cwd: REPO_ROOT,
      env: fixture.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('reading commands on a read-only home', () => {
  it('change nothing in the home: no lock, no head, no journal, no checkpoint', async () => {
    expect((await run(fixture.cli, ['run', 'one', '--provider', 'simulated'], fixture.env)).code).toBe(0);
    const task = await firstTask();
    const before = snapshot(fixture.home);
    for (const args of [['tasks'], ['show', task.id], ['ledger', 'report'], ['ledger', 'verify']]) {
      const ended = await run(fixture.cli, args, fixture.env);
      expect(ended.code, `${args.join(' ')}: ${ended.stderr}`).toBe(0);
    }
    expect(snapshot(fixture.home)).toEqual(before);
  }, 60_000);

  it.runIf(canUnshare)(
    'work on a read-only bind mount of the home',
    async () => {
      expect((await run(fixture.cli, ['run', 'one', '--provider', 'simulated'], fixture.env)).code).toBe(0);
      const task = await firstTask();
      const tasks = await readOnlyCli(['tasks', '--json']);
      expect(tasks.code, tasks.stderr).toBe(0);
      expect((JSON.parse(tasks.stdout) as { id: string }[]).map((summary) => summary.id)).toEqual([task.id]);
      const shown = await readOnlyCli(['show', task.id, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      expect((JSON.parse(shown.stdout) as Task).status).toBe('completed');
      const report = await readOnlyCli(['ledger', 'report', '--by', 'task']);
      expect(report.code, report.stderr).toBe(0);
      expect(report.stdout).toContain(task.id);
      const verified = await readOnlyCli(['ledger', 'verify', '--key', fixture.ledgerKey.publicPath]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^ledger verified/);
      // A writing command is refused by the file system, with one line and no stack trace.
      const refused = await readOnlyCli(['run', 'two', '--provider', 'simulated']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});
