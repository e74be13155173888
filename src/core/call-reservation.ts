// What a call may cost at most, and the output cap that makes it fit what is left of a budget.
// Pure. The bound rests on two facts: a byte-level BPE tokenizer (Claude's, OpenAI's) never
// makes more tokens than the prompt has UTF-8 bytes, plus what the provider adds around it
// (its declared overhead); and a provider that honours `max_tokens` never writes more output
// than that. Input is priced as if all of it were written to the 5-minute cache (1.25x, the
// dearest way symbiont sends it), output at the model's rate, at the long-prompt tier's rates
// when the bound passes its threshold. The bytes bound is pessimistic (text averages about 4
// bytes per token), but input is the cheap side: output dominates a reservation.

import {
  type ModelPrice,
  priceForModel,
  ratesFor,
  TIER_ESTIMATES,
  TIER_FALLBACK_PRICES,
  tokenCost,
} from './pricing.js';
import type { Tier } from './records.js';

/** The smallest output cap a call is given: below this an answer is rarely of use. */
export const MIN_USEFUL_OUTPUT_TOKENS = 256;
/** Tokens the API adds around one user message (role and turn markers): an allowance. */
export const MESSAGE_FRAMING_TOKENS = 32;

/** UTF-8 length of `text` without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && at + 1 < text.length) {
      const next = text.charCodeAt(at + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        at++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** An upper bound on the input tokens of a prompt: its UTF-8 bytes, the framing and `overheadTokens`. */
export function promptTokenBound(prompt: string, overheadTokens = 0): number {
  return utf8Length(prompt) + MESSAGE_FRAMING_TOKENS + Math.max(0, overheadTokens);
}

export interface BoundedCall {
  model: string;
  tier: Tier;
  /** promptTokenBound of what is sent. */
  promptTokens: number;
  /** The provider's own price for the model (overrides the table). */
  price?: ModelPrice | undefined;
}

/**
 * The most a call with this prompt bound and `outputTokens` of output can be charged. A model
 * with no price (no override, not in the table) is priced at its tier's current model and
 * never below the tier's flat estimate, since that is what such a call is charged.
 */
export function callReservationUsd(call: BoundedCall, outputTokens: number): number {
  const known = call.price ?? priceForModel(call.model);
  const price = known ?? TIER_FALLBACK_PRICES[call.tier];
  const cost = tokenCost(ratesFor(price, call.promptTokens), {
    uncached: 0,
    cacheRead: 0,
    write5m: call.promptTokens,
    write1h: 0,
    output: Math.max(0, outputTokens),
  });
  return known === undefined ? Math.max(TIER_ESTIMATES[call.tier], cost) : cost;
}

export interface SizingLimits {
  /** The configured output cap (the most a call is given). */
  capTokens: number;
  /** The least a call is given (default MIN_USEFUL_OUTPUT_TOKENS, never above the cap). */
  floorTokens?: number;
  /** Whether the provider honours the cap it is sent; if not, the call is reserved at the cap. */
  honoursCap: boolean;
}

export type CallSizing =
  | { fits: true; maxOutputTokens: number; reserveUsd: number }
  | { fits: false; minimumUsd: number };

const EPSILON = 1e-12;

/**
 * The largest output cap from floor to cap whose reservation fits `availableUsd` (null: no
 * budget, the cap), or the smallest reservation the call needs when even the floor does not fit.
 * A provider that does not honour the cap is sized at the cap only.
 */
export function sizeCall(call: BoundedCall, limits: SizingLimits, availableUsd: number | null): CallSizing {
  const cap = Math.max(1, Math.floor(limits.capTokens));
  const floor = limits.honoursCap ? Math.min(cap, limits.floorTokens ?? MIN_USEFUL_OUTPUT_TOKENS) : cap;
  const full = callReservationUsd(call, cap);
  if (availableUsd === null || full <= availableUsd + EPSILON) {
    return { fits: true, maxOutputTokens: cap, reserveUsd: full };
  }
  const minimum = callReservationUsd(call, floor);
  if (minimum > availableUsd + EPSILON) return { fits: false, minimumUsd: minimum };
  // The cost grows with the output cap: the largest cap that fits, by bisection.
  let low = floor;
  let high = cap;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (callReservationUsd(call, middle) <= availableUsd + EPSILON) low = middle;
    else high = middle;
  }
  return { fits: true, maxOutputTokens: low, reserveUsd: callReservationUsd(call, low) };
}
