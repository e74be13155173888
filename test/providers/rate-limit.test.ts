import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { withRateLimit } from '../../src/adapters/providers/rate-limited-provider.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { systemEntropy } from '../../src/adapters/system/system-clock.js';
import { SymbiontError } from '../../src/core/errors.js';
import { RateLimitPolicy, WINDOW_MS } from '../../src/core/rate-limit-policy.js';
import type { Tier } from '../../src/core/records.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import type { Clock } from '../../src/ports/clock.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../src/ports/model-provider.js';

/** A clock whose time moves only when the test fires the next timer. */
class ManualClock implements Clock {
  private current = 1_000_000;
  private timers: Array<{ at: number; resolve: () => void }> = [];

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const timer = {
        at: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((entry) => entry !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  hasPending(): boolean {
    return this.timers.length > 0;
  }

  /** Moves time to the earliest timer and fires it; false when none is pending. */
  fireNext(): boolean {
    if (this.timers.length === 0) return false;
    const next = this.timers.reduce((earliest, timer) => (timer.at < earliest.at ? timer : earliest));
    this.timers = this.timers.filter((timer) => timer !== next);
    this.current = Math.max(this.current, next.at);
    next.resolve();
    return true;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets promises run, firing timers whenever nothing else can move, until `work` settles. */
async function drive<T>(clock: ManualClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  for (let step = 0; step < 100_000; step += 1) {
    // Let the work run until it settles or waits on the clock; the engine batches its store
    // writes per event-loop turn, so this can take several turns.
    await flush();
    for (let turn = 0; turn < 200 && !settled && !clock.hasPending(); turn += 1) await flush();
    for (let turn = 0; turn < 6; turn += 1) await flush();
    if (settled) return watched;
    if (!clock.fireNext()) throw new Error('stuck: no timer pending and the work has not settled');
  }
  throw new Error('did not settle within 100,000 steps');
}

interface FakeLimitedOptions {
  clock: ManualClock;
  /** Requests the fake accepts per sliding minute; more get a 429. */
  allowedPerMinute: number;
  latencyMs: number;
  retryAfterMs?: number;
  /** Send numbers (1-based) that get a 429 whatever the count. */
  failSends?: number[];
}

/** A provider that enforces a per-minute limit as an API does, and records what it saw. */
class FakeLimitedProvider implements ModelProvider {
  readonly name = 'fake-limited';
  readonly sent: number[] = [];
  readonly rateLimitedAt: Array<{ at: number; retryAfterMs: number }> = [];
  private accepted: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly inFlightAtSend: number[] = [];

  constructor(private readonly options: FakeLimitedOptions) {}

  modelFor(tier: Tier): string {
    return `model-${tier}`;
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    const { clock } = this.options;
    const now = clock.now();
    this.sent.push(now);
    this.accepted = this.accepted.filter((at) => at > now - WINDOW_MS);
    const forced = this.options.failSends?.includes(this.sent.length) ?? false;
    if (forced || this.accepted.length >= this.options.allowedPerMinute) {
      const retryAfterMs = this.options.retryAfterMs ?? this.accepted[0]! + WINDOW_MS - now;
      this.rateLimitedAt.push({ at: now, retryAfterMs });
      throw new SymbiontError('PROVIDER_RATE_LIMITED', 'fake rate limit reached (429)', {
        retryable: true,
        retryAfterMs,
      });
    }
    this.accepted.push(now);
    this.inFlight += 1;
    this.inFlightAtSend.push(this.inFlight);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await clock.sleep(this.options.latencyMs, signal);
    } finally {
      this.inFlight -= 1;
    }
    return { text: `answer to ${request.prompt}`, inputTokens: 1, outputTokens: 1, costUsd: null };
  }
}

function request(prompt: string, model = 'model-1'): CompletionRequest {
  return { prompt, model, tier: 1, purpose: 'subtask' };
}

/** Largest number of sends inside any one-minute window. */
function busiestMinute(sent: number[]): number {
  let busiest = 0;
  for (const start of sent) {
    busiest = Math.max(busiest, sent.filter((at) => at >= start && at < start + WINDOW_MS).length);
  }
  return busiest;
}

/** A task: `count` concurrent calls, each retried after a 429 as the engine does (honouring retry-after). */
function task(
  provider: ModelProvider,
  clock: Clock,
  name: string,
  count: number,
): Promise<CompletionResult[]> {
  const call = async (index: number): Promise<CompletionResult> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await provider.complete(request(`${name}-${index}`), new AbortController().signal);
      } catch (error) {
        if (!SymbiontError.is(error, 'PROVIDER_RATE_LIMITED') || attempt >= 20) throw error;
        await clock.sleep(error.retryAfterMs ?? 1000);
      }
    }
  };
  return Promise.all(Array.from({ length: count }, (_, index) => call(index)));
}

