// What a provider's response says about its rate limits (Anthropic's anthropic-ratelimit-*
// headers), and how many more calls that leaves room for. Pure: time is passed in.

/** A provider's view of its limits after one response; absent fields were not sent. */
export interface ServerRateLimits {
  /** Requests left in the current window, and when it refills (ms since the epoch). */
  requestsRemaining?: number;
  requestsResetAt?: number;
  /** Tokens left (the most restrictive token limit in effect), and when they refill. */
  tokensRemaining?: number;
  tokensResetAt?: number;
}

/** Starts the server has room for, and until when that count holds. */
export interface ServerHeadroom {
  starts: number;
  until: number;
}

/**
 * The calls that may still start before the server's window refills: the requests left, and
 * the tokens left divided by the tokens a call takes (a running figure), less the calls
 * already in flight (the server may not have counted them yet). Undefined when the response
 * said nothing that limits, or when its resets have already passed.
 */
export function headroomOf(
  limits: ServerRateLimits,
  now: number,
  tokensPerCall: number,
  inFlight: number,
): ServerHeadroom | undefined {
  let starts = Number.POSITIVE_INFINITY;
  let until = now;
  const { requestsRemaining, requestsResetAt, tokensRemaining, tokensResetAt } = limits;
  if (requestsRemaining !== undefined && requestsResetAt !== undefined && requestsResetAt > now) {
    starts = Math.min(starts, requestsRemaining);
    until = Math.max(until, requestsResetAt);
  }
  if (tokensRemaining !== undefined && tokensResetAt !== undefined && tokensResetAt > now) {
    const byTokens = Math.floor(tokensRemaining / Math.max(1, tokensPerCall));
    if (byTokens < starts) starts = byTokens;
    until = Math.max(until, tokensResetAt);
  }
  if (starts === Number.POSITIVE_INFINITY) return undefined;
  return { starts: Math.max(0, starts - inFlight), until };
}
