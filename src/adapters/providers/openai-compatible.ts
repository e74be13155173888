// The `openai-compatible` provider: one chat-completions call per attempt with plain fetch, for
// any server that speaks it (OpenAI, Ollama, vLLM, llama.cpp server). Prices come from the
// configured table, zero by default for a server on this machine; the engine does the pricing.

import { z } from 'zod';
import { SymbiontError } from '../../core/errors.js';
import type { Tier } from '../../core/records.js';
import { redactUrl } from '../../core/redact.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';
import { abortReason, connectionError, errorFromHttpStatus, redact } from './http-error.js';
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

const KEY_VARIABLE = 'OPENAI_API_KEY';
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

const modelListSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** OpenAI's `{error: {message, type, code}}`, or Ollama's and others' `{error: "..."}`. */
const errorBodySchema = z.object({
  error: z.union([
    z.string(),
    z.object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    }),
  ]),
});

/** Where and how to reach the server. */
export interface OpenAICompatibleConnection {
  readonly baseURL: string;
  readonly apiKey?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly now?: (() => number) | undefined;
}

const PROVIDER_NAME = 'openai-compatible';

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

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    const body: Record<string, unknown> = {
      model: request.model,
      messages: [{ role: 'user', content: request.prompt }],
      stream: false,
    };
    if (request.maxOutputTokens !== undefined) body[this.maxTokensField] = request.maxOutputTokens;
    if (request.purpose === 'plan' && request.jsonSchema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'plan', schema: request.jsonSchema, strict: true },
      };
    }
    const payload = await sendJson(this.connection, 'POST', '/chat/completions', body, request.model, signal);
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

/**
 * Lists the served models (GET {base}/models) and reports the `expected` ones that are missing,
 * spending no tokens. With no expected models, a list is enough to pass.
 */
export async function checkOpenAICompatibleServer(
  connection: OpenAICompatibleConnection,
  expected: readonly string[],
  signal: AbortSignal,
): Promise<ProviderCheck> {
  const baseURL = parseBaseURL(connection.baseURL);
  try {
    const payload = await sendJson(
      { ...connection, baseURL },
      'GET',
      '/models',
      undefined,
      undefined,
      signal,
    );
    const parsed = modelListSchema.safeParse(payload);
    if (!parsed.success) {
      return { ok: false, detail: `${redactUrl(baseURL)}/models did not answer with a model list` };
    }
    const available = new Set(parsed.data.data.map((model) => model.id));
    const missing = expected.filter((model) => !available.has(model));
    const detail = `listed ${available.size} models at ${redactUrl(baseURL)}`;
    if (missing.length > 0) return { ok: false, detail: `${detail}; not served: ${missing.join(', ')}` };
    return { ok: true, detail };
  } catch (error) {
    if (signal.aborted) return { ok: false, detail: `check stopped: ${String(abortReason(signal))}` };
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** One JSON request; an HTTP failure or an unreachable server becomes a SymbiontError. */
async function sendJson(
  connection: OpenAICompatibleConnection,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  model: string | undefined,
  signal: AbortSignal,
): Promise<unknown> {
  if (signal.aborted) throw abortReason(signal);
  const { baseURL, apiKey } = connection;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const secrets = [apiKey];
  const fetchFunction = connection.fetch ?? globalThis.fetch;
  let response: Response;
  let text: string;
  try {
    response = await fetchFunction(`${baseURL}${path}`, {
      method,
      headers,
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    throw connectionError(PROVIDER_NAME, baseURL, error, secrets);
  }
  if (!response.ok) {
    const detail = readErrorBody(text);
    throw errorFromHttpStatus({
      provider: PROVIDER_NAME,
      status: response.status,
      headers: response.headers,
      apiMessage: detail.message,
      apiType: detail.type,
      apiCode: detail.code,
      model,
      baseURL,
      keyVariable: apiKey ? KEY_VARIABLE : `${KEY_VARIABLE} (none is set)`,
      secrets,
      now: (connection.now ?? Date.now)(),
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SymbiontError(
      'PROVIDER_BAD_OUTPUT',
      redact(`${baseURL}${path} answered with non-JSON`, secrets),
      {
        retryable: true,
        context: { provider: PROVIDER_NAME, status: response.status },
      },
    );
  }
}

function readErrorBody(text: string): { message?: string; type?: string; code?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed && trimmed.length <= 200 && !trimmed.startsWith('<') ? { message: trimmed } : {};
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  const error = parsed.data.error;
  if (typeof error === 'string') return { message: error };
  return {
    ...(error.message ? { message: error.message } : {}),
    ...(error.type ? { type: error.type } : {}),
    ...(error.code !== undefined && error.code !== null ? { code: String(error.code) } : {}),
  };
}

function parseBaseURL(value: string | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SymbiontError(
      'CONFIG',
      'the openai-compatible provider needs a base URL: pass --base-url or set OPENAI_BASE_URL',
      { context: { field: 'baseURL' } },
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption('baseURL', 'an http(s) URL', redactUrl(value));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption('baseURL', 'an http(s) URL', redactUrl(value));
  }
  return value.replace(/\/+$/, '');
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

/** Whether the server runs on this machine, so its tokens cost nothing by default. */
export function isLocalURL(baseURL: string): boolean {
  const host = new URL(baseURL).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}