describe('per-model rate limit', () => {
  it('keeps three concurrent engine tasks within the per-minute cap the fake API allows', async () => {
    const clock = new ManualClock();
    const allowed = 5;
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: allowed, latencyMs: 800 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 8, requestsPerMinute: allowed });
    const ledger = new MemoryLedger();
    const manager = new TaskManager({
      clock,
      entropy: systemEntropy,
      store: createMemoryStore({ clock }),
      ledger,
      providers: () => provider,
      // Subtask calls only (18): the answer's call is covered in test/engine/answer.test.ts.
      defaults: {
        provider: provider.name,
        concurrency: 4,
        escalate: false,
        timeout_ms: 3_600_000,
        synthesis: false,
      },
    });
    const plan = (name: string) => ({
      reasoning: null,
      subtasks: Array.from({ length: 6 }, (_, index) => ({
        description: `${name}-${index}`,
        tier_hint: 1,
        depends_on: [],
      })),
    });
    const finals = await drive(
      clock,
      (async () => {
        const receipts = await Promise.all(
          ['a', 'b', 'c'].map((name) => manager.submitTask({ prompt: name, plan: plan(name) })),
        );
        return Promise.all(receipts.map((receipt) => manager.waitForTask(receipt.id)));
      })(),
    );
    expect(finals.map((task) => task.status)).toEqual(['completed', 'completed', 'completed']);
    expect(inner.sent).toHaveLength(18);
    expect(inner.rateLimitedAt).toEqual([]);
    expect(busiestMinute(inner.sent)).toBeLessThanOrEqual(allowed);
    expect(ledger.entries()).toHaveLength(18);
    await manager.close();
  });

  it('keeps three tasks of ten concurrent calls within the per-minute cap and the concurrency cap', async () => {
    const clock = new ManualClock();
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: 6, latencyMs: 1_500 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 4, requestsPerMinute: 6 });
    const results = await drive(
      clock,
      Promise.all(['a', 'b', 'c'].map((name) => task(provider, clock, name, 10))),
    );
    expect(results.flat()).toHaveLength(30);
    expect(inner.sent).toHaveLength(30);
    expect(inner.rateLimitedAt).toEqual([]);
    expect(busiestMinute(inner.sent)).toBeLessThanOrEqual(6);
    expect(inner.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('never has more calls in flight than the cap', async () => {
    const clock = new ManualClock();
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: 1_000, latencyMs: 700 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 3, requestsPerMinute: 1_000 });
    await drive(clock, Promise.all(['a', 'b', 'c'].map((name) => task(provider, clock, name, 10))));
    expect(inner.maxInFlight).toBe(3);
  });

  it('pauses and slows every caller of the model when one of them gets a 429', async () => {
    const clock = new ManualClock();
    // The server allows 5 a minute; the limiter was told 20, so 429s teach it.
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: 5, latencyMs: 500 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 4, requestsPerMinute: 20 });
    await drive(clock, Promise.all(['a', 'b', 'c'].map((name) => task(provider, clock, name, 10))));
    expect(inner.rateLimitedAt.length).toBeGreaterThan(0);
    // No caller, whichever task it belongs to, sends while the server's retry-after runs.
    for (const { at, retryAfterMs } of inner.rateLimitedAt) {
      expect(inner.sent.filter((sentAt) => sentAt > at && sentAt < at + retryAfterMs)).toEqual([]);
    }
    // A shared slowdown: far fewer 429s than calls, though every caller wanted to go at once.
    expect(inner.rateLimitedAt.length).toBeLessThan(10);
    expect(provider.policyFor('model-1').factor).toBeLessThan(1);
  });

  it('recovers its speed once 429s stop', async () => {
    const clock = new ManualClock();
    const inner = new FakeLimitedProvider({
      clock,
      allowedPerMinute: 10_000,
      latencyMs: 100,
      retryAfterMs: 2_000,
      failSends: [3],
    });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 4, requestsPerMinute: 10_000 });
    const policy = provider.policyFor('model-1');
    const first = task(provider, clock, 'a', 8);
    await drive(clock, first);
    expect(inner.rateLimitedAt).toHaveLength(1);
    const afterFirstTask = policy.factor;
    expect(afterFirstTask).toBeLessThan(1);
    expect(policy.concurrencyLimit()).toBeLessThan(4);
    await drive(clock, task(provider, clock, 'b', 40));
    expect(policy.factor).toBe(1);
    expect(policy.concurrencyLimit()).toBe(4);
    // Full concurrency was reached again after the slowdown.
    expect(inner.inFlightAtSend.slice(-20)).toContain(4);
  });

  it('keeps separate limits per model', async () => {
    const clock = new ManualClock();
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: 1_000, latencyMs: 1_000 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 1, requestsPerMinute: 100 });
    const calls = Promise.all([
      provider.complete(request('one', 'model-1'), new AbortController().signal),
      provider.complete(request('two', 'model-2'), new AbortController().signal),
    ]);
    await drive(clock, calls);
    expect(inner.maxInFlight).toBe(2);
  });

  it('stops a waiting call when its signal aborts, without taking a slot', async () => {
    const clock = new ManualClock();
    const inner = new FakeLimitedProvider({ clock, allowedPerMinute: 1_000, latencyMs: 5_000 });
    const provider = withRateLimit(inner, { clock, maxConcurrent: 1, requestsPerMinute: 100 });
    const running = provider.complete(request('first'), new AbortController().signal);
    const controller = new AbortController();
    const waiting = provider.complete(request('second'), controller.signal);
    await flush();
    const reason = new SymbiontError('CANCELLED', 'cancelled while waiting');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(inner.sent).toHaveLength(1);
    await drive(clock, running);
    const third = await drive(clock, provider.complete(request('third'), new AbortController().signal));
    expect(third.text).toBe('answer to third');
    expect(provider.policyFor('model-1').inFlight).toBe(0);
  });

  it('keeps the name, tier map and prices of the provider it wraps', () => {
    const clock = new ManualClock();
    const inner: ModelProvider = {
      name: 'priced',
      modelFor: (tier) => `m${tier}`,
      complete: async () => ({ text: 'x', inputTokens: 0, outputTokens: 0, costUsd: null }),
      priceFor: () => ({ inputPerMillion: 0, outputPerMillion: 0 }),
    };
    const provider = withRateLimit(inner, { clock });
    expect(provider.name).toBe('priced');
    expect(provider.modelFor(3)).toBe('m3');
    expect(provider.priceFor?.('m1')).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
    expect(() => withRateLimit(inner, { clock, maxConcurrent: 0 })).toThrow(
      'Expected `maxConcurrent` to be an integer from 1 and up, got `0` (number)',
    );
  });
});

