// Prices and costs (SPEC §5): a call costs what the provider reported, else its tokens times the
// model's price per million from the table below, else the tier's flat estimate. Also a
// pessimistic pre-call estimate for budgets. Pure.

import type { Tier } from './records.js';

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  inputPerMillion: number;
  /** USD per million output tokens. */
  outputPerMillion: number;
}

export type CostSource = 'provider' | 'tokens' | 'estimate';

/** The original's flat guess per call, used when neither cost nor tokens are known. */
export const TIER_ESTIMATES: Record<Tier, number> = { 1: 0.008, 2: 0.04, 3: 0.15 };

/** Prompt-cache reads cost a tenth of the input price. */
export const CACHE_READ_MULTIPLIER = 0.1;
/** Prompt-cache writes (5-minute cache) cost a quarter more than input. */
export const CACHE_WRITE_MULTIPLIER = 1.25;

const HAIKU_3: ModelPrice = { inputPerMillion: 0.25, outputPerMillion: 1.25 };
const HAIKU_3_5: ModelPrice = { inputPerMillion: 0.8, outputPerMillion: 4 };
const HAIKU_4_5: ModelPrice = { inputPerMillion: 1, outputPerMillion: 5 };
const SONNET: ModelPrice = { inputPerMillion: 3, outputPerMillion: 15 };
const OPUS_OLD: ModelPrice = { inputPerMillion: 15, outputPerMillion: 75 };
const OPUS_NEW: ModelPrice = { inputPerMillion: 5, outputPerMillion: 25 };

/** The price an unknown model is assumed to have, per tier, for pre-call estimates only. */
const TIER_FALLBACK_PRICES: Record<Tier, ModelPrice> = { 1: HAIKU_4_5, 2: SONNET, 3: OPUS_NEW };

/** The Claude CLI's aliases name the current model of each family. */
const ALIASES: Record<string, ModelPrice> = { haiku: HAIKU_4_5, sonnet: SONNET, opus: OPUS_NEW };

type Family = 'haiku' | 'sonnet' | 'opus';

/**
 * Price for one family at version major.minor (minor 0 when the id has none), or undefined.
 * Haiku: 3 $0.25/$1.25, 3.5 $0.80/$4, 4.x $1/$5. Sonnet: 3.5, 3.7, 4.x, 5.x $3/$15.
 * Opus: 3, 4, 4.1 $15/$75; 4.2 and later 4.x, 5.x $5/$25.
 */
// The 5.5 family, from the official model pages (platform.claude.com, models/haiku-5-5):
// Haiku 5.5 $0.10 / $0.50 (prompts up to 100K tokens; the long-prompt rate is not modelled),
// Sonnet 5.5 $2 / $10, Opus 5.5 $4 / $20.
const HAIKU_5_5: ModelPrice = { inputPerMillion: 0.1, outputPerMillion: 0.5 };
const SONNET_5_5: ModelPrice = { inputPerMillion: 2, outputPerMillion: 10 };
const OPUS_5_5: ModelPrice = { inputPerMillion: 4, outputPerMillion: 20 };

function familyPrice(family: Family, major: number, minor: number): ModelPrice | undefined {
  switch (family) {
    case 'haiku':
      if (major === 3) return minor === 0 ? HAIKU_3 : minor === 5 ? HAIKU_3_5 : undefined;
      if (major === 5 && minor === 5) return HAIKU_5_5;
      return major === 4 ? HAIKU_4_5 : undefined;
    case 'sonnet':
      if (major === 3) return minor === 5 || minor === 7 ? SONNET : undefined;
      if (major === 5 && minor === 5) return SONNET_5_5;
      return major === 4 || major === 5 ? SONNET : undefined;
    case 'opus':
      if (major === 3) return minor === 0 ? OPUS_OLD : undefined;
      if (major === 4) return minor <= 1 ? OPUS_OLD : OPUS_NEW;
      if (major === 5 && minor === 5) return OPUS_5_5;
      return major === 5 ? OPUS_NEW : undefined;
  }
}

// claude-<family>-<major>[-<minor>][-...] (the 4.x naming) and claude-<major>[-<minor>]-<family>[-...]
// (the 3.x naming). A minor is one or two digits, so a date suffix (-20250514) is not one.
const NEW_NAMING = /^claude-(haiku|sonnet|opus)-(\d+)(?:-(\d{1,2}))?(?=-|$)/;
const OLD_NAMING = /^claude-(\d+)(?:-(\d{1,2}))?-(haiku|sonnet|opus)(?=-|$)/;

/**
 * The table price of a model, or undefined when it is not an Anthropic model we know.
 * Matching, after normalising: lower case; a routing prefix dropped (`anthropic/`,
 * `us.anthropic.`, `anthropic.`); a `[1m]`-style suffix and a `@date` or `:version` suffix
 * dropped; dots between digits turned into dashes (`claude-haiku-4.5` = `claude-haiku-4-5`).
 * Then: the aliases `haiku`, `sonnet`, `opus` (the CLI's current models), or the family and
 * version read from the id's prefix, whatever follows (a date, `-latest`) being ignored.
 * Long-context (>200K input) premiums and 1-hour cache writes are not modelled.
 */
