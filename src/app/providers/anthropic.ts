// The `anthropic` provider's registry entry: the Messages API with an API key.

import { AnthropicProvider, type AnthropicProviderOptions } from '../../adapters/providers/anthropic.js';
import {
  ANTHROPIC_DEFAULT_BASE_URL,
  ANTHROPIC_DEFAULT_MODELS,
} from '../../adapters/providers/anthropic-models.js';
import { withRateLimit } from '../../adapters/providers/rate-limited-provider.js';
import { SymbiontError } from '../../core/errors.js';
import { PRICES_AS_OF } from '../../core/pricing.js';
import { type ProviderEntry, tierModelVariables, writeModels } from './provider-entry.js';
import { RATE_LIMIT_VARIABLES, rateLimitSettingsFromEnv, tierModelsFromEnv } from './provider-env.js';

export function anthropicOptionsFromEnv(env: NodeJS.ProcessEnv): AnthropicProviderOptions {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) {
    throw new SymbiontError('CONFIG', 'the anthropic provider needs an API key: set ANTHROPIC_API_KEY');
  }
  const baseURL = env.ANTHROPIC_BASE_URL?.trim();
  return { apiKey, ...(baseURL ? { baseURL } : {}), models: tierModelsFromEnv(env) };
}

export const anthropicProvider: ProviderEntry = {
  name: 'anthropic',
  summary: "Anthropic's Messages API, through the official SDK",
  setup: 'Set `ANTHROPIC_API_KEY` to a key from the Claude Console. Nothing to install.',
  env: [
    { name: 'ANTHROPIC_API_KEY', meaning: 'the API key (never logged)', default: 'none: required' },
    {
      name: 'ANTHROPIC_BASE_URL',
      meaning: 'the API root, for a gateway or proxy',
      default: ANTHROPIC_DEFAULT_BASE_URL,
    },
    ...tierModelVariables((tier) => ANTHROPIC_DEFAULT_MODELS[tier]),
    ...RATE_LIMIT_VARIABLES,
  ],
  selection: {
    order: 10,
    trigger: 'ANTHROPIC_API_KEY',
    when: '`ANTHROPIC_API_KEY` is set',
    applies: ({ env }) => (env.ANTHROPIC_API_KEY?.trim() ? 'ANTHROPIC_API_KEY is set' : undefined),
  },
  defaultModels: ANTHROPIC_DEFAULT_MODELS,
  prices:
    'the API reports tokens (cache reads and writes apart); they are priced with the built-in ' +
    `table of published prices per model (\`src/core/pricing.ts\`, figures of ${PRICES_AS_OF}: cache ` +
    'reads and 5-minute and 1-hour cache writes at their own rates).',
  doctor: async (context) => {
    const provider = new AnthropicProvider({
      ...anthropicOptionsFromEnv(context.env),
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
    writeModels(context.write, (tier) => provider.modelFor(tier));
    return provider.check(context.signal);
  },
  create: (context) => {
    const provider = new AnthropicProvider(anthropicOptionsFromEnv(context.env));
    // One per-model rate limit across every task of the process.
    return withRateLimit(provider, { clock: context.clock, ...rateLimitSettingsFromEnv(context.env, false) });
  },
};
