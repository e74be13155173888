// Wraps a provider with a per-model limit on calls in flight and call starts per minute, shared
// by every task that goes through the wrapper (build it once, in the composition root). A 429
// seen by one caller pauses and slows every caller of that model; speed recovers as calls succeed.

import { SymbiontError } from '../../core/errors.js';
import { type CallOutcome, RateLimitPolicy, type RateLimitSettings } from '../../core/rate-limit-policy.js';
import type { Tier } from '../../core/records.js';
import type { ServerRateLimits } from '../../core/server-rate-limits.js';
import type { Clock } from '../../ports/clock.js';
import type { CompletionRequest, CompletionResult, ModelProvider } from '../../ports/model-provider.js';

export interface RateLimitOptions extends Partial<RateLimitSettings> {
  /** Time and waits. Required: the system clock in production, a fake one in tests. */
  readonly clock: Clock;
  /** Caps for particular models, over the defaults above (e.g. a local model with no minute cap). */
  readonly perModel?: Readonly<Record<string, Partial<RateLimitSettings>>> | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** One model's policy, its queue of callers (first come, first served) and its one timer. */
class ModelGate {
  private readonly queue: Waiter[] = [];
  private timer: { at: number; controller: AbortController } | undefined;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly clock: Clock,
  ) {}

  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
          this.pump();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** The limits a successful response reported; before its release. */
  observe(limits: ServerRateLimits, tokensUsed: number | undefined): void {
    this.policy.observe(this.clock.now(), limits, tokensUsed);
  }

  release(outcome: CallOutcome, retryAfterMs?: number): void {
    this.policy.finish(this.clock.now(), outcome, retryAfterMs);
    this.pump();
  }

  /** Lets callers start while the policy allows, else arms one timer for the earliest change. */
  private pump(): void {
    while (this.queue.length > 0) {
      const now = this.clock.now();
      const decision = this.policy.decide(now);
      if (decision.kind === 'go') {
        const waiter = this.queue.shift()!;
        waiter.signal.removeEventListener('abort', waiter.onAbort);
        this.policy.start(now);
        waiter.resolve();
        continue;
      }
      if (decision.kind === 'wait') this.arm(now + decision.ms);
      else this.disarm();
      return;
    }
    this.disarm();
  }

  private arm(at: number): void {
    if (this.timer && this.timer.at <= at) return;
    this.disarm();
    const controller = new AbortController();
    this.timer = { at, controller };
    this.clock.sleep(at - this.clock.now(), controller.signal).then(
      () => {
        if (this.timer?.controller === controller) this.timer = undefined;
        this.pump();
      },
      () => {
        // Disarmed: a newer timer or an empty queue replaced this one.
      },
    );
  }

  private disarm(): void {
    this.timer?.controller.abort();
    this.timer = undefined;
  }
}

class RateLimitedProvider implements ModelProvider {
  readonly name: string;
  private readonly gates = new Map<string, ModelGate>();

  constructor(
    private readonly inner: ModelProvider,
    private readonly options: RateLimitOptions,
  ) {
    this.name = inner.name;
    if (inner.callBounds) this.callBounds = inner.callBounds;
    if (inner.promptCache) this.promptCache = inner.promptCache;
    if (inner.priceFor) this.priceFor = (model) => inner.priceFor?.(model);
  }

  readonly priceFor?: ModelProvider['priceFor'];
  readonly callBounds?: ModelProvider['callBounds'];
  readonly promptCache?: ModelProvider['promptCache'];

  modelFor(tier: Tier): string {
    return this.inner.modelFor(tier);
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult> {
    const gate = this.gate(request.model);
    await gate.acquire(signal);
    let result: CompletionResult;
    try {
      result = await this.inner.complete(request, signal);
    } catch (error) {
      if (SymbiontError.is(error, 'PROVIDER_RATE_LIMITED')) gate.release('rate-limited', error.retryAfterMs);
      else gate.release('failure');
      throw error;
    }
    if (result.rateLimits) {
      const tokens = (result.inputTokens ?? 0) + (result.outputTokens ?? 0);
      gate.observe(result.rateLimits, tokens > 0 ? tokens : undefined);
    }
    gate.release('success');
    return result;
  }

  /** The policy of one model, for tests and metrics. */
  policyFor(model: string): RateLimitPolicy {
    return this.gate(model).policy;
  }

  private gate(model: string): ModelGate {
    let gate = this.gates.get(model);
    if (!gate) {
      const { clock, perModel, ...defaults } = this.options;
      gate = new ModelGate(new RateLimitPolicy({ ...defaults, ...perModel?.[model] }), clock);
      this.gates.set(model, gate);
    }
    return gate;
  }
}

export type RateLimitedModelProvider = ModelProvider & { policyFor(model: string): RateLimitPolicy };

/**
 * The provider behind a per-model rate limit. Defaults: 8 calls in flight and 50 starts per
 * sliding minute per model (see DEFAULT_RATE_LIMIT_SETTINGS). Waits honour the call's signal.
 */
export function withRateLimit(provider: ModelProvider, options: RateLimitOptions): RateLimitedModelProvider {
  // Validates the defaults now rather than at the first call.
  const { clock: _clock, perModel, ...defaults } = options;
  new RateLimitPolicy(defaults);
  for (const settings of Object.values(perModel ?? {})) new RateLimitPolicy({ ...defaults, ...settings });
  return new RateLimitedProvider(provider, options);
}
