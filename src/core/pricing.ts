// Prices and costs (SPEC §5): a call costs what the provider reported, else its tokens times the
// model's prices per million from the table below, else the tier's flat estimate. Also a
// pessimistic pre-call estimate for budgets. Pure.
//
// The table follows Anthropic's published pricing rules, per model: input, output, cache writes
// to the 5-minute cache (1.25x input), cache writes to the 1-hour cache (2x input), cache reads
// (0.1x input); and, where a model has one, a long-prompt tier: a request whose prompt (input
// tokens with cache reads and writes) exceeds the threshold has ALL its tokens, output
// included, billed at the tier's rates.

import type { Tier } from './records.js';

/** The date the figures below were taken from the providers' pricing pages. */
export const PRICES_AS_OF = '2026-11-23';

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  inputPerMillion: number;
  /** USD per million output tokens. */
  outputPerMillion: number;
  /** USD per million tokens written to the 5-minute cache. Default: 1.25x input. */
  cacheWrite5mPerMillion?: number;
  /** USD per million tokens written to the 1-hour cache. Default: 2x input. */
  cacheWrite1hPerMillion?: number;
  /** USD per million tokens read from the cache. Default: 0.1x input. */
  cacheReadPerMillion?: number;
  /** A request whose prompt exceeds `aboveTokens` is billed, all of it, at `price`. */
  longPrompt?: { aboveTokens: number; price: ModelPrice };
}

export type CostSource = 'provider' | 'tokens' | 'estimate';

/** The original's flat guess per call, used when neither cost nor tokens are known. */
export const TIER_ESTIMATES: Record<Tier, number> = { 1: 0.008, 2: 0.04, 3: 0.15 };

/** Prompt-cache reads cost a tenth of the input price. */
export const CACHE_READ_MULTIPLIER = 0.1;
/** Prompt-cache writes to the 5-minute cache cost a quarter more than input. */
export const CACHE_WRITE_MULTIPLIER = 1.25;
/** Prompt-cache writes to the 1-hour cache cost twice the input price. */
export const CACHE_WRITE_1H_MULTIPLIER = 2;

/** A full table row: the cache columns follow from the input price by the published rules. */
function row(
  inputPerMillion: number,
  outputPerMillion: number,
  longPrompt?: ModelPrice['longPrompt'],
): ModelPrice {
  return {
    inputPerMillion,
    outputPerMillion,
    cacheWrite5mPerMillion: inputPerMillion * CACHE_WRITE_MULTIPLIER,
    cacheWrite1hPerMillion: inputPerMillion * CACHE_WRITE_1H_MULTIPLIER,
    cacheReadPerMillion: inputPerMillion * CACHE_READ_MULTIPLIER,
    ...(longPrompt === undefined ? {} : { longPrompt }),
  };
}

// USD per million tokens: input, output (cache columns derived by row()).
const HAIKU_3 = row(0.25, 1.25);
const HAIKU_3_5 = row(0.8, 4);
const HAIKU_4_5 = row(1, 5);
const SONNET = row(3, 15);
const OPUS_OLD = row(15, 75);
const OPUS_NEW = row(5, 25);
// The 5.5 family, from the official model pages (platform.claude.com, models/haiku-5-5):
// Haiku 5.5 $0.10 / $0.50, and $0.50 / $2.50 for ALL tokens of a request whose prompt exceeds
// 100,000 tokens; Sonnet 5.5 $2 / $10; Opus 5.5 $4 / $20. Fable 5.2 $8 / $40, the list price
// the Claude CLI 2.1.332 charged in test/fixtures/claude-cli/alias-fable.json (its costUSD
// is exactly these rates applied to its tokens; so are the other aliases' fixtures).
const HAIKU_5_5_LONG_PROMPT_TOKENS = 100_000;
const HAIKU_5_5 = row(0.1, 0.5, { aboveTokens: HAIKU_5_5_LONG_PROMPT_TOKENS, price: row(0.5, 2.5) });
const SONNET_5_5 = row(2, 10);
const OPUS_5_5 = row(4, 20);
const FABLE_5_2 = row(8, 40);

/** The price an unknown model is assumed to have, per tier, for pre-call estimates only. */
export const TIER_FALLBACK_PRICES: Record<Tier, ModelPrice> = { 1: HAIKU_5_5, 2: SONNET_5_5, 3: OPUS_5_5 };

/** The Claude CLI's aliases name the current model of each family (the CLI 2.1.332 fixtures). */
const ALIASES: Record<string, ModelPrice> = {
  haiku: HAIKU_5_5,
  sonnet: SONNET_5_5,
  opus: OPUS_5_5,
  fable: FABLE_5_2,
};

type Family = 'haiku' | 'sonnet' | 'opus' | 'fable';

/**
 * Price for one family at version major.minor (minor 0 when the id has none), or undefined.
 * Haiku: 3 $0.25/$1.25, 3.5 $0.80/$4, 4.x $1/$5, 5.5 $0.10/$0.50 (long prompts $0.50/$2.50).
 * Sonnet: 3.5, 3.7, 4.x, 5.x $3/$15, 5.5 $2/$10. Opus: 3, 4, 4.1 $15/$75; 4.2 and later 4.x,
 * 5.x $5/$25; 5.5 $4/$20. Fable: 5.2 $8/$40.
 */
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
    case 'fable':
      return major === 5 && minor === 2 ? FABLE_5_2 : undefined;
  }
}