describe('rate limit policy', () => {
  it('allows requestsPerMinute starts in a sliding minute, then says how long to wait', () => {
    const policy = new RateLimitPolicy({ maxConcurrent: 10, requestsPerMinute: 2 });
    policy.start(0);
    policy.finish(1, 'success');
    policy.start(10_000);
    policy.finish(10_001, 'success');
    expect(policy.decide(20_000)).toEqual({ kind: 'wait', ms: 40_000 });
    expect(policy.decide(60_000)).toEqual({ kind: 'go' });
  });

  it('waits for a release when the concurrency cap is reached', () => {
    const policy = new RateLimitPolicy({ maxConcurrent: 1, requestsPerMinute: 100 });
    policy.start(0);
    expect(policy.decide(1)).toEqual({ kind: 'wait-for-release' });
    policy.finish(2, 'success');
    expect(policy.decide(3)).toEqual({ kind: 'go' });
  });

  it('halves on a 429 (once for a burst), pauses for retry-after, and recovers additively', () => {
    const policy = new RateLimitPolicy({ maxConcurrent: 8, requestsPerMinute: 40, recoveryStep: 0.25 });
    for (let index = 0; index < 3; index += 1) policy.start(0);
    policy.finish(100, 'rate-limited', 5_000);
    policy.finish(150, 'rate-limited', 5_000);
    expect(policy.factor).toBe(0.5);
    expect(policy.concurrencyLimit()).toBe(4);
    expect(policy.rateLimit()).toBe(20);
    expect(policy.decide(2_000)).toEqual({ kind: 'wait', ms: 3_150 });
    expect(policy.decide(5_150)).toEqual({ kind: 'go' });
    policy.finish(5_200, 'success');
    expect(policy.factor).toBe(0.75);
    policy.start(5_300);
    policy.finish(5_400, 'success');
    expect(policy.factor).toBe(1);
  });

  it('never drops under one call at a time', () => {
    const policy = new RateLimitPolicy({ maxConcurrent: 2, requestsPerMinute: 3, decreaseCooldownMs: 0 });
    for (let index = 0; index < 10; index += 1) {
      policy.start(index);
      policy.finish(index, 'rate-limited', 0);
    }
    expect(policy.factor).toBe(0.05);
    expect(policy.concurrencyLimit()).toBe(1);
    expect(policy.rateLimit()).toBe(1);
  });

  it('rejects settings with a message naming the field', () => {
    expect(() => new RateLimitPolicy({ requestsPerMinute: 0 })).toThrow(/`requestsPerMinute`/);
    expect(() => new RateLimitPolicy({ recoveryStep: 2 })).toThrow(/`recoveryStep`/);
  });
});
