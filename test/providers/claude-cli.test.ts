import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaudeCliProviderOptions } from '../../src/adapters/providers/claude-cli.js';
import { createClaudeCliProvider } from '../../src/adapters/providers/claude-cli.js';
import { interpretCliExit, parseCliStdout } from '../../src/adapters/providers/claude-cli-result.js';
import { SymbiontError } from '../../src/core/errors.js';
import { planSchema } from '../../src/core/plan-schema.js';
import { buildSubtaskPrompt } from '../../src/core/subtask-prompt.js';
import type { CompletionRequest, ModelProvider } from '../../src/ports/model-provider.js';
import { failureOf } from '../failure-of.js';
import { describeProviderConformance, plannerRequest, subtaskRequest } from './provider-conformance.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../fakes/fake-claude.mjs', import.meta.url));
const ARGS = ['-p', '--model', 'sonnet', '--output-format', 'json'];
const never = new AbortController().signal;

interface LogEntry {
  argv: string[];
  stdin: string;
  pid: number;
}

/** A temp dir with the fake's log and state dir, and a provider running the fake in it. */
class FakeClaude {
  readonly directory = mkdtempSync(join(tmpdir(), 'symbiont-fake-claude-'));
  readonly logFile = join(this.directory, 'calls.jsonl');

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      FAKE_CLAUDE_LOG: this.logFile,
      FAKE_CLAUDE_STATE_DIR: join(this.directory, 'state'),
      ...extra,
    };
  }

  provider(options: ClaudeCliProviderOptions = {}, extraEnv: Record<string, string> = {}): ModelProvider {
    return createClaudeCliProvider({
      binary: FAKE_CLAUDE,
      env: this.env(extraEnv),
      killGraceMs: 500,
      ...options,
    });
  }

  calls(): LogEntry[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogEntry);
  }

  /** Waits until the fake has logged `count` calls (it logs after reading its stdin). */
  async waitForCalls(count: number): Promise<LogEntry[]> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const calls = this.calls();
      if (calls.length >= count) return calls;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the fake claude logged fewer than ${count} calls`);
  }

  cleanup(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

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
      execFileSync(FAKE_CLAUDE, ARGS, { input: call.prompt, env: fake.env() }).toString(),
    );
    const usage = printed.usage;
    expect(result.text).toBe('fake answer: Name the colour of the sky');
    expect(result.text).toBe(printed.result);
    expect(result.inputTokens).toBe(
      usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens,
    );
    expect(result.cacheReadTokens).toBe(usage.cache_read_input_tokens);
    expect(result.cacheWriteTokens).toBe(usage.cache_creation_input_tokens);
    expect(result.outputTokens).toBe(usage.output_tokens);
    expect(result.costUsd).toBe(printed.total_cost_usd);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.model).toBe('claude-sonnet-4-5-20250929');
  });

  it('passes the prompt whole on stdin and the arguments without a shell', async () => {
    const provider = fake.provider();
    const description = `Echo $(rm -rf /) and \`whoami\` and "double" 'single' $HOME; | > out.txt\n\tsecond line ✓`;
    const call = request(provider, description);
    await provider.complete(call, never);
    const [entry] = fake.calls();
    expect(entry?.stdin).toBe(call.prompt);
    expect(entry?.argv).toEqual(ARGS);
    expect(existsSync('out.txt')).toBe(false);
  });

  it('maps tiers to the configured aliases', async () => {
    const provider = fake.provider({ models: { 1: 'claude-haiku-4-5' } });
    expect([provider.modelFor(1), provider.modelFor(2), provider.modelFor(3)]).toEqual([
      'claude-haiku-4-5',
      'sonnet',
      'opus',
    ]);
    await provider.complete(subtaskRequest(provider, 'Quick one', 1), never);
    expect(fake.calls()[0]?.argv).toEqual(['-p', '--model', 'claude-haiku-4-5', '--output-format', 'json']);
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

  it('treats is_error: true as a failure that still carries the reported tokens and cost', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake mode=is_error]]'), never));
    expect(error.code).toBe('PROVIDER_SERVER_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('API Error: 500');
    expect(error.usage?.costUsd).toBeGreaterThan(0);
    expect(error.usage?.inputTokens).toBeGreaterThan(1200 + 3400);
  });

  it('classifies is_error results by their text: rate limit, overload, auth, anything else', async () => {
    const provider = fake.provider();
    const rateLimited = await failureOf(
      provider.complete(request(provider, 'x [[fake mode=rate_limit]]'), never),
    );
    expect([rateLimited.code, rateLimited.retryable, rateLimited.retryAfterMs]).toEqual([
      'PROVIDER_RATE_LIMITED',
      true,
      undefined,
    ]);
    const overloaded = await failureOf(
      provider.complete(request(provider, 'x [[fake mode=overloaded]]'), never),
    );
    expect([overloaded.code, overloaded.retryable]).toEqual(['PROVIDER_OVERLOADED', true]);
    const auth = await failureOf(provider.complete(request(provider, 'x [[fake mode=auth]]'), never));
    expect([auth.code, auth.retryable]).toEqual(['PROVIDER_AUTH', false]);
    const other = createClaudeCliProvider({
      binary: FAKE_CLAUDE,
      env: fake.env({ FAKE_CLAUDE_MODE: 'is_error', FAKE_CLAUDE_ERROR_TEXT: 'Something odd happened' }),
    });
    const refused = await failureOf(other.complete(request(other, 'x'), never));
    expect([refused.code, refused.retryable]).toEqual(['PROVIDER_REFUSED', true]);
  });

  it('fails an error subtype: error_during_execution may be retried, error_max_turns not', async () => {
    const provider = fake.provider();
    const during = await failureOf(
      provider.complete(request(provider, 'x [[fake mode=error_subtype]]'), never),
    );
    expect([during.code, during.retryable]).toEqual(['PROVIDER_REFUSED', true]);
    expect(during.message).toContain('error_during_execution');
    expect(during.usage?.costUsd).toBeGreaterThan(0);
    const maxTurns = await failureOf(
      provider.complete(request(provider, 'x [[fake mode=max_turns]]'), never),
    );
    expect([maxTurns.code, maxTurns.retryable]).toEqual(['PROVIDER_REFUSED', false]);
  });

  it('fails exit 1 with stderr as a retryable CLI exit quoting stderr', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake mode=exit1]]'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_EXIT', true]);
    expect(error.message).toBe('claude CLI exited with code 1: API Error: connection reset');
  });

  it('fails garbage on stdout as retryable bad output', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake mode=garbage]]'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_BAD_OUTPUT', true]);
  });

  it('fails a usage error (exit 2) as a bad request that is not retried', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(request(provider, 'x [[fake mode=usage_error]]'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_BAD_REQUEST', false]);
    expect(error.message).toContain('unknown option');
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
    expect([error.code, error.retryable]).toEqual(['PROVIDER_EXIT', true]);
    expect((await provider.complete(call, never)).text).toContain('fake answer: Flaky');
  });

  it('says how to fix a missing binary, without retry', async () => {
    const binary = join(fake.directory, 'no-such-claude');
    const provider = createClaudeCliProvider({ binary });
    const error = await failureOf(provider.complete(request(provider, 'x'), never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', false]);
    expect(error.message).toBe(
      `claude CLI not found at '${binary}': install Claude Code or set --claude-bin / SYMBIONT_CLAUDE_BIN`,
    );
  });

  it('survives a CLI that exits without reading its stdin', async () => {
    const provider = createClaudeCliProvider({ binary: 'false' });
    const call = { ...request(provider, 'x'), prompt: 'y'.repeat(4 * 1024 * 1024) };
    const error = await failureOf(provider.complete(call, never));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_EXIT', true]);
  });

  it('runs `claude` from PATH by default, or the binary SYMBIONT_CLAUDE_BIN names', async () => {
    const binDirectory = join(fake.directory, 'bin');
    execFileSync('mkdir', [binDirectory]);
    symlinkSync(FAKE_CLAUDE, join(binDirectory, 'claude'));
    const onPath = createClaudeCliProvider({
      env: fake.env({ PATH: `${binDirectory}${delimiter}${process.env.PATH}` }),
    });
    expect((await onPath.complete(request(onPath, 'From PATH'), never)).text).toBe('fake answer: From PATH');
    const fromEnv = createClaudeCliProvider({ env: fake.env({ SYMBIONT_CLAUDE_BIN: FAKE_CLAUDE }) });
    expect((await fromEnv.complete(request(fromEnv, 'From env'), never)).text).toBe('fake answer: From env');
    expect(fake.calls()).toHaveLength(2);
  });

  it('validates its options, naming the field', () => {
    expect(() => createClaudeCliProvider({ killGraceMs: -1 })).toThrow(/`killGraceMs`.*`-1` \(number\)/);
    expect(() => createClaudeCliProvider({ models: { 2: '-x' } })).toThrow(/`models\[2\]`/);
    expect(() => createClaudeCliProvider({ binary: '' })).toThrow(/`binary`/);
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

  it('treats an unknown option on stderr as a usage error whatever the exit code', () => {
    const exit = { stdout: '', stderr: "error: unknown option '--bogus'\n", exitCode: 1, exitSignal: null };
    expect(() => interpretCliExit(exit, context)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_BAD_REQUEST', retryable: false }),
    );
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
