// The Anthropic provider's defaults, apart from the SDK so that reading them (the registry, the
// README, `symbiont doctor`) does not load the SDK.

import type { Tier } from '../../core/records.js';

/**
 * The newest model of each family, per the installed SDK's `Model` list (1.12.0) and the
 * models overview on platform.claude.com (Haiku 5.5, Sonnet 5.5, Opus 5.5).
 */
export const ANTHROPIC_DEFAULT_MODELS: Readonly<Record<Tier, string>> = Object.freeze({
  1: 'claude-haiku-5-5',
  2: 'claude-sonnet-5-5',
  3: 'claude-opus-5-5',
});

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
