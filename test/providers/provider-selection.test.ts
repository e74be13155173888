import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_NOTICE } from '../../src/app/compose.js';
import { PROVIDERS, selectProvider } from '../../src/app/providers/registry.js';
import { doctorCommand, runDoctor } from '../../src/cli/commands/doctor.js';
import { CliExit } from '../../src/cli/exit.js';
import { findOnPath, selectProvider as selectAmong } from '../../src/config/provider-selection.js';
import { SymbiontError } from '../../src/core/errors.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeMessagesApi } from '../fakes/fake-messages-api.js';

let root: string;
/** A directory holding an executable `claude` that prints a version, as the real CLI does. */
let withClaude: string;
/** A directory holding a non-executable file named `claude`. */
let withPlainFile: string;
let empty: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'symbiont-selection-'));
  withClaude = join(root, 'bin');
  withPlainFile = join(root, 'not-executable');
  empty = join(root, 'empty');
  for (const directory of [withClaude, withPlainFile, empty]) mkdirSync(directory);
  const script = join(withClaude, 'claude');
  // `claude auth status` prints JSON with loggedIn (exit 1 when false); anything else, the version.
  writeFileSync(
    script,
    `#!${process.execPath}\nif (process.argv[2] === 'auth') process.stdout.write('{"loggedIn":true,"authMethod":"api_key"}\\n');\nelse process.stdout.write('2.1.300 (Claude Code)\\n');\n`,
  );
  chmodSync(script, 0o755);
  writeFileSync(join(withPlainFile, 'claude'), 'not a program');
  chmodSync(join(withPlainFile, 'claude'), 0o644);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function select(flag: string | undefined, env: NodeJS.ProcessEnv) {
  return selectProvider({ flag, env });
}