/** Lookups are pure; remembering them keeps pricing off the per-call hot path. */
const PRICE_CACHE = new Map<string, ModelPrice | undefined>();
const PRICE_CACHE_LIMIT = 1024;

export function priceForModel(model: string): ModelPrice | undefined {
  if (PRICE_CACHE.has(model)) return PRICE_CACHE.get(model);
  const price = lookUpPrice(model);
  if (PRICE_CACHE.size >= PRICE_CACHE_LIMIT) PRICE_CACHE.clear();
  PRICE_CACHE.set(model, price);
  return price;
}

function lookUpPrice(model: string): ModelPrice | undefined {
  const name = normaliseModel(model);
  const alias = ALIASES[name];
  if (alias !== undefined) return alias;
  const modern = NEW_NAMING.exec(name);
  if (modern !== null) {
    return familyPrice(modern[1] as Family, Number(modern[2]), Number(modern[3] ?? 0));
  }
  const legacy = OLD_NAMING.exec(name);
  if (legacy !== null) {
    return familyPrice(legacy[3] as Family, Number(legacy[1]), Number(legacy[2] ?? 0));
  }
  return undefined;
}

function normaliseModel(model: string): string {
  let name = model.trim().toLowerCase();
  name = name.slice(name.lastIndexOf('/') + 1);
  name = name.replace(/^(?:[a-z]+\.)?anthropic\./, '');
  name = name.replace(/\[[^\]]*\]$/, '');
  name = name.replace(/[@:].*$/, '');
  return name.replace(/(\d)\.(\d)/g, '$1-$2');
}

export interface CallUsage {
  /** All input tokens, cache reads and writes included. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Of inputTokens: read from the prompt cache. */
  cacheReadTokens?: number | null;
  /** Of inputTokens: written to the prompt cache. */
  cacheWriteTokens?: number | null;
  /** Cost the provider itself reported. */
  costUsd: number | null;
}

/**
 * A call's cost and where it came from: the provider's own figure when it gave one (a finite
 * number >= 0); else the tokens priced with `override` or the table, cache reads and writes
 * at their rates; else the tier's flat estimate.
 */
export function costOfCall(
  usage: CallUsage,
  model: string,
  tier: Tier,
  override?: ModelPrice,
): { cost_usd: number; cost_source: CostSource } {
  if (isCount(usage.costUsd)) return { cost_usd: usage.costUsd, cost_source: 'provider' };
  const price = override ?? priceForModel(model);
  if (price !== undefined && isCount(usage.inputTokens) && isCount(usage.outputTokens)) {
    const cacheRead = isCount(usage.cacheReadTokens) ? usage.cacheReadTokens : 0;
    const cacheWrite = isCount(usage.cacheWriteTokens) ? usage.cacheWriteTokens : 0;
    const uncached = Math.max(0, usage.inputTokens - cacheRead - cacheWrite);
    const inputUnits = uncached + cacheRead * CACHE_READ_MULTIPLIER + cacheWrite * CACHE_WRITE_MULTIPLIER;
    const cost = (inputUnits * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1e6;
    return { cost_usd: cost, cost_source: 'tokens' };
  }
  return { cost_usd: TIER_ESTIMATES[tier], cost_source: 'estimate' };
}

/** Characters per token assumed by the pre-call estimate (real text averages about 4). */
export const ESTIMATE_CHARS_PER_TOKEN = 3;

/**
 * A pessimistic cost of a call before it is made, for budgets. It assumes ceil(promptChars / 3)
 * input tokens (text usually averages ~4 characters per token), all of them written to the
 * cache (1.25x, the dearest way to send them), and the full `maxOutputTokens` of output.
 * So it bounds the cost of the prompt we send; it cannot see context a provider adds on its own
 * (the Claude CLI's system prompt), so a budget must still charge the real cost after the call.
 * A model with no price (no override, not in the table) is priced at its tier's current model,
 * and never below the tier's flat estimate, since that is what such a call will be charged.
 */
export function estimateCallCost(
  model: string,
  tier: Tier,
  promptChars: number,
  maxOutputTokens: number,
  override?: ModelPrice,
): number {
  const inputTokens = Math.ceil(Math.max(0, promptChars) / ESTIMATE_CHARS_PER_TOKEN);
  const outputTokens = Math.max(0, maxOutputTokens);
  const known = override ?? priceForModel(model);
  const price = known ?? TIER_FALLBACK_PRICES[tier];
  const cost =
    (inputTokens * CACHE_WRITE_MULTIPLIER * price.inputPerMillion + outputTokens * price.outputPerMillion) /
    1e6;
  return known === undefined ? Math.max(TIER_ESTIMATES[tier], cost) : cost;
}

function isCount(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
