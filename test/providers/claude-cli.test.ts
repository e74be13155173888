import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaudeCliProvider } from '../../src/adapters/providers/claude-cli.js';
import { claudeAuthStatus, parseAuthStatus } from '../../src/adapters/providers/claude-cli-auth.js';
import {
  childEnvironment,
  isOlderThanMinimum,
  SYMBIONT_SYSTEM_PROMPT,
} from '../../src/adapters/providers/claude-cli-invocation.js';
import { interpretCliExit, parseCliStdout } from '../../src/adapters/providers/claude-cli-result.js';
import { SymbiontError } from '../../src/core/errors.js';
import { planSchema } from '../../src/core/plan-schema.js';
import { buildSubtaskPrompt } from '../../src/core/subtask-prompt.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';
import { failureOf } from '../failure-of.js';
import { FAKE_CLAUDE, FakeClaude, isAlive } from './claude-cli-harness.js';
import { describeProviderConformance, plannerRequest, subtaskRequest } from './provider-conformance.js';

/** The argv of every call: a bounded, tool-less, context-free model call. */
const BOUNDED = [
  '--tools',
  '',
  '--max-turns',
  '1',
  '--no-session-persistence',
  '--strict-mcp-config',
  '--system-prompt',
  SYMBIONT_SYSTEM_PROMPT,
];
const ARGS = ['-p', '--model', 'sonnet', '--output-format', 'json', ...BOUNDED];
const never = new AbortController().signal;

function request(provider: ModelProvider, description: string): CompletionRequest {
  return subtaskRequest(provider, description, 2);
}

describeProviderConformance('claude-cli against a fake claude executable', async () => {
  const fake = new FakeClaude();
  const provider = fake.provider();
  return {
    provider,
    cleanup: async () => fake.cleanup(),
    hangingRequest: () => request(provider, 'Wait [[fake mode=hang]]'),
  };
});

