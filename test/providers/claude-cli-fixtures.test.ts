// The claude-cli provider against a fake that prints the real CLI's output for every fixture
// case (test/fixtures/claude-cli/, Claude Code 2.1.332): the class, message and usage of each,
// the number of attempts the engine's retry makes, and a slow call killed at its timeout.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callReservationUsd, promptTokenBound } from '../../src/core/call-reservation.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { SymbiontError } from '../../src/core/errors.js';
import { chainPlan, makeManager } from '../engine/harness.js';
import { failureOf } from '../failure-of.js';
import { FakeClaude, fixture, fixtureNames, isAlive } from './claude-cli-harness.js';
import { plannerRequest, subtaskRequest } from './provider-conformance.js';

const never = new AbortController().signal;

type Expected = { ok: true } | { ok: false; code: ErrorCode; retryable: boolean; what: string };

const fails = (code: ErrorCode, retryable: boolean, what: string): Expected => ({
  ok: false,
  code,
  retryable,
  what,
});

/** Every fixture case and what a first call that meets it must give. */
const CASES: Record<string, Expected> = {
  success: { ok: true },
  'alias-sonnet': { ok: true },
  'alias-opus': { ok: true },
  'alias-fable': { ok: true },
  'drop-noretry': { ok: true },
  'flags-sysprompt': { ok: true },
  'json-schema-structured': { ok: true },
  'tool-read-cwd': { ok: true },
  'tool-bash': { ok: true },
  e401: fails('PROVIDER_AUTH', false, 'claude CLI could not authenticate (HTTP 401)'),
  'not-logged-in': fails('PROVIDER_AUTH', false, 'claude CLI is not logged in'),
  e400: fails('PROVIDER_BAD_REQUEST', false, 'claude CLI was refused the request (HTTP 400)'),
  e404model: fails('PROVIDER_MODEL_NOT_FOUND', false, 'claude CLI does not know the model (HTTP 404)'),
  e429: fails('PROVIDER_RATE_LIMITED', true, 'claude CLI was rate limited (HTTP 429)'),
  e500: fails('PROVIDER_SERVER_ERROR', true, 'claude CLI reported a server error (HTTP 500)'),
  e529: fails('PROVIDER_OVERLOADED', true, 'claude CLI reported an overloaded API (HTTP 529)'),
  // With CLAUDE_CODE_MAX_RETRIES=0 the CLI's first run meets the first 529.
  'e529-twice-then-ok': fails(
    'PROVIDER_OVERLOADED',
    true,
    'claude CLI reported an overloaded API (HTTP 529)',
  ),
  badjson: fails('PROVIDER_BAD_OUTPUT', true, 'claude CLI got a malformed answer from the API'),
  'max-turns': fails('PROVIDER_REFUSED', false, 'claude CLI reached its turn limit'),
  'max-budget': fails(
    'PROVIDER_REFUSED',
    false,
    'claude CLI reached its own spending limit (--max-budget-usd)',
  ),
};

interface FixtureUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  cacheCreationEphemeral1hInputTokens: number;
}

/** The tokens of a fixture as the provider must report them: input with the cache reads and writes. */
function tokensOf(json: Record<string, unknown>) {
  const usage = json.usage as Record<string, number>;
  const models = Object.values(json.modelUsage as Record<string, FixtureUsage>);
  const usageInput =
    usage.input_tokens! + usage.cache_creation_input_tokens! + usage.cache_read_input_tokens!;
  if (usageInput > 0 || usage.output_tokens! > 0 || models.length === 0) {
    return { inputTokens: usageInput, outputTokens: usage.output_tokens };
  }
  // The CLI left `usage` at zero: modelUsage holds the real tokens (max-budget).
  const sum = (pick: (model: FixtureUsage) => number) =>
    models.reduce((total, model) => total + pick(model), 0);
  return {
    inputTokens: sum(
      (model) => model.inputTokens + model.cacheReadInputTokens + model.cacheCreationInputTokens,
    ),
    outputTokens: sum((model) => model.outputTokens),
  };
}

let fake: FakeClaude;
beforeEach(() => {
  fake = new FakeClaude();
});
afterEach(() => {
  fake.cleanup();
});

describe('claude-cli against every fixture case of the real CLI', () => {
  it('has an expectation for every fixture', () => {
    expect(Object.keys(CASES).sort()).toEqual(fixtureNames());
  });

  it.each(Object.entries(CASES))('%s', async (name, expected) => {
    const provider = fake.provider();
    // With CLAUDE_CODE_MAX_RETRIES=0, e529-twice-then-ok's first run prints e529.
    const { json, exitCode } = fixture(name === 'e529-twice-then-ok' ? 'e529' : name);
    const call = provider.complete(subtaskRequest(provider, `Say hi [[fake case=${name}]]`, 1), never);
    if (expected.ok) {
      expect(exitCode).toBe(0);
      const result = await call;
      const structured = json.structured_output;
      expect(result.text).toBe(structured === undefined ? json.result : JSON.stringify(structured));
      expect(result).toMatchObject(tokensOf(json));
      expect(result.costUsd).toBe(json.total_cost_usd);
      expect(result.model).toBe(Object.keys(json.modelUsage as object)[0]);
      return;
    }
    const error = await failureOf(call);
    expect([error.code, error.retryable]).toEqual([expected.code, expected.retryable]);
    // The message says what happened, then what the CLI said: `result`, else `errors[0]`.
    // (Its first line, 300 characters at most.)
    const said = ((json.result as string | undefined) ?? (json.errors as string[])[0]!).slice(0, 300);
    expect(error.message.startsWith(`${expected.what}: ${said}`), error.message).toBe(true);
    const tokens = tokensOf(json);
    expect(error.usage).toEqual({
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      costUsd: json.total_cost_usd,
    });
  });

  it('says how to fix a bad API key, naming the HTTP status, the CLI text and the fix', async () => {
    const provider = fake.provider();
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'x [[fake case=e401]]'), never));
    expect(error.message).toBe(
      'claude CLI could not authenticate (HTTP 401): Invalid API key · Fix external API key' +
        ' (log in with `claude auth login`, or set ANTHROPIC_API_KEY; `symbiont doctor` checks)',
    );
    expect(error.context).toMatchObject({
      apiErrorStatus: 401,
      apiErrorType: 'authentication_error',
      terminalReason: 'api_error',
    });
  });

  it('reads a planning answer from structured_output', async () => {
    const provider = fake.provider();
    const request = plannerRequest(provider, 'Explain X');
    const result = await provider.complete(request, never);
    expect(JSON.parse(result.text)).toEqual(
      JSON.parse(
        JSON.stringify({
          reasoning: 'fake planner: two independent steps, then one that combines them',
          subtasks: [
            { description: 'fake step A', tier_hint: 1, depends_on: [] },
            { description: 'fake step B', tier_hint: 2, depends_on: [] },
            { description: 'combine A and B', tier_hint: 2, depends_on: [0, 1] },
          ],
        }),
      ),
    );
    const [entry] = fake.calls();
    expect(entry!.argv.slice(-2)).toEqual(['--json-schema', JSON.stringify(request.jsonSchema)]);
  });
});

