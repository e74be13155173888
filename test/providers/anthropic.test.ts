import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANTHROPIC_DEFAULT_MODELS, AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import { anthropicOptionsFromEnv } from '../../src/app/providers/anthropic.js';
import { PLAN_JSON_SCHEMA } from '../../src/core/plan-schema.js';
import { DEFAULT_RETRY_POLICY, nextRetry } from '../../src/core/retry-policy.js';
import { failureOf } from '../failure-of.js';
import {
  anthropicError,
  type FakeMessagesApi,
  startFakeMessagesApi,
  VALID_PLAN,
} from '../fakes/fake-messages-api.js';
import { describeProviderConformance, plannerRequest, subtaskRequest } from './provider-conformance.js';

const KEY = 'sk-ant-test-0123456789';

describeProviderConformance('anthropic', async () => {
  const server = await startFakeMessagesApi({ apiKey: KEY });
  const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
  return {
    provider,
    cleanup: () => server.close(),
    hangingRequest: () => ({ ...subtaskRequest(provider, 'Name one colour'), prompt: 'wait [[hang]]' }),
  };
});

describe('anthropic provider', () => {
  let server: FakeMessagesApi;
  let provider: AnthropicProvider;
  const signal = () => new AbortController().signal;

  beforeEach(async () => {
    server = await startFakeMessagesApi({ apiKey: KEY });
    provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
  });
  afterEach(async () => {
    await server.close();
  });

  it('maps tiers to the newest Haiku, Sonnet and Opus unless configured', () => {
    expect([1, 2, 3].map((tier) => provider.modelFor(tier as 1 | 2 | 3))).toEqual([
      'claude-haiku-5-5',
      'claude-sonnet-5-5',
      'claude-opus-5-5',
    ]);
    const custom = new AnthropicProvider({
      apiKey: KEY,
      baseURL: server.url,
      models: { 2: 'claude-sonnet-4-6' },
    });
    expect(custom.modelFor(2)).toBe('claude-sonnet-4-6');
    expect(custom.modelFor(3)).toBe(ANTHROPIC_DEFAULT_MODELS[3]);
  });

  it('sends the key and version headers and a Messages API body', async () => {
    await provider.complete(
      { ...subtaskRequest(provider, 'Name one colour'), maxOutputTokens: 500 },
      signal(),
    );
    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token; older ones used x-api-key. The API takes both.
    const key = received.headers['x-api-key'] ?? received.headers.authorization?.replace(/^Bearer /, '');
    expect(key).toBe(KEY);
    expect(received.headers['anthropic-version']).toBeTruthy();
    const body = received.body as Record<string, unknown>;
    expect(body.model).toBe('claude-haiku-5-5');
    expect(body.max_tokens).toBe(500);
    expect(body.stream).toBeUndefined();
    expect(body.output_config).toBeUndefined();
    expect(body.messages).toEqual([{ role: 'user', content: expect.stringContaining('Name one colour') }]);
  });

  it('reads text and token counts from usage, cache reads and writes included', async () => {
    const result = await provider.complete(subtaskRequest(provider, 'Name one colour', 2), signal());
    expect(result).toEqual({
      text: 'fake answer from claude-sonnet-5-5',
      inputTokens: 12 + 5 + 7,
      outputTokens: 34,
      cacheReadTokens: 7,
      cacheWriteTokens: 5,
      costUsd: null,
      model: 'claude-sonnet-5-5',
    });
  });

  it('asks for structured output with the plan JSON schema when planning', async () => {
    const result = await provider.complete(
      plannerRequest(provider, 'List colours, then sort them'),
      signal(),
    );
    expect(JSON.parse(result.text)).toEqual(VALID_PLAN);
    const received = server.requests[0]!;
    expect(received.headers['anthropic-beta']).toBeUndefined();
    const body = received.body as { output_config?: { format?: Record<string, unknown> } };
    const format = body.output_config?.format as { type: string; schema: Record<string, unknown> };
    expect(format.type).toBe('json_schema');
    expect(format.schema.type).toBe('object');
    expect(format.schema.required).toEqual(PLAN_JSON_SCHEMA.required);
    expect(format.schema.additionalProperties).toBe(false);
    const subtasks = (format.schema.properties as Record<string, { items: Record<string, unknown> }>)
      .subtasks;
    expect(subtasks?.items.required).toEqual(['description', 'tier_hint', 'depends_on']);
  });

  it('turns a 429 into a retryable error carrying retry-after, so the engine waits at least that long', async () => {
    server.script(
      anthropicError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
        'retry-after': '7',
      }),
    );
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'Name one colour'), signal()));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    const decision = nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0);
    expect(decision.retry).toBe(true);
    if (decision.retry) expect(decision.delayMs).toBeGreaterThanOrEqual(7000);
    // The SDK retries nothing by itself: one attempt, one request; the next attempt succeeds.
    expect(server.requests).toHaveLength(1);
    const result = await provider.complete(subtaskRequest(provider, 'Name one colour'), signal());
    expect(result.text).toContain('fake answer');
    expect(server.requests).toHaveLength(2);
  });

  it('reads a retry-after given as an HTTP date', async () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    const dated = new AnthropicProvider({ apiKey: KEY, baseURL: server.url, now: () => now });
    server.script(
      anthropicError(429, 'rate_limit_error', 'slow down', {
        'retry-after': 'Fri, 20 Nov 2026 10:00:30 GMT',
      }),
    );
    const error = await failureOf(dated.complete(subtaskRequest(dated, 'Name one colour'), signal()));
    expect(error.retryAfterMs).toBe(30_000);
  });

  it('treats 529 overloaded and 500 as retryable, one request per attempt', async () => {
    server.script(
      anthropicError(529, 'overloaded_error', 'Overloaded'),
      anthropicError(500, 'api_error', 'Internal server error'),
    );
    const overloaded = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect(overloaded.code).toBe('PROVIDER_OVERLOADED');
    expect(overloaded.retryable).toBe(true);
    const serverError = await failureOf(provider.complete(subtaskRequest(provider, 'two'), signal()));
    expect(serverError.code).toBe('PROVIDER_SERVER_ERROR');
    expect(serverError.retryable).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('fails a 401 at once with a message naming ANTHROPIC_API_KEY and never the key', async () => {
    const wrongKey = 'sk-ant-wrong-9876543210';
    const unauthorised = new AnthropicProvider({ apiKey: wrongKey, baseURL: server.url });
    const error = await failureOf(unauthorised.complete(subtaskRequest(unauthorised, 'one'), signal()));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('authentication failed: check ANTHROPIC_API_KEY');
    expect(nextRetry(error, 1, DEFAULT_RETRY_POLICY, 0.5).retry).toBe(false);
    const everything = JSON.stringify({ message: error.message, context: error.context, usage: error.usage });
    expect(everything).not.toContain(wrongKey);
    expect(server.requests).toHaveLength(1);
  });

  it('fails 400, 403 and 404 at once with a message a person can act on', async () => {
    server.script(
      anthropicError(400, 'invalid_request_error', 'max_tokens: must be at least 1'),
      anthropicError(
        403,
        'permission_error',
        'Your API key does not have permission to use the specified resource.',
      ),
      anthropicError(404, 'not_found_error', 'model: claude-nonexistent'),
    );
    const badRequest = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect([badRequest.code, badRequest.retryable]).toEqual(['PROVIDER_BAD_REQUEST', false]);
    expect(badRequest.message).toContain('max_tokens: must be at least 1');
    const forbidden = await failureOf(provider.complete(subtaskRequest(provider, 'two'), signal()));
    expect([forbidden.code, forbidden.retryable]).toEqual(['PROVIDER_AUTH', false]);
    expect(forbidden.message).toContain('permission denied');
    const missing = await failureOf(
      provider.complete({ ...subtaskRequest(provider, 'three'), model: 'claude-nonexistent' }, signal()),
    );
    expect([missing.code, missing.retryable]).toEqual(['PROVIDER_MODEL_NOT_FOUND', false]);
    expect(missing.message).toContain("model 'claude-nonexistent'");
    expect(server.requests).toHaveLength(3);
  });

  it('reports a refusal as a non-retryable error that keeps the usage', async () => {
    server.script({
      status: 200,
      body: {
        id: 'msg_refused',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-5-5',
        content: [],
        stop_reason: 'refusal',
        stop_sequence: null,
        usage: {
          input_tokens: 9,
          output_tokens: 1,
          cache_creation_input_tokens: null,
          cache_read_input_tokens: null,
        },
      },
    });
    const error = await failureOf(provider.complete(subtaskRequest(provider, 'one'), signal()));
    expect(error.code).toBe('PROVIDER_REFUSED');
    expect(error.retryable).toBe(false);
    expect(error.usage).toEqual({ inputTokens: 9, outputTokens: 1, costUsd: null });
  });

  it('turns a refused connection into a retryable connection error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new AnthropicProvider({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}` });
    const error = await failureOf(unreachable.complete(subtaskRequest(unreachable, 'one'), signal()));
    expect(error.code).toBe('PROVIDER_CONNECTION');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('honours ANTHROPIC_BASE_URL and reads ANTHROPIC_API_KEY from the environment', async () => {
    const fromEnv = new AnthropicProvider(
      anthropicOptionsFromEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url }),
    );
    const result = await fromEnv.complete(subtaskRequest(fromEnv, 'one'), signal());
    expect(result.text).toContain('fake answer');
    expect(() => anthropicOptionsFromEnv({})).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('checks the key by listing models, spending no tokens', async () => {
    expect(await provider.check(signal())).toEqual({ ok: true, detail: `listed 3 models at ${server.url}` });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/models']);
    const unauthorised = new AnthropicProvider({ apiKey: 'sk-ant-wrong-key', baseURL: server.url });
    const failed = await unauthorised.check(signal());
    expect(failed.ok).toBe(false);
    expect(failed.detail).toContain('authentication failed: check ANTHROPIC_API_KEY');
  });

  it('refuses to start without an API key', () => {
    expect(() => new AnthropicProvider({ apiKey: '' })).toThrow(/ANTHROPIC_API_KEY/);
  });
});
