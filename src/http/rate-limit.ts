// A token bucket per caller (token name, or "local"): `burst` requests at once, refilled at
// `perSecond`. An empty bucket answers 429 with retry-after in whole seconds.

export interface RateLimitOptions {
  /** Requests a caller may make at once. Default 100. */
  burst: number;
  /** Sustained requests per second per caller. Default 20. */
  perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 100, perSecond: 20 };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.burst >= 1)) throw new RangeError(`Expected rateLimit.burst >= 1, got ${options.burst}`);
    if (!(options.perSecond > 0)) {
      throw new RangeError(`Expected rateLimit.perSecond > 0, got ${options.perSecond}`);
    }
  }

  take(key: string): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.options.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      const refill = ((now - bucket.updatedAt) / 1000) * this.options.perSecond;
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + refill);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitSeconds = (1 - bucket.tokens) / this.options.perSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}
