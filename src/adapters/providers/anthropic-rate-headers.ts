// Reads the Messages API's rate-limit headers into the limiter's terms. Every response carries
// anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset};
// `-reset` is an RFC 3339 time. `tokens-remaining` is the most restrictive token limit in
// effect; without it, the lower of input and output tokens remaining stands in.

import type { ServerRateLimits } from '../../core/server-rate-limits.js';

type HeaderSource = { get(name: string): string | null };

const PREFIX = 'anthropic-ratelimit-';

function count(headers: HeaderSource, name: string): number | undefined {
  const text = headers.get(`${PREFIX}${name}`);
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function time(headers: HeaderSource, name: string): number | undefined {
  const text = headers.get(`${PREFIX}${name}`);
  if (text === null) return undefined;
  const value = Date.parse(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The limits a response reported, or undefined when it sent none. */
export function rateLimitsFromHeaders(headers: HeaderSource): ServerRateLimits | undefined {
  const limits: ServerRateLimits = {};
  const requests = count(headers, 'requests-remaining');
  const requestsReset = time(headers, 'requests-reset');
  if (requests !== undefined && requestsReset !== undefined) {
    limits.requestsRemaining = requests;
    limits.requestsResetAt = requestsReset;
  }
  const candidates: Array<[number | undefined, number | undefined]> = [
    [count(headers, 'tokens-remaining'), time(headers, 'tokens-reset')],
  ];
  if (candidates[0]![0] === undefined) {
    candidates.push(
      [count(headers, 'input-tokens-remaining'), time(headers, 'input-tokens-reset')],
      [count(headers, 'output-tokens-remaining'), time(headers, 'output-tokens-reset')],
    );
  }
  for (const [remaining, reset] of candidates) {
    if (remaining === undefined || reset === undefined) continue;
    if (limits.tokensRemaining === undefined || remaining < limits.tokensRemaining) {
      limits.tokensRemaining = remaining;
      limits.tokensResetAt = reset;
    }
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}