describe('claude-cli provider', () => {
  let fake: FakeClaude;
  beforeEach(() => {
    fake = new FakeClaude();
  });
  afterEach(() => {
    fake.cleanup();
  });

  it('reads result, tokens with the cache fields, and total_cost_usd from the JSON the CLI printed', async () => {
    const provider = fake.provider();
    const call = request(provider, 'Name the colour of the sky');
    const result = await provider.complete(call, never);
    const printed = JSON.parse(
      execFileSync(FAKE_CLAUDE, ARGS, {
        input: call.prompt,
        env: childEnvironment(fake.env(), call),
      }).toString(),
    );
    const usage = printed.usage;
    expect(result.text).toBe('fake answer: Name the colour of the sky');
    expect(result.text).toBe(printed.result);
    expect(result.inputTokens).toBe(
      usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    );
    expect(result.cacheReadTokens).toBe(usage.cache_read_input_tokens);
    expect(result.cacheWriteTokens).toBe(usage.cache_creation_input_tokens);
    expect(result.cacheWriteTokens).toBeGreaterThan(0);
    expect(result.cacheWrite1hTokens).toBe(0);
    expect(result.outputTokens).toBe(usage.output_tokens);
    expect(result.costUsd).toBe(printed.total_cost_usd);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.model).toBe('claude-sonnet-5-5');
  });

  it('runs a bounded, tool-less, context-free call: the argv the CLI receives', async () => {
    const provider = fake.provider();
    const description = `Echo $(rm -rf /) and \`whoami\` and "double" 'single' $HOME; | > out.txt\n\tsecond line ✓`;
    const call = request(provider, description);
    await provider.complete(call, never);
    const [entry] = fake.calls();
    expect(entry?.stdin).toBe(call.prompt);
    expect(entry?.argv).toEqual(ARGS);
    expect(entry?.argv).not.toContain('--bare');
    expect(existsSync('out.txt')).toBe(false);
  });

  it('adds --json-schema to a planning call, with the two turns its StructuredOutput tool takes', async () => {
    const provider = fake.provider();
    const call = plannerRequest(provider, 'Do two things');
    await provider.complete(call, never);
    const [entry] = fake.calls();
    expect(entry?.argv).toEqual([
      '-p',
      '--model',
      'haiku',
      '--output-format',
      'json',
      '--tools',
      '',
      '--max-turns',
      '2',
      '--no-session-persistence',
      '--strict-mcp-config',
      '--system-prompt',
      SYMBIONT_SYSTEM_PROMPT,
      '--json-schema',
      JSON.stringify(call.jsonSchema),
    ]);
  });

  it('gives the child only the environment the CLI needs, with CLAUDE_CODE_MAX_RETRIES=0', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: '/home/someone',
      LANG: 'en_GB.UTF-8',
      LC_ALL: 'en_GB.UTF-8',
      TMPDIR: tmpdir(),
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CONFIG_DIR: '/home/someone/.claude',
      CLAUDE_CODE_MAX_RETRIES: '10',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      GITHUB_TOKEN: 'ghp_not_for_the_cli',
      AWS_SECRET_ACCESS_KEY: 'not-for-the-cli',
      DATABASE_URL: 'postgres://user:secret@db/app',
      SYMBIONT_API_TOKEN: 'not-for-the-cli',
      NODE_OPTIONS: '--require /tmp/evil.js',
      CLAUDE_FAKE_LOG: fake.logFile,
    };
    const provider = createClaudeCliProvider({ binary: FAKE_CLAUDE, env, workDir: fake.workDir });
    await provider.complete({ ...request(provider, 'x'), maxOutputTokens: 2048 }, never);
    const [entry] = fake.calls();
    expect(entry!.env).toEqual({
      PATH: process.env.PATH,
      HOME: '/home/someone',
      LANG: 'en_GB.UTF-8',
      LC_ALL: 'en_GB.UTF-8',
      TMPDIR: tmpdir(),
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CONFIG_DIR: '/home/someone/.claude',
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '2048',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      CLAUDE_FAKE_LOG: fake.logFile,
    });
  });

  it('reads the environment when the provider is made, not on every call', async () => {
    const env: NodeJS.ProcessEnv = { ...fake.env(), ANTHROPIC_MODEL: 'first' };
    delete env.ANTHROPIC_API_KEY;
    const provider = createClaudeCliProvider({ binary: FAKE_CLAUDE, env, workDir: fake.workDir });
    env.ANTHROPIC_MODEL = 'changed later';
    env.ANTHROPIC_API_KEY = 'sk-ant-added-later';
    await provider.complete(request(provider, 'x'), never);
    await provider.complete(request(provider, 'y'), never);
    const calls = fake.calls();
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.env.ANTHROPIC_MODEL).toBe('first');
      expect(call.env).not.toHaveProperty('ANTHROPIC_API_KEY');
      expect(call.env.CLAUDE_CODE_MAX_RETRIES).toBe('0');
    }
  });

  it('passes cloud credentials only when the CLI is told to use that cloud', () => {
    const base = { PATH: '/bin', AWS_PROFILE: 'work', GOOGLE_APPLICATION_CREDENTIALS: '/k.json' };
    const call = { prompt: 'x', model: 'sonnet', tier: 2 as const, purpose: 'subtask' as const };
    expect(childEnvironment(base, call)).toEqual({ PATH: '/bin', CLAUDE_CODE_MAX_RETRIES: '0' });
    expect(childEnvironment({ ...base, CLAUDE_CODE_USE_BEDROCK: '1' }, call)).toMatchObject({
      AWS_PROFILE: 'work',
    });
    expect(childEnvironment({ ...base, CLAUDE_CODE_USE_BEDROCK: '1' }, call)).not.toHaveProperty(
      'GOOGLE_APPLICATION_CREDENTIALS',
    );
    expect(childEnvironment({ ...base, CLAUDE_CODE_USE_VERTEX: 'true' }, call)).toMatchObject({
      GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
    });
  });

  it("runs the CLI in an empty owner-only directory of its own, never the caller's", async () => {
    const provider = fake.provider();
    await provider.complete(request(provider, 'Where am I'), never);
    const [entry] = fake.calls();
    expect(entry!.cwd).toBe(fake.workDir);
    expect(entry!.cwd).not.toBe(process.cwd());
    expect(statSync(fake.workDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(fake.workDir)).toEqual([]);
  });

  it('without a work directory, uses a private one under the temp directory', async () => {
    const provider = createClaudeCliProvider({ binary: FAKE_CLAUDE, env: fake.env() });
    await provider.complete(request(provider, 'Where am I'), never);
    await provider.complete(request(provider, 'And now'), never);
    const [first, second] = fake.calls();
    expect(dirname(first!.cwd)).toBe(tmpdir());
    expect(first!.cwd).not.toBe(process.cwd());
    expect(second!.cwd).toBe(first!.cwd);
    expect(statSync(first!.cwd).mode & 0o777).toBe(0o700);
  });

  it('tightens an existing work directory to owner-only and refuses a file in its place', async () => {
    mkdirSync(fake.workDir, { recursive: true, mode: 0o755 });
    const provider = fake.provider();
    await provider.complete(request(provider, 'x'), never);
    expect(statSync(fake.workDir).mode & 0o777).toBe(0o700);
    const file = join(fake.directory, 'a-file');
    writeFileSync(file, '');
    const misplaced = fake.provider({ workDir: file });
    const error = await failureOf(misplaced.complete(request(misplaced, 'x'), never));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain(`cannot use '${file}' as the CLI's working directory`);
  });

  it('maps tiers to the configured aliases', async () => {
    const provider = fake.provider({ models: { 1: 'claude-haiku-5-5' } });
    expect([provider.modelFor(1), provider.modelFor(2), provider.modelFor(3)]).toEqual([
      'claude-haiku-5-5',
      'sonnet',
      'opus',
    ]);
    const result = await provider.complete(subtaskRequest(provider, 'Quick one', 1), never);
    expect(fake.calls()[0]?.argv.slice(0, 5)).toEqual([
      '-p',
      '--model',
      'claude-haiku-5-5',
      '--output-format',
      'json',
    ]);
    expect(result.model).toBe('claude-haiku-5-5');
  });

  it('refuses a model name that could read as an option, without running the CLI', async () => {
    const provider = fake.provider();
    const call = { ...request(provider, 'x'), model: '--dangerously-skip-permissions' };
    const error = await failureOf(provider.complete(call, never));
    expect(error.code).toBe('PROVIDER_BAD_REQUEST');
    expect(fake.calls()).toEqual([]);
  });

  it('answers a planner prompt with the plan the CLI wrote', async () => {
    const provider = fake.provider();
    const result = await provider.complete(
      plannerRequest(provider, 'Do two things [[fake mode=hang]]'),
      never,
    );
    const plan = planSchema.parse(JSON.parse(result.text));
    expect(plan.subtasks.map((step) => step.depends_on)).toEqual([[], [], [0, 1]]);
  });

  it('fails exit 1 with stderr and no JSON as a retryable CLI exit quoting stderr', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake case=crash]]'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_EXIT', true]);
    expect(error.message).toBe('claude CLI exited with code 1: API Error: connection reset');
  });

  it('fails garbage on stdout as retryable bad output', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake case=garbage]]'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_BAD_OUTPUT', true]);
  });

  it('kills a CLI that hangs past the timeout and rejects with the timeout reason', async () => {
    const provider = fake.provider();
    const controller = new AbortController();
    const call = provider.complete(request(provider, 'Wait [[fake mode=hang]]'), controller.signal);
    const [entry] = await fake.waitForCalls(1);
    expect(isAlive(entry!.pid)).toBe(true);
    const reason = new SymbiontError('PROVIDER_TIMEOUT', 'timed out after 100 ms', { retryable: true });
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(isAlive(entry!.pid)).toBe(false);
  });

  it('kills a slow answer (SIGTERM ends its wait) when the signal aborts', async () => {
    const provider = fake.provider();
    const controller = new AbortController();
    const call = provider.complete(request(provider, 'Slow [[fake delay=30000]]'), controller.signal);
    const [entry] = await fake.waitForCalls(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(isAlive(entry!.pid)).toBe(false);
  });

  it('sends SIGKILL after the grace period to a CLI that ignores SIGTERM', async () => {
    const provider = fake.provider({ killGraceMs: 200 });
    const controller = new AbortController();
    const call = provider.complete(
      request(provider, 'Wait [[fake mode=hang_ignore_term]]'),
      controller.signal,
    );
    const [entry] = await fake.waitForCalls(1);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(isAlive(entry!.pid)).toBe(false);
  });

  it('fails a transient error as retryable, and the next attempt succeeds', async () => {
    const provider = fake.provider();
    const call = request(provider, 'Flaky [[fake mode=fail_once]]');
    const error = await failureOf(provider.complete(call, never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_OVERLOADED', true]);
    expect((await provider.complete(call, never)).text).toContain('fake answer: Flaky');
  });

  it('says how to fix a missing binary, without retry', async () => {
    const binary = join(fake.directory, 'no-such-claude');
    const provider = createClaudeCliProvider({ binary, workDir: fake.workDir });
    const error = await failureOf(provider.complete(request(provider, 'x'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', false]);
    expect(error.message).toBe(
      `claude CLI not found at '${binary}': install Claude Code or set --claude-bin / SYMBIONT_CLAUDE_BIN`,
    );
  });

  it('survives a CLI that exits without reading its stdin', async () => {
    const provider = createClaudeCliProvider({ binary: 'false', workDir: fake.workDir });
    const call = { ...request(provider, 'x'), prompt: 'y'.repeat(4 * 1024 * 1024) };
    const error = await failureOf(provider.complete(call, never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_EXIT', true]);
  });

  it('runs `claude` from PATH by default, or the binary SYMBIONT_CLAUDE_BIN names', async () => {
    const binDirectory = join(fake.directory, 'bin');
    mkdirSync(binDirectory);
    symlinkSync(FAKE_CLAUDE, join(binDirectory, 'claude'));
    const onPath = createClaudeCliProvider({
      env: fake.env({ PATH: `${binDirectory}${delimiter}${process.env.PATH}` }),
      workDir: fake.workDir,
    });
    expect((await onPath.complete(request(onPath, 'From PATH'), never)).text).toBe('fake answer: From PATH');
    const fromEnv = createClaudeCliProvider({
      env: fake.env({ SYMBIONT_CLAUDE_BIN: FAKE_CLAUDE }),
      workDir: fake.workDir,
    });
    expect((await fromEnv.complete(request(fromEnv, 'From env'), never)).text).toBe('fake answer: From env');
    expect(fake.calls()).toHaveLength(2);
  });

  it('validates its options, naming the field', () => {
    expect(() => createClaudeCliProvider({ killGraceMs: -1 })).toThrow(/`killGraceMs`.*`-1` \(number\)/);
    expect(() => createClaudeCliProvider({ models: { 2: '-x' } })).toThrow(/`models\[2\]`/);
    expect(() => createClaudeCliProvider({ binary: '' })).toThrow(/`binary`/);
    expect(() => createClaudeCliProvider({ workDir: '' })).toThrow(/`workDir`/);
    expect(() => createClaudeCliProvider({ systemPrompt: ' ' })).toThrow(/`systemPrompt`/);
  });
});

describe('claude auth status', () => {
  let fake: FakeClaude;
  beforeEach(() => {
    fake = new FakeClaude();
  });
  afterEach(() => {
    fake.cleanup();
  });

  it('reports a login, and how, without a request', async () => {
    const status = await claudeAuthStatus(FAKE_CLAUDE, fake.env({ ANTHROPIC_API_KEY: 'sk-ant-x' }), never);
    expect(status).toEqual({
      ok: true,
      loggedIn: true,
      authMethod: 'api_key',
      detail: 'claude auth status: logged in (api_key)',
    });
    expect(fake.calls().map((call) => call.argv)).toEqual([['auth', 'status']]);
  });

  it('reports no login (the CLI exits 1) with the fix', async () => {
    const status = await claudeAuthStatus(FAKE_CLAUDE, fake.env({ CLAUDE_FAKE_AUTH: 'none' }), never);
    expect(status).toEqual({
      ok: false,
      loggedIn: false,
      detail: 'claude auth status: not logged in: log in with `claude auth login`, or set ANTHROPIC_API_KEY',
    });
  });

  it('tells a CLI older than the minimum from its --version output', () => {
    expect(isOlderThanMinimum('2.1.332 (Claude Code)')).toBe(false);
    expect(isOlderThanMinimum('2.1.0 (Claude Code)')).toBe(false);
    expect(isOlderThanMinimum('3.0.1 (Claude Code)')).toBe(false);
    expect(isOlderThanMinimum('2.0.77 (Claude Code)')).toBe(true);
    expect(isOlderThanMinimum('1.0.128 (Claude Code)')).toBe(true);
    expect(isOlderThanMinimum('no version here')).toBe(false);
  });

  it('says so when the CLI prints something else', async () => {
    const status = await claudeAuthStatus('false', {}, never);
    expect(status.ok).toBe(false);
    expect(status.loggedIn).toBeNull();
    expect(parseAuthStatus('{"loggedIn":"yes"}')).toBeUndefined();
    expect(parseAuthStatus('2.1.332 (Claude Code)')).toBeUndefined();
  });
});

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('claude-cli result parsing', () => {
  const context = { provider: 'claude-cli' };
  const success = { type: 'result', subtype: 'success', is_error: false, result: 'hi', total_cost_usd: 0.01 };

  it('finds the result in a verbose array of messages and ignores extra fields', () => {
    const stdout = JSON.stringify([
      { type: 'system', subtype: 'init' },
      { ...success, extra: { nested: true } },
    ]);
    expect(parseCliStdout(stdout)?.result).toBe('hi');
    expect(parseCliStdout('{"type":"assistant"}')).toBeUndefined();
  });

  it('reports null tokens when the CLI gives no usage', () => {
    const result = interpretCliExit(
      { stdout: JSON.stringify(success), stderr: '', exitCode: 0, exitSignal: null },
      context,
    );
    expect([result.inputTokens, result.outputTokens, result.costUsd]).toEqual([null, null, 0.01]);
  });

  it('treats an unknown option as a CLI too old for the flags symbiont passes', () => {
    const exit = {
      stdout: '',
      stderr: "error: unknown option '--strict-mcp-config'\n",
      exitCode: 1,
      exitSignal: null,
    };
    const error = thrownBy(() => interpretCliExit(exit, context)) as SymbiontError;
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', false]);
    expect(error.message).toMatch(
      /^claude-cli: this Claude Code CLI does not support --strict-mcp-config; symbiont needs 2\.1\.0 or later/,
    );
  });

  it('treats another usage error as a bad request whatever the exit code', () => {
    const exit = {
      stdout: '',
      stderr: "error: missing required argument 'prompt'\n",
      exitCode: 1,
      exitSignal: null,
    };
    expect(() => interpretCliExit(exit, context)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_BAD_REQUEST', retryable: false }),
    );
  });

  it('classifies by the fields before the text: a 529 whose text speaks of a login is an overload', () => {
    const result = {
      type: 'result',
      subtype: 'success',
      is_error: true,
      result: 'API Error: please /login again later',
      api_error_status: 529,
      api_error_type: 'overloaded_error',
      terminal_reason: 'api_error',
    };
    const exit = { stdout: JSON.stringify(result), stderr: '', exitCode: 1, exitSignal: null };
    expect(() => interpretCliExit(exit, context)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_OVERLOADED', retryable: true }),
    );
  });

  it('shows errors[0] when an error subtype has no result text', () => {
    const result = { type: 'result', subtype: 'error_during_execution', is_error: true, errors: ['boom'] };
    const exit = { stdout: JSON.stringify(result), stderr: '', exitCode: 1, exitSignal: null };
    const error = thrownBy(() => interpretCliExit(exit, context)) as SymbiontError;
    expect([error.code, error.retryable, error.message]).toEqual([
      'PROVIDER_REFUSED',
      true,
      'claude CLI reported an error: boom',
    ]);
  });

  it('quotes only the first stderr line, capped at 300 characters', () => {
    const exit = {
      stdout: '',
      stderr: `\n  ${'e'.repeat(500)}\nSECRET=abc\n`,
      exitCode: 1,
      exitSignal: null,
    };
    const message = (thrownBy(() => interpretCliExit(exit, context)) as SymbiontError).message;
    expect(message).toContain('e'.repeat(300));
    expect(message).not.toContain('e'.repeat(301));
    expect(message).not.toContain('SECRET');
  });

  it('treats a CLI ended by a signal as a retryable exit', () => {
    const exit = { stdout: '', stderr: '', exitCode: null, exitSignal: 'SIGKILL' };
    expect(() => interpretCliExit(exit, context)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_EXIT', retryable: true }),
    );
  });
});

describe('claude-cli subtask prompts', () => {
  it('reads the fake mode only from the subtask, not from the goal', async () => {
    const fake = new FakeClaude();
    try {
      const provider = fake.provider();
      const prompt = buildSubtaskPrompt({
        goal: 'Everything [[fake mode=hang]]',
        description: 'Just this step',
        dependencies: [],
        contextChars: 100,
      });
      const result = await provider.complete({ prompt, model: 'sonnet', tier: 2, purpose: 'subtask' }, never);
      expect(result.text).toBe('fake answer: Just this step');
    } finally {
      fake.cleanup();
    }
  });
});
