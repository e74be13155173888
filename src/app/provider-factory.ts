// Builds model providers by name, once per process: every task of the process shares one
// instance per provider, so rate limits and caches are process-wide.

import { join } from 'node:path';
import { AnthropicProvider } from '../adapters/providers/anthropic.js';
import { createClaudeCliProvider } from '../adapters/providers/claude-cli.js';
import { isLocalURL, OpenAICompatibleProvider } from '../adapters/providers/openai-compatible.js';
import { withRateLimit } from '../adapters/providers/rate-limited-provider.js';
import { createSimulatedProvider } from '../adapters/providers/simulated.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { resolveHome } from '../config/home.js';
import {
  anthropicOptionsFromEnv,
  openAICompatibleOptionsFromEnv,
  rateLimitSettingsFromEnv,
} from '../config/provider-env.js';
import { SymbiontError } from '../core/errors.js';
import type { ModelProvider } from '../ports/model-provider.js';

export const PROVIDER_NAMES = ['simulated', 'claude-cli', 'anthropic', 'openai-compatible'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderConfig {
  env: NodeJS.ProcessEnv;
  /** `--claude-bin`; else SYMBIONT_CLAUDE_BIN; else `claude` on PATH. */
  claudeBin?: string;
  /** `--base-url` for openai-compatible; else OPENAI_BASE_URL. */
  baseUrl?: string;
  /** Scales the simulator's latencies (0 = none). Default 1. */
  simulatedLatencyScale?: number;
}

export type ProviderResolver = (name: string) => ModelProvider;

export function createProviderResolver(config: ProviderConfig): ProviderResolver {
  const built = new Map<string, ModelProvider>();
  return (name) => {
    const existing = built.get(name);
    if (existing) return existing;
    const provider = buildProvider(name, config);
    built.set(name, provider);
    return provider;
  };
}

function buildProvider(name: string, config: ProviderConfig): ModelProvider {
  switch (name) {
    case 'simulated':
      return createSimulatedProvider({ latencyScale: config.simulatedLatencyScale ?? 1 });
    case 'claude-cli':
      return createClaudeCliProvider({
        ...((config.claudeBin ?? config.env.SYMBIONT_CLAUDE_BIN)
          ? { binary: config.claudeBin ?? config.env.SYMBIONT_CLAUDE_BIN }
          : {}),
        env: config.env,
        // The CLI runs in an empty directory of its own, never in the user's or server's cwd.
        workDir: join(resolveHome(config.env), 'claude-cwd'),
      });
    // The HTTP providers share one per-model rate limit across every task of the process.
    case 'anthropic':
      return withRateLimit(new AnthropicProvider(anthropicOptionsFromEnv(config.env)), {
        clock: systemClock,
        ...rateLimitSettingsFromEnv(config.env, false),
      });
    case 'openai-compatible': {
      const provider = new OpenAICompatibleProvider(
        openAICompatibleOptionsFromEnv(config.env, config.baseUrl),
      );
      return withRateLimit(provider, {
        clock: systemClock,
        ...rateLimitSettingsFromEnv(config.env, isLocalURL(provider.baseURL)),
      });
    }
    default:
      throw new SymbiontError(
        'CONFIG',
        `unknown provider '${name}': expected one of ${PROVIDER_NAMES.join(', ')}`,
      );
  }
}
