import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAICompatibleProvider } from '../../src/adapters/providers/openai-compatible.js';
import { openAICompatibleOptionsFromEnv } from '../../src/app/providers/openai-compatible.js';
import { rateLimitSettingsFromEnv } from '../../src/app/providers/provider-env.js';
import { PLAN_JSON_SCHEMA } from '../../src/core/plan-schema.js';
import { DEFAULT_RETRY_POLICY, nextRetry } from '../../src/core/retry-policy.js';
import { failureOf } from '../failure-of.js';
import {
  completionReply,
  FAKE_PLAN,
  type FakeChatCompletions,
  openAIError,
  startFakeChatCompletions,
} from '../fakes/fake-chat-completions.js';
import { describeProviderConformance, plannerRequest, subtaskRequest } from './provider-conformance.js';

const KEY = 'sk-test-openai-0123456789';
const MODELS = { 1: 'small-model', 2: 'medium-model', 3: 'large-model' } as const;

describeProviderConformance('openai-compatible', async () => {
  const server = await startFakeChatCompletions({ apiKey: KEY });
  const provider = new OpenAICompatibleProvider({ baseURL: server.url, apiKey: KEY, models: MODELS });
  return {
    provider,
    cleanup: () => server.close(),
    hangingRequest: () => ({ ...subtaskRequest(provider, 'Name one colour'), prompt: 'wait [[hang]]' }),
  };
});