describe('default provider selection', () => {
  const everything = (): NodeJS.ProcessEnv => ({
    PATH: withClaude,
    SYMBIONT_PROVIDER: 'openai-compatible',
    ANTHROPIC_API_KEY: 'sk-ant-key',
    OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
  });

  it('1. takes --provider over everything else', () => {
    expect(select('claude-cli', everything())).toEqual({
      name: 'claude-cli',
      reason: 'chosen with --provider',
    });
  });

  it('2. then SYMBIONT_PROVIDER', () => {
    expect(select(undefined, everything())).toEqual({
      name: 'openai-compatible',
      reason: 'chosen with SYMBIONT_PROVIDER',
    });
  });

  it('3. then anthropic when ANTHROPIC_API_KEY is set', () => {
    const env = { ...everything(), SYMBIONT_PROVIDER: '' };
    expect(select(undefined, env)).toEqual({ name: 'anthropic', reason: 'ANTHROPIC_API_KEY is set' });
  });

  it('4. then claude-cli when an executable claude is on PATH', () => {
    const env = { PATH: [empty, withClaude].join(delimiter), OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' };
    const selection = select(undefined, env);
    expect(selection.name).toBe('claude-cli');
    expect(selection.reason).toBe(`the claude CLI is on PATH (${join(withClaude, 'claude')})`);
  });

  it('5. then openai-compatible when OPENAI_BASE_URL is set', () => {
    const env = { PATH: withPlainFile, OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' };
    expect(select(undefined, env)).toEqual({
      name: 'openai-compatible',
      reason: 'OPENAI_BASE_URL is set (http://127.0.0.1:11434/v1)',
    });
  });

  it('6. otherwise the simulator, saying why', () => {
    const selection = select(undefined, { PATH: empty });
    expect(selection.name).toBe('simulated');
    expect(selection.reason).toBe(
      'no provider is configured (no --provider, SYMBIONT_PROVIDER, ANTHROPIC_API_KEY, claude on PATH or OPENAI_BASE_URL)',
    );
  });

  it('rejects an unknown provider name from the flag or the environment', () => {
    for (const [flag, env] of [
      ['gpt', {}],
      [undefined, { SYMBIONT_PROVIDER: 'gpt' }],
    ] as const) {
      try {
        select(flag, env);
        expect.unreachable('an unknown provider must be refused');
      } catch (error) {
        expect(SymbiontError.is(error, 'INVALID_ARGUMENT')).toBe(true);
        expect((error as Error).message).toBe(
          "unknown provider 'gpt': expected simulated, claude-cli, anthropic or openai-compatible",
        );
      }
    }
  });

  it('finds only executable files on PATH', () => {
    expect(findOnPath('claude', { PATH: [withPlainFile, withClaude].join(delimiter) })).toBe(
      join(withClaude, 'claude'),
    );
    expect(findOnPath('claude', { PATH: [withPlainFile, empty].join(delimiter) })).toBeUndefined();
    expect(findOnPath('claude', {})).toBeUndefined();
  });

  it('uses an injected PATH search when given one', () => {
    const selection = selectProvider({ env: {}, findOnPath: (binary) => `/opt/fake/${binary}` });
    expect(selection).toEqual({ name: 'claude-cli', reason: 'the claude CLI is on PATH (/opt/fake/claude)' });
  });
});

describe('selection reads the registry', () => {
  it('tries a newly registered provider at its rule order, and names its trigger when none applies', () => {
    const extra = {
      name: 'local-llm',
      selection: {
        order: 15,
        trigger: 'LOCAL_LLM_URL',
        applies: ({ env }: { env: NodeJS.ProcessEnv }) =>
          env.LOCAL_LLM_URL ? 'LOCAL_LLM_URL is set' : undefined,
      },
    };
    const providers = [...PROVIDERS, extra];
    const among = (env: NodeJS.ProcessEnv, flag?: string) =>
      selectAmong({ flag, env, providers, fallback: 'simulated', findOnPath: () => '/usr/bin/claude' });
    expect(among({ LOCAL_LLM_URL: 'http://127.0.0.1:1' })).toEqual({
      name: 'local-llm',
      reason: 'LOCAL_LLM_URL is set',
    });
    expect(among({ LOCAL_LLM_URL: 'http://127.0.0.1:1', ANTHROPIC_API_KEY: 'k' }).name).toBe('anthropic');
    expect(among({}, 'local-llm')).toEqual({ name: 'local-llm', reason: 'chosen with --provider' });
    expect(() => among({}, 'gpt')).toThrow(
      "unknown provider 'gpt': expected simulated, claude-cli, anthropic, openai-compatible or local-llm",
    );
    const none = selectAmong({ env: {}, providers, fallback: 'simulated', findOnPath: () => undefined });
    expect(none).toEqual({
      name: 'simulated',
      reason:
        'no provider is configured (no --provider, SYMBIONT_PROVIDER, ANTHROPIC_API_KEY, LOCAL_LLM_URL, claude on PATH or OPENAI_BASE_URL)',
    });
  });
});

describe('symbiont doctor', () => {
  function capture() {
    const lines: string[] = [];
    return { lines, write: (text: string) => lines.push(text), text: () => lines.join('') };
  }

  it('reports the simulator, why, the data home and its notice, and passes offline', async () => {
    const output = capture();
    const env = { PATH: empty, SYMBIONT_HOME: join(root, 'home') };
    await doctorCommand({ env, write: output.write }).parseAsync([], { from: 'user' });
    expect(output.text()).toBe(
      [
        'provider: simulated',
        `why: ${selectProvider({ env }).reason}`,
        `data home: ${join(root, 'home')}`,
        SIMULATED_NOTICE,
        'check: ok: the built-in simulator needs no network and no key',
        '',
      ].join('\n'),
    );
  });

  it('checks anthropic by listing models on the fake Messages API, spending no tokens', async () => {
    const key = 'sk-ant-doctor-0123456789';
    const server = await startFakeMessagesApi({ apiKey: key });
    try {
      const output = capture();
      const env = {
        PATH: empty,
        SYMBIONT_HOME: join(root, 'home'),
        ANTHROPIC_API_KEY: key,
        ANTHROPIC_BASE_URL: server.url,
      };
      expect(await runDoctor({}, { env, write: output.write })).toBe(true);
      expect(output.text()).toContain('provider: anthropic\nwhy: ANTHROPIC_API_KEY is set\n');
      expect(output.text()).toContain(
        'models: tier 1 claude-haiku-5-5, tier 2 claude-sonnet-5-5, tier 3 claude-opus-5-5\n',
      );
      expect(output.text()).toContain(`check: ok: listed 3 models at ${server.url}\n`);
      expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        'GET /v1/models',
      ]);
      expect(output.text()).not.toContain(key);
    } finally {
      await server.close();
    }
  });

  it('fails with exit status 1 and an actionable message when the key is refused', async () => {
    const server = await startFakeMessagesApi({ apiKey: 'sk-ant-right-key' });
    try {
      const output = capture();
      const wrongKey = 'sk-ant-wrong-0123456789';
      const env = { PATH: empty, ANTHROPIC_API_KEY: wrongKey, ANTHROPIC_BASE_URL: server.url };
      const run = doctorCommand({ env, write: output.write }).parseAsync([], { from: 'user' });
      await expect(run).rejects.toBeInstanceOf(CliExit);
      await run.catch((error: CliExit) => expect(error.exitCode).toBe(1));
      expect(output.text()).toContain('check: FAILED: authentication failed: check ANTHROPIC_API_KEY');
      expect(output.text()).not.toContain(wrongKey);
    } finally {
      await server.close();
    }
  });

  it('checks the claude CLI by asking its version', async () => {
    const output = capture();
    expect(await runDoctor({}, { env: { PATH: withClaude }, write: output.write })).toBe(true);
    expect(output.text()).toContain('provider: claude-cli\n');
    expect(output.text()).toContain(
      `check: ok: ${join(withClaude, 'claude')} --version: 2.1.300 (Claude Code); claude auth status: logged in (api_key)\n`,
    );
  });

  it('checks an OpenAI-compatible server by listing its models', async () => {
    const server = await startFakeChatCompletions();
    try {
      const output = capture();
      const env = { PATH: empty, OPENAI_BASE_URL: server.url, OPENAI_MODEL: 'small-model' };
      expect(await runDoctor({}, { env, write: output.write })).toBe(true);
      expect(output.text()).toContain('provider: openai-compatible\n');
      expect(output.text()).toContain(`check: ok: listed 3 models at ${server.url}\n`);
      const unnamed = capture();
      expect(
        await runDoctor(
          { baseUrl: server.url },
          { env: { PATH: empty, SYMBIONT_PROVIDER: 'openai-compatible' }, write: unnamed.write },
        ),
      ).toBe(false);
      expect(unnamed.text()).toContain('models: not set (set OPENAI_MODEL');
    } finally {
      await server.close();
    }
  });
});