describe('claude-cli attempts through the engine retry', () => {
  /** Runs a one-subtask plan whose subtask meets `name`; returns the task and the CLI runs. */
  async function runCase(name: string, settings: Record<string, unknown> = { escalate: false }) {
    const provider = fake.provider();
    const { manager, ledger } = makeManager(provider);
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan([`step [[fake case=${name}]]`]),
      settings: { max_attempts: 3, ...settings },
    });
    const task = await manager.waitForTask(receipt.id);
    const entries = ledger.entries().filter((entry) => entry.kind === 'subtask');
    return { task, entries, runs: fake.calls().length };
  }

  it.each([
    ['e529', 3, 'failed'],
    ['e529-twice-then-ok', 3, 'completed'],
    ['e429', 3, 'failed'],
    ['e500', 3, 'failed'],
    ['badjson', 3, 'failed'],
    ['e401', 1, 'failed'],
    ['not-logged-in', 1, 'failed'],
    ['e400', 1, 'failed'],
    ['e404model', 1, 'failed'],
    ['max-turns', 1, 'failed'],
  ])('%s: %i attempt(s), then %s', async (name, attempts, status) => {
    const { task, entries, runs } = await runCase(name);
    expect(task.subtasks[0]!.status).toBe(status);
    expect(runs).toBe(attempts);
    expect(entries).toHaveLength(attempts);
    expect(entries.map((entry) => entry.success)).toEqual(
      Array.from({ length: attempts }, (_, index) => status === 'completed' && index === attempts - 1),
    );
  });

  it('does not escalate a bad API key to a bigger model: one call in all', async () => {
    const { task, runs } = await runCase('e401', {});
    expect(task.subtasks[0]!.status).toBe('failed');
    expect(task.subtasks[0]!.error).toContain('Invalid API key');
    expect(runs).toBe(1);
  });
});

describe('claude-cli slow answers', () => {
  it('waits for a slow answer within the timeout', async () => {
    const provider = fake.provider();
    const result = await provider.complete(subtaskRequest(provider, 'Slow [[fake delay=300]]'), never);
    expect(result.text).toBe('fake answer: Slow [[fake delay=300]]');
  });

  it('kills a call at its timeout and ledgers it at its estimate, never at $0', async () => {
    const provider = fake.provider();
    const maxOutputTokens = 1000;
    const { manager, ledger } = makeManager(provider, { maxOutputTokens });
    const receipt = await manager.submitTask({
      prompt: 'goal',
      plan: chainPlan(['slow [[fake delay=30000]]']),
      settings: { timeout_ms: 3000, max_attempts: 1, escalate: false },
    });
    const task = await manager.waitForTask(receipt.id);
    expect(task.subtasks[0]!.error).toMatch(/timed out after 3000 ms/);
    const [run] = fake.calls();
    expect(run).toBeDefined();
    // The engine gives up at the timeout at once; the child is gone soon after (SIGTERM, then
    // SIGKILL after the grace period).
    await until(() => !isAlive(run!.pid));
    const [entry] = ledger.entries().filter((candidate) => candidate.kind === 'subtask');
    // Its estimate is what the budget reserved: the prompt's token bound (bytes, framing and
    // the CLI's declared overhead) and the full output cap, at haiku's price.
    const promptTokens = promptTokenBound(run!.stdin, provider.callBounds!.promptOverheadTokens);
    const estimate = callReservationUsd({ model: 'haiku', tier: 1, promptTokens }, maxOutputTokens);
    expect(estimate).toBeGreaterThan(0);
    expect(entry).toMatchObject({ success: false, cost_source: 'estimate', cost_usd: estimate });
    expect(task.total_cost).toBeCloseTo(estimate, 12);
  });

  it('names the oldest CLI that works when the CLI does not know a flag', async () => {
    const provider = fake.provider({}, { CLAUDE_FAKE_LACKS: '--tools' });
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'x'), never));
    expect(error).toBeInstanceOf(SymbiontError);
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', false]);
    expect(error.message).toBe(
      'claude-cli: this Claude Code CLI does not support --tools; symbiont needs 2.1.0 or later' +
        ' (run `claude update` or `npm install -g @anthropic-ai/claude-code`)',
    );
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the condition did not hold within 10 s');
}
