// The claude-cli provider's CLI children are started by a spawn helper process
// (src/adapters/providers/spawn-helper/), never by the process that makes the call: these
// tests check that, and what the provider promised before still holds through it (abort,
// output cap, spawn errors, streaming), and the helper's faults: killed mid-call, and its
// parent gone.

import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaudeCliProvider } from '../../src/adapters/providers/claude-cli.js';
import type { CliProcessEvents } from '../../src/adapters/providers/spawn-helper/cli-process.js';
import { HelperConnection } from '../../src/adapters/providers/spawn-helper/helper-connection.js';
import { HELPER_POOL_SIZE } from '../../src/adapters/providers/spawn-helper/spawner.js';
import { SymbiontError } from '../../src/core/errors.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';
import { failureOf } from '../failure-of.js';
import { FAKE_CLAUDE, FakeClaude, isAlive } from './claude-cli-harness.js';

const never = new AbortController().signal;
const SECRET = 'sk-ant-spawner-test-secret-0123456789';
const CHILD_SCRIPT = new URL('./claude-cli-child-process.ts', import.meta.url).pathname;

function request(prompt: string): CompletionRequest {
  return { prompt, model: 'haiku', tier: 1, purpose: 'subtask' };
}

/** Gone, or a zombie no one reaps (this machine's init may not): either way, not running. */
function isGone(pid: number): boolean {
  if (!isAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return !isAlive(pid);
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

function ended(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('claude-cli through the spawn helper', () => {
  let fake: FakeClaude;
  const strays: number[] = [];
  beforeEach(() => {
    fake = new FakeClaude();
  });
  afterEach(() => {
    for (const pid of strays.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    fake.cleanup();
  });

  it('starts the CLI from a helper process shared by every provider, never from this process', async () => {
    const first = fake.provider();
    const second = fake.provider();
    await first.complete(request('one'), never);
    await second.complete(request('two'), never);
    const [a, b] = fake.calls();
    expect(a!.ppid).not.toBe(process.pid);
    expect(b!.ppid).toBe(a!.ppid);
    expect(readFileSync(`/proc/${a!.ppid}/cmdline`, 'utf8')).toMatch(/^symbiont-spawn-helper\0*$/);
  });

  it(`spreads calls in flight over ${HELPER_POOL_SIZE} helper(s), started as they are needed`, async () => {
    const provider = fake.provider();
    const controller = new AbortController();
    const calls = [1, 2, 3, 4].map((n) =>
      provider.complete(request(`wait ${n} [[fake mode=hang]]`), controller.signal).catch((e) => e),
    );
    const entries = await fake.waitForCalls(4);
    controller.abort(new Error('done'));
    await Promise.all(calls);
    expect(new Set(entries.map((entry) => entry.ppid)).size).toBe(HELPER_POOL_SIZE);
    for (const entry of entries) expect(isGone(entry.pid)).toBe(true);
  });

  it('on abort, SIGTERM then SIGKILL reach a CLI that ignores SIGTERM; the helper lives on', async () => {
    const provider = fake.provider({ killGraceMs: 200 });
    const controller = new AbortController();
    const call = provider.complete(request('wait [[fake mode=hang_ignore_term]]'), controller.signal);
    const [entry] = await fake.waitForCalls(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(isGone(entry!.pid)).toBe(true);
    expect(isAlive(entry!.ppid)).toBe(true);
    expect((await provider.complete(request('after'), never)).text).toContain('after');
  });

  it('enforces the output cap: a CLI printing without end is killed and the call fails as bad output', async () => {
    const binary = join(fake.directory, 'endless-claude');
    const pidFile = join(fake.directory, 'endless.pid');
    writeFileSync(binary, `#!/bin/sh\necho $$ > '${pidFile}'\ncat > /dev/null\nexec yes 'endless output'\n`);
    chmodSync(binary, 0o755);
    const provider = createClaudeCliProvider({ binary, workDir: fake.workDir, killGraceMs: 200 });
    const error = await failureOf(provider.complete(request('x'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_BAD_OUTPUT', true]);
    expect(error.message).toBe(`claude CLI printed more than ${64 * 1024 * 1024} bytes`);
    expect(isGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  }, 60_000);

  it('keeps the messages of a missing and of a non-executable binary', async () => {
    const missing = join(fake.directory, 'no-such-claude');
    const notExecutable = join(fake.directory, 'not-executable-claude');
    writeFileSync(notExecutable, '#!/bin/sh\necho hi\n');
    chmodSync(notExecutable, 0o644);
    const fix = 'install Claude Code or set --claude-bin / SYMBIONT_CLAUDE_BIN';
    for (const [binary, problem] of [
      [missing, 'not found'],
      [notExecutable, 'not executable'],
    ] as const) {
      const provider = createClaudeCliProvider({ binary, workDir: fake.workDir });
      const error = await failureOf(provider.complete(request('x'), never));
      expect([error.code, error.retryable, error.message]).toEqual([
        'PROVIDER_UNAVAILABLE',
        false,
        `claude CLI ${problem} at '${binary}': ${fix}`,
      ]);
    }
  });

  it('streams the answer to onText as the CLI prints it', async () => {
    const provider = fake.provider({}, { CLAUDE_FAKE_STREAM_GAP_MS: '5' });
    const pieces: string[] = [];
    const result = await provider.complete(request('stream this answer'), never, (text) => pieces.push(text));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(result.text);
    expect(result.text).toContain('stream this answer');
  });

  it('fails the calls in flight, retryably and without secrets, when the helper dies, and ends its CLI; the next call starts a new one', async () => {
    const provider: ModelProvider = fake.provider({}, { ANTHROPIC_API_KEY: SECRET });
    const call = provider.complete(request('wait [[fake mode=hang]]'), never);
    const [entry] = await fake.waitForCalls(1);
    strays.push(entry!.pid);
    process.kill(entry!.ppid, 'SIGKILL');
    const error = await failureOf(call);
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', true]);
    expect(error.message).toBe(
      `the claude-cli spawn helper (pid ${entry!.ppid}) was killed by SIGKILL; the next call starts a new helper`,
    );
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain(SECRET);
    // The CLI call the helper was running does not go on unseen.
    await until(() => isGone(entry!.pid), "the dead helper's CLI has been ended");
    expect((await provider.complete(request('again'), never)).text).toContain('again');
    const next = fake.calls()[1]!;
    expect(next.ppid).not.toBe(entry!.ppid);
    expect(next.env.ANTHROPIC_API_KEY).toBe(SECRET);
  });

  it('ends the helper and its CLI children when the process that started them is killed', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD_SCRIPT, FAKE_CLAUDE, fake.workDir, 'wait [[fake mode=hang_ignore_term]]'],
      { env: fake.env(), stdio: 'ignore' },
    );
    const exited = ended(child);
    const [entry] = await fake.waitForCalls(1);
    strays.push(entry!.pid, entry!.ppid);
    expect(entry!.ppid).not.toBe(child.pid);
    child.kill('SIGKILL');
    await exited;
    await until(() => isGone(entry!.ppid) && isGone(entry!.pid), 'the helper and the CLI have exited');
  }, 60_000);

  it('never keeps a process alive: one that made a call ends by itself', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD_SCRIPT, FAKE_CLAUDE, fake.workDir, 'bye'],
      {
        env: fake.env(),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    expect(await ended(child)).toBe(0);
    expect(JSON.parse(output).text).toContain('bye');
    const [entry] = fake.calls();
    await until(() => isGone(entry!.ppid), 'the helper has exited');
    expect(existsSync(fake.logFile)).toBe(true);
  }, 60_000);

  it('says so, retryably, when the helper cannot be started at all', async () => {
    const node = join(fake.directory, 'no-such-node');
    const helper = new HelperConnection(node);
    const lost = new Promise<SymbiontError>((resolve, reject) => {
      const unexpected = (what: string) => () => reject(new Error(`unexpected ${what}`));
      const events: CliProcessEvents = {
        stdout: unexpected('stdout'),
        stderr: unexpected('stderr'),
        spawnError: unexpected('spawn error'),
        exit: unexpected('exit'),
        close: unexpected('close'),
        lost: resolve,
      };
      helper.start(
        { binary: FAKE_CLAUDE, argv: [], cwd: fake.directory, env: {}, stdin: '', stream: false },
        events,
      );
    });
    const error = await lost;
    expect(error).toBeInstanceOf(SymbiontError);
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', true]);
    expect(error.message).toBe(
      `could not start the claude-cli spawn helper (${node}): spawn ${node} ENOENT; the next call starts a new helper`,
    );
    expect(helper.alive).toBe(false);
    expect(() =>
      helper.start(
        { binary: FAKE_CLAUDE, argv: [], cwd: fake.directory, env: {}, stdin: '', stream: false },
        {} as CliProcessEvents,
      ),
    ).toThrow(/spawn helper is gone/);
  });
});
