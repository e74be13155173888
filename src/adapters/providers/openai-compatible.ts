// The `openai-compatible` provider: one chat-completions call per attempt with plain fetch, for
// any server that speaks it (OpenAI, Ollama, vLLM, llama.cpp server). Prices come from the
// configured table, zero by default for a server on this machine; the engine does the pricing.

import { z } from 'zod';
import { SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';
import type {
  CompletionRequest,
  CompletionResult,
  ModelProvider,
  TextSink,
} from '../../ports/model-provider.js';
import {
  checkOpenAICompatibleServer,
  isLocalURL,
  type OpenAICompatibleConnection,
  PROVIDER_NAME,
  parseBaseURL,
  sendJson,
} from './openai-compatible-http.js';
import { definedModels, invalidOption, type ProviderCheck, TIERS } from './provider-options.js';

export interface ModelPricePerMillion {
  inputPerMillion: number;
  outputPerMillion: number;
}

export interface OpenAICompatibleProviderOptions {
  /** The API root, `/v1` included (--base-url or OPENAI_BASE_URL), e.g. http://127.0.0.1:11434/v1. Required. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer` (OPENAI_API_KEY). Default: none, for local servers. */
  readonly apiKey?: string | undefined;
  /** Model per tier. Tiers left out use `model`. */
  readonly models?: Partial<Record<Tier, string>> | undefined;
  /** The model of every tier not named in `models`. At least one of the two must name each tier. */
  readonly model?: string | undefined;
  /** USD per million tokens per model name; overrides the built-in table. Default: none. */
  readonly prices?: Readonly<Record<string, ModelPricePerMillion>> | undefined;
  /**
   * Price of a model missing from `prices`. Default: zero when the base URL is on this machine
   * (localhost, 127.0.0.0/8, ::1), else none, and the engine uses its table or estimate.
   */
  readonly defaultPrice?: ModelPricePerMillion | undefined;
  /**
   * The body field for the output cap. Default `max_tokens` (what local servers read); OpenAI's
   * reasoning models want `max_completion_tokens`. Sent only when the request sets a cap.
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens' | undefined;
  /** The fetch to use (tests). Default: the global fetch. */
  readonly fetch?: typeof fetch | undefined;
  /** Milliseconds since the epoch, to read an HTTP-date retry-after. Default: Date.now. */
  readonly now?: (() => number) | undefined;
}

const ZERO_PRICE: ModelPricePerMillion = Object.freeze({ inputPerMillion: 0, outputPerMillion: 0 });

const chatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export class OpenAICompatibleProvider implements ModelProvider {
  readonly name = PROVIDER_NAME;
  /** The cap is sent as max_tokens (or max_completion_tokens); the prompt is sent as it is. */
  readonly callBounds = { honoursMaxOutputTokens: true, promptOverheadTokens: 0 };
  readonly baseURL: string;
  private readonly connection: OpenAICompatibleConnection;
  private readonly models: Record<Tier, string>;
  private readonly prices: Readonly<Record<string, ModelPricePerMillion>>;
  private readonly defaultPrice: ModelPricePerMillion | undefined;
  private readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAICompatibleProviderOptions) {
    this.baseURL = parseBaseURL(options.baseURL);
    this.connection = {
      baseURL: this.baseURL,
      apiKey: options.apiKey || undefined,
      fetch: options.fetch,
      now: options.now,
    };
    this.models = resolveModels(options);
    this.prices = validatePrices(options.prices ?? {});
    if (options.defaultPrice !== undefined) validatePrice('defaultPrice', options.defaultPrice);
    this.defaultPrice = options.defaultPrice ?? (isLocalURL(this.baseURL) ? ZERO_PRICE : undefined);
    const field = options.maxTokensField ?? 'max_tokens';
    if (field !== 'max_tokens' && field !== 'max_completion_tokens') {
      throw invalidOption('maxTokensField', '`max_tokens` or `max_completion_tokens`', field);
    }
    this.maxTokensField = field;
  }

  modelFor(tier: Tier): string {
    return this.models[tier];
  }

  priceFor(model: string): ModelPricePerMillion | undefined {
    return this.prices[model] ?? this.defaultPrice;
  }

  /** With `onText` the answer streams (openai-compatible-stream.ts), its usage from the last chunk. */
  async complete(
    request: CompletionRequest,
    signal: AbortSignal,
    onText?: TextSink,
  ): Promise<CompletionResult> {
    const body: Record<string, unknown> = {
      model: request.model,
      messages: [{ role: 'user', content: request.prompt }],
      stream: onText !== undefined,
    };
    if (onText) body.stream_options = { include_usage: true };
    if (request.maxOutputTokens !== undefined) body[this.maxTokensField] = request.maxOutputTokens;
    if (request.purpose === 'plan' && request.jsonSchema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'plan', schema: request.jsonSchema, strict: true },
      };
    }
    const payload = await sendJson(
      this.connection,
      'POST',
      '/chat/completions',
      body,
      request.model,
      signal,
      onText,
    );
    const parsed = chatCompletionSchema.safeParse(payload);
    if (!parsed.success) {
      throw new SymbiontError('PROVIDER_BAD_OUTPUT', 'openai-compatible answer is not a chat completion', {
        retryable: true,
        context: { provider: this.name, model: request.model },
      });
    }
    return this.toResult(parsed.data, request.model);
  }

  /** Lists models (GET {base}/models) and looks for the tiers' models, spending no tokens. */
  async check(signal: AbortSignal): Promise<ProviderCheck> {
    return checkOpenAICompatibleServer(this.connection, [...new Set(Object.values(this.models))], signal);
  }

  private toResult(completion: z.infer<typeof chatCompletionSchema>, model: string): CompletionResult {
    const choice = completion.choices[0]!;
    const usage = completion.usage;
    const inputTokens = usage?.prompt_tokens ?? null;
    const outputTokens = usage?.completion_tokens ?? null;
    const answeredBy = completion.model ?? model;
    const errorUsage = { inputTokens, outputTokens, costUsd: null };
    if (choice.message.refusal) {
      throw new SymbiontError('PROVIDER_REFUSED', `the model declined to answer: ${choice.message.refusal}`, {
        context: { provider: this.name, model: answeredBy },
        usage: errorUsage,
      });
    }
    const text = choice.message.content ?? '';
    if (text.trim() === '') {
      throw new SymbiontError(
        'PROVIDER_BAD_OUTPUT',
        `the answer held no text (finish_reason: ${choice.finish_reason ?? 'none'})`,
        { retryable: true, context: { provider: this.name, model: answeredBy }, usage: errorUsage },
      );
    }
    const cached = usage?.prompt_tokens_details?.cached_tokens;
    return {
      text,
      inputTokens,
      outputTokens,
      ...(cached === undefined || cached === null ? {} : { cacheReadTokens: cached }),
      costUsd: null,
      model: answeredBy,
    };
  }
}

function resolveModels(options: OpenAICompatibleProviderOptions): Record<Tier, string> {
  const named = definedModels(options.models);
  if (options.model !== undefined && (typeof options.model !== 'string' || options.model.trim() === '')) {
    throw invalidOption('model', 'a model name', options.model);
  }
  const models: Partial<Record<Tier, string>> = {};
  for (const tier of TIERS) {
    const model = named[tier] ?? options.model;
    if (model === undefined) {
      throw new SymbiontError(
        'CONFIG',
        `the openai-compatible provider has no model for tier ${tier}: name one per tier, or one for all`,
        { context: { field: `models.${tier}` } },
      );
    }
    models[tier] = model;
  }
  return models as Record<Tier, string>;
}

function validatePrice(field: string, price: ModelPricePerMillion): void {
  for (const key of ['inputPerMillion', 'outputPerMillion'] as const) {
    const value = price?.[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalidOption(`${field}.${key}`, 'a finite number from 0 and up', value);
    }
  }
}

function validatePrices(
  prices: Readonly<Record<string, ModelPricePerMillion>>,
): Readonly<Record<string, ModelPricePerMillion>> {
  for (const [model, price] of Object.entries(prices)) validatePrice(`prices.${model}`, price);
  return prices;
}
