// Environment readers the HTTP providers share: model names per tier, prices per model and the
// per-model rate limit. Each bad value is a CONFIG error naming the variable.

import { z } from 'zod';
import type { ModelPricePerMillion } from '../../adapters/providers/openai-compatible.js';
import { SymbiontError } from '../../core/errors.js';
import { DEFAULT_RATE_LIMIT_SETTINGS } from '../../core/rate-limit-policy.js';
import type { Tier } from '../../core/records.js';
import type { EnvVariable } from './provider-entry.js';

/** SYMBIONT_MODEL_TIER_1, _2 and _3 name the model of a tier, for whichever HTTP provider runs. */
export function tierModelsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<Tier, string>> {
  const models: Partial<Record<Tier, string>> = {};
  for (const tier of [1, 2, 3] as const) {
    const value = env[`SYMBIONT_MODEL_TIER_${tier}`]?.trim();
    if (value) models[tier] = value;
  }
  return models;
}

const pricesSchema = z.record(
  z.string(),
  z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
);

/** SYMBIONT_MODEL_PRICES as JSON `{"model": {"inputPerMillion": 0.5, "outputPerMillion": 1.5}}`. */
export function pricesFromEnv(env: NodeJS.ProcessEnv): { prices?: Record<string, ModelPricePerMillion> } {
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

export const RATE_LIMIT_VARIABLES: readonly EnvVariable[] = [
  {
    name: 'SYMBIONT_REQUESTS_PER_MINUTE',
    meaning: 'requests a minute per model, across every task of the process',
    default: `${DEFAULT_RATE_LIMIT_SETTINGS.requestsPerMinute} (no cap for a server on this machine)`,
  },
  {
    name: 'SYMBIONT_MAX_CONCURRENT_PER_MODEL',
    meaning: 'calls in flight per model, across every task of the process',
    default: String(DEFAULT_RATE_LIMIT_SETTINGS.maxConcurrent),
  },
];

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