describe('openai-compatible provider', () => {
  let server: FakeChatCompletions;
  let provider: OpenAICompatibleProvider;
  const signal = () => new AbortController().signal;

  beforeEach(async () => {
    server = await startFakeChatCompletions({ apiKey: KEY });
    provider = new OpenAICompatibleProvider({ baseURL: server.url, apiKey: KEY, models: MODELS });
  });
  afterEach(async () => {
    await server.close();
  });

  it('posts a chat completion with the bearer key and reads text and usage', async () => {
    const result = await provider.complete(
      { ...subtaskRequest(provider, 'Name one colour', 2), maxOutputTokens: 300 },
      signal(),
    );
    expect(result).toEqual({
      text: 'fake answer from medium-model',
      inputTokens: 21,
      outputTokens: 8,
      costUsd: null,
      model: 'medium-model',
    });
    const received = server.requests[0]!;
    expect(`${received.method} ${received.path}`).toBe('POST /v1/chat/completions');
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = received.body as Record<string, unknown>;
    expect(body.model).toBe('medium-model');
    expect(body.max_tokens).toBe(300);
    expect(body.stream).toBe(false);
    expect(body.response_format).toBeUndefined();
    expect(body.messages).toEqual([{ role: 'user', content: expect.stringContaining('Name one colour') }]);
  });

  it('sends no Authorization header to a server that needs no key', async () => {
    const open = await startFakeChatCompletions();
    try {
      const local = new OpenAICompatibleProvider({ baseURL: open.url, model: 'small-model' });
      await local.complete(subtaskRequest(local, 'one'), signal());
      expect(open.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('reads cached prompt tokens when the server reports them', async () => {
    const reply = completionReply('small-model', 'cached answer');
    (reply.body as { usage: Record<string, unknown> }).usage.prompt_tokens_details = { cached_tokens: 16 };
    server.script(reply);
    const result = await provider.complete(subtaskRequest(provider, 'one'), signal());
    expect(result.cacheReadTokens).toBe(16);
    expect(result.inputTokens).toBe(21);
  });

  it('asks the planner for a JSON-schema response_format', async () => {
    const result = await provider.complete(
      plannerRequest(provider, 'List colours, then sort them'),
      signal(),
    );
    expect(JSON.parse(result.text)).toEqual(FAKE_PLAN);
    const body = server.requests[0]!.body as { response_format?: unknown };
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'plan', schema: PLAN_JSON_SCHEMA, strict: true },
    });
  });

  it('turns a 429 into a retryable error carrying retry-after, so the engine waits at least that long', async () => {
    server.script(
      openAIError(429, 'requests', 'Rate limit reached', 'rate_limit_exceeded', { 'retry-after': '3' }),
    );
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect([error.code, error.retryable, error.retryAfterMs]).toEqual(['PROVIDER_RATE_LIMITED', true, 3000]);
    const decision = nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0);
    expect(decision.retry && decision.delayMs >= 3000).toBe(true);
    const result = await provider.complete(subtaskRequest(provider, 'one'), signal());
    expect(result.text).toContain('fake answer');
  });

  it('prefers retry-after-ms when the server sends it', async () => {
    server.script(
      openAIError(429, 'requests', 'Rate limit reached', 'rate_limit_exceeded', {
        'retry-after-ms': '1500',
        'retry-after': '2',
      }),
    );
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect(error.retryAfterMs).toBe(1500);
  });

  it('treats an exhausted quota as a 429 that no retry will cure', async () => {
    server.script(
      openAIError(429, 'insufficient_quota', 'You exceeded your current quota', 'insufficient_quota'),
    );
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_AUTH', false]);
    expect(error.message).toContain('quota');
  });

  it('treats 500 and 503 as retryable', async () => {
    server.script(openAIError(500, 'server_error', 'The server had an error'), {
      status: 503,
      body: 'Service Unavailable',
    });
    const first = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect([first.code, first.retryable]).toEqual(['PROVIDER_SERVER_ERROR', true]);
    const second = await failureOf(provider.complete(subtaskRequest(provider, 'two'), signal()));
    expect([second.code, second.retryable]).toEqual(['PROVIDER_SERVER_ERROR', true]);
  });

  it('fails a 401 at once with a message naming OPENAI_API_KEY and never the key', async () => {
    const wrongKey = 'sk-test-wrong-9876543210';
    const unauthorised = new OpenAICompatibleProvider({
      baseURL: server.url,
      apiKey: wrongKey,
      models: MODELS,
    });
    const error = await failureOf(unauthorised.complete(subtaskRequest(unauthorised, 'one'), signal()));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_AUTH', false]);
    expect(error.message).toContain('authentication failed: check OPENAI_API_KEY');
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain(wrongKey);
    expect(server.requests).toHaveLength(1);
  });

  it('fails an unknown model at once, naming the model and what to check', async () => {
    const error = await failureOf(
      provider.complete({ ...subtaskRequest(provider, 'one'), model: 'no-such-model' }, signal()),
    );
    expect([error.code, error.retryable]).toEqual(['PROVIDER_MODEL_NOT_FOUND', false]);
    expect(error.message).toContain("model 'no-such-model'");
    expect(error.message).toContain('does not exist');
    expect(nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0.5).retry).toBe(false);
  });

  it('reads an Ollama-style error body whose error is a string', async () => {
    server.script({ status: 404, body: { error: "model 'llama9' not found, try pulling it first" } });
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect(error.code).toBe('PROVIDER_MODEL_NOT_FOUND');
    expect(error.message).toContain('try pulling it first');
  });

  it('treats a 200 that is not a chat completion as retryable bad output', async () => {
    server.script({ status: 200, body: { unexpected: true } });
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_BAD_OUTPUT', true]);
  });

  it('prices a local server at zero, a configured model at its price, and leaves others to the table', () => {
    expect(provider.priceFor('small-model')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    const remote = new OpenAICompatibleProvider({
      baseURL: 'https://llm.example.com/v1',
      model: 'hosted-model',
      prices: { 'hosted-model': { inputPerMillion: 0.5, outputPerMillion: 1.5 } },
    });
    expect(remote.priceFor('hosted-model')).toEqual({ inputPerMillion: 0.5, outputPerMillion: 1.5 });
    expect(remote.priceFor('other-model')).toBeUndefined();
  });

  it('reads OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL and per-tier models from the environment', async () => {
    const options = openAICompatibleOptionsFromEnv({
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: KEY,
      OPENAI_MODEL: 'small-model',
      SYMBIONT_MODEL_TIER_3: 'large-model',
    });
    const fromEnv = new OpenAICompatibleProvider(options);
    expect([fromEnv.modelFor(1), fromEnv.modelFor(2), fromEnv.modelFor(3)]).toEqual([
      'small-model',
      'small-model',
      'large-model',
    ]);
    expect((await fromEnv.complete(subtaskRequest(fromEnv, 'one'), signal())).text).toContain('small-model');
    expect(openAICompatibleOptionsFromEnv({ OPENAI_MODEL: 'm' }, 'http://127.0.0.1:1/v1').baseURL).toBe(
      'http://127.0.0.1:1/v1',
    );
    expect(() => openAICompatibleOptionsFromEnv({ OPENAI_MODEL: 'm' })).toThrow(
      /--base-url or set OPENAI_BASE_URL/,
    );
    expect(() => openAICompatibleOptionsFromEnv({ OPENAI_BASE_URL: server.url })).toThrow(/OPENAI_MODEL/);
  });

  it('redacts the key should a server echo it in an error message', async () => {
    server.script(openAIError(400, 'invalid_request_error', `bad request from key ${KEY}`));
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
  });

  it('lifts the per-minute cap for a server on this machine unless the environment sets one', () => {
    expect(rateLimitSettingsFromEnv({}, true)).toEqual({ requestsPerMinute: Number.POSITIVE_INFINITY });
    expect(rateLimitSettingsFromEnv({}, false)).toEqual({});
    expect(
      rateLimitSettingsFromEnv(
        { SYMBIONT_REQUESTS_PER_MINUTE: '120', SYMBIONT_MAX_CONCURRENT_PER_MODEL: '2' },
        true,
      ),
    ).toEqual({ requestsPerMinute: 120, maxConcurrent: 2 });
    expect(() => rateLimitSettingsFromEnv({ SYMBIONT_REQUESTS_PER_MINUTE: 'lots' }, false)).toThrow(
      /SYMBIONT_REQUESTS_PER_MINUTE/,
    );
  });

  it('checks the server by listing models, spending no tokens', async () => {
    expect(await provider.check(signal())).toEqual({ ok: true, detail: `listed 3 models at ${server.url}` });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/models']);
    const missing = new OpenAICompatibleProvider({ baseURL: server.url, apiKey: KEY, model: 'absent-model' });
    const failed = await missing.check(signal());
    expect(failed).toEqual({
      ok: false,
      detail: `listed 3 models at ${server.url}; not served: absent-model`,
    });
  });

  it('refuses options without a base URL or a model for every tier', () => {
    expect(() => new OpenAICompatibleProvider({ baseURL: '', model: 'm' })).toThrow(/base URL/);
    expect(
      () => new OpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:1/v1', models: { 1: 'm' } }),
    ).toThrow(/no model for tier 2/);
  });
});
