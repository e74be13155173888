// Reads the HTTP providers' settings from the environment, once, for the composition root and
// `symbiont doctor`: keys, base URLs, model names per tier and prices per model.

import { z } from 'zod';
import type { AnthropicProviderOptions } from '../adapters/providers/anthropic.js';
import type {
  ModelPricePerMillion,
  OpenAICompatibleProviderOptions,
} from '../adapters/providers/openai-compatible.js';
import { SymbiontError } from '../core/errors.js';
import type { Tier } from '../core/records.js';

/** SYMBIONT_MODEL_TIER_1, _2 and _3 name the model of a tier, for whichever HTTP provider runs. */
export function tierModelsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<Tier, string>> {
  const models: Partial<Record<Tier, string>> = {};
  for (const tier of [1, 2, 3] as const) {
    const value = env[`SYMBIONT_MODEL_TIER_${tier}`]?.trim();
    if (value) models[tier] = value;
  }
  return models;
}

export function anthropicOptionsFromEnv(env: NodeJS.ProcessEnv): AnthropicProviderOptions {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) {
    throw new SymbiontError('CONFIG', 'the anthropic provider needs an API key: set ANTHROPIC_API_KEY');
  }
  const baseURL = env.ANTHROPIC_BASE_URL?.trim();
  return { apiKey, ...(baseURL ? { baseURL } : {}), models: tierModelsFromEnv(env) };
}

const pricesSchema = z.record(
  z.string(),
  z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
);

/**
 * `--base-url`, else OPENAI_BASE_URL; OPENAI_API_KEY; OPENAI_MODEL for every tier not named by
 * SYMBIONT_MODEL_TIER_n; SYMBIONT_MODEL_PRICES as JSON
 * `{"model": {"inputPerMillion": 0.5, "outputPerMillion": 1.5}}`.
 */
export function openAICompatibleOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  baseUrlFlag?: string,
): OpenAICompatibleProviderOptions {
  const baseURL = baseUrlFlag?.trim() || env.OPENAI_BASE_URL?.trim();
  if (!baseURL) {
    throw new SymbiontError(
      'CONFIG',
      'the openai-compatible provider needs a base URL: pass --base-url or set OPENAI_BASE_URL',
    );
  }
  const models = tierModelsFromEnv(env);
  const model = env.OPENAI_MODEL?.trim();
  if (!model && Object.keys(models).length < 3) {
    throw new SymbiontError(
      'CONFIG',
      'the openai-compatible provider needs model names: set OPENAI_MODEL (every tier) or SYMBIONT_MODEL_TIER_1, _2 and _3',
    );
  }
  const apiKey = env.OPENAI_API_KEY?.trim();
  return {
    baseURL,
    models,
    ...(model ? { model } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...pricesFromEnv(env),
  };
}

function pricesFromEnv(env: NodeJS.ProcessEnv): { prices?: Record<string, ModelPricePerMillion> } {
  const raw = env.SYMBIONT_MODEL_PRICES?.trim();
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = pricesSchema.safeParse(json);
  if (!parsed.success) {
    throw new SymbiontError(
      'CONFIG',
      'SYMBIONT_MODEL_PRICES must be JSON like {"model": {"inputPerMillion": 0.5, "outputPerMillion": 1.5}}',
    );
  }
  return { prices: parsed.data };
}

/**
 * The per-model rate limit of an HTTP provider: SYMBIONT_REQUESTS_PER_MINUTE and
 * SYMBIONT_MAX_CONCURRENT_PER_MODEL, else 50 a minute and 8 in flight (no minute cap for a
 * server on this machine).
 */
export function rateLimitSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  local: boolean,
): { requestsPerMinute?: number; maxConcurrent?: number } {
  const settings: { requestsPerMinute?: number; maxConcurrent?: number } = {};
  if (local) settings.requestsPerMinute = Number.POSITIVE_INFINITY;
  const perMinute = env.SYMBIONT_REQUESTS_PER_MINUTE?.trim();
  if (perMinute)
    settings.requestsPerMinute = positiveNumberFromEnv('SYMBIONT_REQUESTS_PER_MINUTE', perMinute);
  const concurrent = env.SYMBIONT_MAX_CONCURRENT_PER_MODEL?.trim();
  if (concurrent) {
    const value = positiveNumberFromEnv('SYMBIONT_MAX_CONCURRENT_PER_MODEL', concurrent);
    if (!Number.isInteger(value)) {
      throw new SymbiontError(
        'CONFIG',
        `SYMBIONT_MAX_CONCURRENT_PER_MODEL must be a whole number, got '${concurrent}'`,
      );
    }
    settings.maxConcurrent = value;
  }
  return settings;
}

function positiveNumberFromEnv(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1) {
    throw new SymbiontError('CONFIG', `${name} must be a number from 1 and up, got '${raw}'`);
  }
  return value;
}
