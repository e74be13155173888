// Rate-limit headers (issue 11 item 5): the anthropic-ratelimit-* headers of each answer feed
// the per-model limiter, so calls are held before the API would answer 429, not after.

import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import { rateLimitsFromHeaders } from '../../src/adapters/providers/anthropic-rate-headers.js';
import { withRateLimit } from '../../src/adapters/providers/rate-limited-provider.js';
import { RateLimitPolicy } from '../../src/core/rate-limit-policy.js';
import type { CompletionRequest } from '../../src/ports/model-provider.js';
import { type FakeMessagesApi, startFakeMessagesApi } from '../fakes/fake-messages-api.js';
import { ManualClock } from '../fakes/manual-clock.js';

const KEY = 'sk-ant-test-limits';
const request: CompletionRequest = { prompt: 'hi', model: 'claude-haiku-5-5', tier: 1, purpose: 'subtask' };

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets real I/O happen for a while (answers that should not come do not). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

let server: FakeMessagesApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('anthropic rate-limit headers', () => {
  it('reads requests and the most restrictive tokens left, with their reset times', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-remaining': '7',
      'anthropic-ratelimit-requests-reset': '2026-12-01T10:00:30Z',
      'anthropic-ratelimit-input-tokens-remaining': '9000',
      'anthropic-ratelimit-input-tokens-reset': '2026-12-01T10:00:10Z',
      'anthropic-ratelimit-output-tokens-remaining': '4000',
      'anthropic-ratelimit-output-tokens-reset': '2026-12-01T10:00:20Z',
    });
    expect(rateLimitsFromHeaders(headers)).toEqual({
      requestsRemaining: 7,
      requestsResetAt: Date.parse('2026-12-01T10:00:30Z'),
      tokensRemaining: 4000,
      tokensResetAt: Date.parse('2026-12-01T10:00:20Z'),
    });
    headers.set('anthropic-ratelimit-tokens-remaining', '12000');
    headers.set('anthropic-ratelimit-tokens-reset', '2026-12-01T10:00:05Z');
    expect(rateLimitsFromHeaders(headers)).toMatchObject({ tokensRemaining: 12000 });
    expect(rateLimitsFromHeaders(new Headers())).toBeUndefined();
  });

  it('holds calls once the requests left are spoken for, and lets them go when the window refills: no 429', async () => {
    const clock = new ManualClock();
    const resetAt = () => clock.now() + 30_000;
    server = await startFakeMessagesApi({ apiKey: KEY, requestWindow: { limit: 4, resetAt } });
    const inner = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
    const provider = withRateLimit(inner, {
      clock,
      maxConcurrent: 8,
      requestsPerMinute: Number.POSITIVE_INFINITY,
    });
    const signal = new AbortController().signal;

    await provider.complete(request, signal); // the answer says 3 requests are left
    expect(provider.policyFor(request.model).serverHeadroom(clock.now())).toBe(3);
    let done = 0;
    const calls = Array.from({ length: 6 }, () =>
      provider.complete(request, signal).then((result) => {
        done++;
        return result;
      }),
    );
    await until(() => done === 3, 'three answers');
    await settle();
    // Three went out (the eight-call cap would have let all six); three wait for the refill.
    expect(done).toBe(3);
    expect(server.window).toEqual({ used: 4, rejected: 0 });
    expect(provider.policyFor(request.model).serverHeadroom(clock.now())).toBe(0);

    server.refill();
    await clock.advance(30_000);
    await Promise.all(calls);
    expect(done).toBe(6);
    expect(server.window).toEqual({ used: 3, rejected: 0 });
  });

  it('without the headers the same calls run into 429s (the fake enforces its limit)', async () => {
    const clock = new ManualClock();
    server = await startFakeMessagesApi({
      apiKey: KEY,
      requestWindow: { limit: 4, resetAt: () => clock.now() + 30_000 },
    });
    const provider = new AnthropicProvider({ apiKey: KEY, baseURL: server.url });
    const signal = new AbortController().signal;
    await provider.complete(request, signal);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => provider.complete(request, signal)),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(3);
    expect(server.window.rejected).toBe(3);
  });

  it('counts tokens left against the tokens a call takes', () => {
    const policy = new RateLimitPolicy({ maxConcurrent: 8, requestsPerMinute: Number.POSITIVE_INFINITY });
    const now = 1_000;
    policy.start(now);
    policy.observe(now, { tokensRemaining: 2_500, tokensResetAt: now + 10_000 }, 1_000);
    policy.finish(now, 'success');
    expect(policy.serverHeadroom(now)).toBe(2);
    policy.start(now);
    policy.start(now);
    expect(policy.decide(now)).toEqual({ kind: 'wait', ms: 10_000 });
    // Once the window's reset has passed, the old figures no longer hold anything back.
    expect(policy.decide(now + 10_000)).toEqual({ kind: 'go' });
  });
});