// claude-<family>-<major>[-<minor>][-...] (the 4.x naming) and claude-<major>[-<minor>]-<family>[-...]
// (the 3.x naming). A minor is one or two digits, so a date suffix (-20250514) is not one.
const NEW_NAMING = /^claude-(haiku|sonnet|opus|fable)-(\d+)(?:-(\d{1,2}))?(?=-|$)/;
const OLD_NAMING = /^claude-(\d+)(?:-(\d{1,2}))?-(haiku|sonnet|opus)(?=-|$)/;

/** Lookups are pure; remembering them keeps pricing off the per-call hot path. */
const PRICE_CACHE = new Map<string, ModelPrice | undefined>();
const PRICE_CACHE_LIMIT = 1024;

/**
 * The table price of a model, or undefined when it is not an Anthropic model we know.
 * Matching, after normalising: lower case; a routing prefix dropped (`anthropic/`,
 * `us.anthropic.`, `anthropic.`); a `[1m]`-style suffix and a `@date` or `:version` suffix
 * dropped; dots between digits turned into dashes (`claude-haiku-4.5` = `claude-haiku-4-5`).
 * Then: the aliases `haiku`, `sonnet`, `opus`, `fable` (the CLI's current models), or the
 * family and version read from the id's prefix, whatever follows (a date, `-latest`) ignored.
 * Only Haiku 5.5's long-prompt tier is modelled (the older models' 1M-context premiums are not).
 */
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
  /** Of inputTokens: written to the prompt cache (both lifetimes). */
  cacheWriteTokens?: number | null;
  /** Of cacheWriteTokens: written to the 1-hour cache; the rest went to the 5-minute cache. */
  cacheWrite1hTokens?: number | null;
  /** Cost the provider itself reported. */
  costUsd: number | null;
}

/** The rates a request of `promptTokens` prompt tokens is billed at (the long-prompt tier above its threshold). */
export function ratesFor(price: ModelPrice, promptTokens: number): ModelPrice {
  const long = price.longPrompt;
  return long !== undefined && promptTokens > long.aboveTokens ? long.price : price;
}

/** USD for tokens at `price`'s rates, by kind; the cache rates default to the published multipliers. */
export function tokenCost(
  price: ModelPrice,
  tokens: { uncached: number; cacheRead: number; write5m: number; write1h: number; output: number },
): number {
  const input = price.inputPerMillion;
  const read = price.cacheReadPerMillion ?? input * CACHE_READ_MULTIPLIER;
  const write5m = price.cacheWrite5mPerMillion ?? input * CACHE_WRITE_MULTIPLIER;
  const write1h = price.cacheWrite1hPerMillion ?? input * CACHE_WRITE_1H_MULTIPLIER;
  return (
    (tokens.uncached * input +
      tokens.cacheRead * read +
      tokens.write5m * write5m +
      tokens.write1h * write1h +
      tokens.output * price.outputPerMillion) /
    1e6
  );
}

/**
 * A call's cost and where it came from: the provider's own figure when it gave one (a finite
 * number >= 0); else the tokens priced with `override` or the table (uncached input, cache
 * reads, 5-minute and 1-hour cache writes and output each at its rate, all at the long-prompt
 * tier's rates when the prompt exceeds its threshold); else the tier's flat estimate.
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
    const write1h = Math.min(cacheWrite, isCount(usage.cacheWrite1hTokens) ? usage.cacheWrite1hTokens : 0);
    const cost = tokenCost(ratesFor(price, usage.inputTokens), {
      uncached: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
      cacheRead,
      write5m: cacheWrite - write1h,
      write1h,
      output: usage.outputTokens,
    });
    return { cost_usd: cost, cost_source: 'tokens' };
  }
  return { cost_usd: TIER_ESTIMATES[tier], cost_source: 'estimate' };
}

/** Characters per token assumed by the pre-call estimate (real text averages about 4). */
export const ESTIMATE_CHARS_PER_TOKEN = 3;

/**
 * A pessimistic cost of a call before it is made, for budgets, from the same table. It assumes
 * ceil(promptChars / 3) input tokens (text usually averages ~4 characters per token), all of
 * them written to the 5-minute cache (1.25x: the dearest way our providers send them; none
 * writes the 1-hour cache), and the full `maxOutputTokens` of output, at the long-prompt
 * tier's rates when that prompt exceeds its threshold. So it bounds the cost of the prompt we
 * send; it cannot see context a provider adds on its own (the Claude CLI's system prompt), so
 * a budget must still charge the real cost after the call. A model with no price (no override,
 * not in the table) is priced at its tier's current model (the 5.5 family), and never below
 * the tier's flat estimate, since that is what such a call will be charged.
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
  const cost = tokenCost(ratesFor(price, inputTokens), {
    uncached: 0,
    cacheRead: 0,
    write5m: inputTokens,
    write1h: 0,
    output: outputTokens,
  });
  return known === undefined ? Math.max(TIER_ESTIMATES[tier], cost) : cost;
}

function isCount(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
