// The `openai-compatible` provider's registry entry: any server speaking OpenAI's chat
// completions (OpenAI, vLLM, llama.cpp, Ollama, LM Studio, a gateway).

import {
  checkOpenAICompatibleServer,
  isLocalURL,
  OpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from '../../adapters/providers/openai-compatible.js';
import { withRateLimit } from '../../adapters/providers/rate-limited-provider.js';
import { SymbiontError } from '../../core/errors.js';
import { type ProviderEntry, tierModelVariables, writeModels } from './provider-entry.js';
import {
  pricesFromEnv,
  RATE_LIMIT_VARIABLES,
  rateLimitSettingsFromEnv,
  tierModelsFromEnv,
} from './provider-env.js';

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

export const openAICompatibleProvider: ProviderEntry = {
  name: 'openai-compatible',
  summary: 'any server with an OpenAI-style `/v1/chat/completions` (OpenAI, vLLM, llama.cpp, Ollama)',
  setup:
    'Set `OPENAI_BASE_URL` to the API root, `/v1` included (or pass `--base-url`), and name the ' +
    'model with `OPENAI_MODEL` (or one per tier); set `OPENAI_API_KEY` when the server wants one.',
  env: [
    {
      name: 'OPENAI_BASE_URL',
      meaning: 'the API root, `/v1` included (`--base-url` wins)',
      default: 'none: required',
    },
    { name: 'OPENAI_API_KEY', meaning: 'sent as `Authorization: Bearer` (never logged)', default: 'none' },
    {
      name: 'OPENAI_MODEL',
      meaning: 'the model of every tier not named by SYMBIONT_MODEL_TIER_n',
      default: 'none: required unless all three tiers are named',
    },
    ...tierModelVariables(() => 'OPENAI_MODEL'),
    {
      name: 'SYMBIONT_MODEL_PRICES',
      meaning: 'JSON `{"model": {"inputPerMillion": 0.5, "outputPerMillion": 1.5}}`: USD per million tokens',
      default: 'none',
    },
    ...RATE_LIMIT_VARIABLES,
  ],
  selection: {
    order: 30,
    trigger: 'OPENAI_BASE_URL',
    when: '`OPENAI_BASE_URL` is set',
    applies: ({ env }) => {
      const url = env.OPENAI_BASE_URL?.trim();
      return url ? `OPENAI_BASE_URL is set (${env.OPENAI_BASE_URL})` : undefined;
    },
  },
  defaultModels: {},
  prices:
    'from `SYMBIONT_MODEL_PRICES` for the models it names; else free for a server on this machine ' +
    '(localhost, 127.0.0.0/8, ::1); else the built-in table when it knows the model name, else ' +
    "the tier's flat estimate.",
  doctor: async (context) => {
    const { env, write } = context;
    const baseURL = context.baseUrl?.trim() || env.OPENAI_BASE_URL?.trim();
    if (!baseURL) return { ok: false, detail: 'no base URL: pass --base-url or set OPENAI_BASE_URL' };
    const named = tierModelsFromEnv(env);
    const fallback = env.OPENAI_MODEL?.trim();
    const models = ([1, 2, 3] as const).map((tier) => named[tier] ?? fallback);
    const everyTierNamed = models.every((model) => model !== undefined);
    if (everyTierNamed) writeModels(write, (tier) => models[tier - 1]!);
    else write('models: not set (set OPENAI_MODEL, or SYMBIONT_MODEL_TIER_1, _2 and _3)\n');
    const expected = [...new Set(models.filter((model) => model !== undefined))];
    const apiKey = env.OPENAI_API_KEY?.trim();
    const check = await checkOpenAICompatibleServer(
      { baseURL, ...(apiKey ? { apiKey } : {}), ...(context.fetch ? { fetch: context.fetch } : {}) },
      expected,
      context.signal,
    );
    if (check.ok && !everyTierNamed) {
      return { ok: false, detail: `${check.detail}; but no model is named for every tier` };
    }
    return check;
  },
  create: (context) => {
    const provider = new OpenAICompatibleProvider(
      openAICompatibleOptionsFromEnv(context.env, context.baseUrl),
    );
    // One per-model rate limit across every task of the process.
    return withRateLimit(provider, {
      clock: context.clock,
      ...rateLimitSettingsFromEnv(context.env, isLocalURL(provider.baseURL)),
    });
  },
};
