// The `anthropic` provider: one Messages API call per attempt through the official SDK, with the
// SDK's own retries off so the engine's retry policy owns (and ledgers) every attempt. Token
// counts come from `usage`, cache fields included; the engine prices them.

import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';
import { redactUrl } from '../../core/redact.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';
import { ANTHROPIC_DEFAULT_BASE_URL, ANTHROPIC_DEFAULT_MODELS } from './anthropic-models.js';
import { rateLimitsFromHeaders } from './anthropic-rate-headers.js';
import { abortReason, connectionError, errorFromHttpStatus, redact } from './http-error.js';
import { definedModels, type ProviderCheck, positiveInteger } from './provider-options.js';

export { ANTHROPIC_DEFAULT_BASE_URL, ANTHROPIC_DEFAULT_MODELS };

export interface AnthropicProviderOptions {
  /** The API key (ANTHROPIC_API_KEY). Required; never logged or put in an error. */
  readonly apiKey: string;
  /** The API's root (ANTHROPIC_BASE_URL, for gateways and proxies). Default: https://api.anthropic.com. */
  readonly baseURL?: string | undefined;
  /** Model per tier; tiers left out keep ANTHROPIC_DEFAULT_MODELS. */
  readonly models?: Partial<Record<Tier, string>> | undefined;
  /** `max_tokens` when the request names none. Default 16,384. */
  readonly maxOutputTokens?: number | undefined;
  /**
   * The SDK's own ceiling per request, in ms. Default 600,000. The engine's AbortSignal is the
   * real timeout; this only keeps the SDK from refusing large `max_tokens` without streaming.
   */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Mark each prompt's shared prefix (instructions and goal) for the prompt cache. Default true.
   */
  readonly promptCaching?: boolean | undefined;
  /** The fetch to use (tests). Default: the global fetch. */
  readonly fetch?: typeof fetch | undefined;
  /** Milliseconds since the epoch, to read an HTTP-date retry-after. Default: Date.now. */
  readonly now?: (() => number) | undefined;
}

const DEFAULTS = {
  baseURL: ANTHROPIC_DEFAULT_BASE_URL,
  maxOutputTokens: 16_384,
  requestTimeoutMs: 600_000,
};

const KEY_VARIABLE = 'ANTHROPIC_API_KEY';

export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic';
  /** `max_tokens` is sent on every request; the prompt is sent as it is. */
  readonly callBounds = { honoursMaxOutputTokens: true, promptOverheadTokens: 0 };
  /** A prompt's shared prefix goes first, marked `cache_control: ephemeral` (5-minute cache). */
  readonly promptCache?: { minPrefixTokens(model: string): number };
  readonly baseURL: string;
  private readonly client: Anthropic;
  private readonly models: Record<Tier, string>;
  private readonly maxOutputTokens: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  private readonly secrets: string[];

  constructor(options: AnthropicProviderOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new SymbiontError('CONFIG', `the anthropic provider needs an API key: set ${KEY_VARIABLE}`, {
        context: { field: 'apiKey' },
      });
    }
    this.baseURL = (options.baseURL || DEFAULTS.baseURL).replace(/\/+$/, '');
    this.models = { ...ANTHROPIC_DEFAULT_MODELS, ...definedModels(options.models) };
    this.maxOutputTokens = positiveInteger(
      'maxOutputTokens',
      options.maxOutputTokens,
      DEFAULTS.maxOutputTokens,
    );
    this.requestTimeoutMs = positiveInteger(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      DEFAULTS.requestTimeoutMs,
    );
    this.now = options.now ?? Date.now;
    if (options.promptCaching !== false) this.promptCache = { minPrefixTokens: minCacheableTokens };
    this.secrets = [options.apiKey];
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: this.baseURL,
      maxRetries: 0,
      timeout: this.requestTimeoutMs,
      logLevel: 'off',
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  modelFor(tier: Tier): string {
    return this.models[tier];
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    if (signal.aborted) throw abortReason(signal);
    const body: MessageCreateParamsNonStreaming = {
      model: request.model,
      max_tokens: request.maxOutputTokens ?? this.maxOutputTokens,
      messages: [{ role: 'user', content: this.promptCache ? userContent(request) : request.prompt }],
    };
    if (request.purpose === 'plan' && request.jsonSchema) {
      body.output_config = { format: structuredFormat(request.jsonSchema) };
    }
    let message: Message;
    let headers: Headers;
    try {
      const answer = await this.client.messages
        .create(body, { signal, timeout: this.requestTimeoutMs })
        .withResponse();
      message = answer.data;
      headers = answer.response.headers;
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw this.translate(error, request.model);
    }
    const result = this.toResult(message);
    const rateLimits = rateLimitsFromHeaders(headers);
    if (rateLimits) result.rateLimits = rateLimits;
    return result;
  }

  /** Lists models (GET /v1/models): proves the key and the base URL without spending tokens. */
  async check(signal: AbortSignal): Promise<ProviderCheck> {
    try {
      const page = await this.client.models.list({ limit: 100 }, { signal, timeout: this.requestTimeoutMs });
      const available = new Set(page.data.map((model) => model.id));
      const missing = Object.values(this.models).filter((model) => !available.has(model));
      const detail = `listed ${page.data.length} models at ${redactUrl(this.baseURL)}`;
      if (missing.length > 0 && !page.has_more) {
        return { ok: true, detail: `${detail}; not listed (check the tier map): ${missing.join(', ')}` };
      }
      return { ok: true, detail };
    } catch (error) {
      if (signal.aborted) return { ok: false, detail: `check stopped: ${String(abortReason(signal))}` };
      return { ok: false, detail: this.translate(error, undefined).message };
    }
  }

  private toResult(message: Message): CompletionResult {
    const usage = message.usage;
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    const cacheWrite = usage.cache_creation_input_tokens ?? 0;
    const inputTokens = usage.input_tokens + cacheRead + cacheWrite;
    const text = message.content
      .filter((block) => block.type === 'text')
      .map((block) => block.text)
      .join('');
    const errorUsage = { inputTokens, outputTokens: usage.output_tokens, costUsd: null };
    if (message.stop_reason === 'refusal') {
      throw new SymbiontError('PROVIDER_REFUSED', 'the model declined to answer (stop_reason: refusal)', {
        context: { provider: this.name, model: message.model },
        usage: errorUsage,
      });
    }
    if (text.trim() === '') {
      throw new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        `the answer held no text (stop_reason: ${message.stop_reason ?? 'none'})`,
        { retryable: true, context: { provider: this.name, model: message.model }, usage: errorUsage },
      );
    }
    return {
      text,
      inputTokens,
      outputTokens: usage.output_tokens,
      cacheReadTokens: usage.cache_read_input_tokens ?? null,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? null,
      costUsd: null,
      model: message.model,
    };
  }

  private translate(error: unknown, model: string | undefined): SymbiontError {
    if (error instanceof SymbiontError) return error;
    if (error instanceof APIConnectionTimeoutError) {
      return new SymbiontError(
        'PROVIDER_TIMEOUT',
        `anthropic did not answer within ${this.requestTimeoutMs} ms`,
        {
          retryable: true,
          context: { provider: this.name, baseURL: redactUrl(this.baseURL) },
        },
      );
    }
    if (error instanceof APIConnectionError) {
      return connectionError(this.name, this.baseURL, error.cause ?? error, this.secrets);
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      return errorFromHttpStatus({
        provider: this.name,
        status: error.status,
        headers: error.headers,
        apiMessage: error.apiMessage,
        apiType: error.type,
        model,
        baseURL: this.baseURL,
        keyVariable: KEY_VARIABLE,
        secrets: this.secrets,
        now: this.now(),
      });
    }
    // A 200 whose body is not a message (a misbehaving gateway) or an SDK-side failure.
    const message = error instanceof Error ? error.message : String(error);
    return new SymbiontError(
      'PROVIDER_BAD_OUTPUT',
      redact(`anthropic answer unreadable: ${message}`, this.secrets),
      {
        retryable: true,
        context: { provider: this.name },
      },
    );
  }
}

/**
 * The fewest tokens a cached prefix must have, per the prompt-caching docs: 2,048 for Haiku
 * models, 1,024 for Sonnet, Opus and anything else. A shorter prefix marked for the cache is
 * simply not cached (no error), so this only decides whether a fan-out warms the cache first.
 */
export function minCacheableTokens(model: string): number {
  return /haiku/i.test(model) ? 2048 : 1024;
}

/**
 * The user message: the prompt as one string, or, when it starts with a shared prefix, that
 * prefix as a text block with `cache_control` and the rest as a second block.
 */
function userContent(
  request: CompletionRequest,
): MessageCreateParamsNonStreaming['messages'][number]['content'] {
  const split = request.cachePrefixChars ?? 0;
  if (split <= 0 || split > request.prompt.length) return request.prompt;
  const prefix = {
    type: 'text' as const,
    text: request.prompt.slice(0, split),
    cache_control: { type: 'ephemeral' as const },
  };
  if (split === request.prompt.length) return [prefix];
  return [prefix, { type: 'text' as const, text: request.prompt.slice(split) }];
}

/** The structured-output format (output_config.format), the schema made strict by the SDK's helper. */
function structuredFormat(schema: Record<string, unknown>): {
  type: 'json_schema';
  schema: Record<string, unknown>;
} {
  const format = jsonSchemaOutputFormat(schema as { type: 'object' });
  return { type: format.type, schema: format.schema as Record<string, unknown> };
}
