// The accounting behind the per-model rate limit: calls in flight, call starts in a sliding
// one-minute window, a pause asked for by a 429, and an AIMD factor (halved on a 429, raised a
// little on each success) that scales both caps, and the headroom the provider's own rate-limit
// headers report (server-rate-limits.ts), so that calls wait before a 429 rather than after.
// Pure: time is passed in.

import { invalidValue } from './errors.js';
import { headroomOf, type ServerHeadroom, type ServerRateLimits } from './server-rate-limits.js';

export interface RateLimitSettings {
  /** Calls in flight at once for one model. Default 8. */
  maxConcurrent: number;
  /** Call starts per sliding minute for one model; Infinity for none. Default 50. */
  requestsPerMinute: number;
  /** The lowest the AIMD factor goes (the caps never drop under one call). Default 0.05. */
  minimumFactor: number;
  /** What each success adds back to the factor, up to 1. Default 0.05 (20 successes from 0 to 1). */
  recoveryStep: number;
  /** The pause after a 429 that gave no retry-after. Default 1,000 ms. */
  defaultPauseMs: number;
  /** 429s closer together than this count as one (calls in flight all hit the same limit). Default 1,000 ms. */
  decreaseCooldownMs: number;
}

/** Anthropic's lowest published limit is 50 requests per minute; 8 in flight keeps 16 tasks busy. */
export const DEFAULT_RATE_LIMIT_SETTINGS: Readonly<RateLimitSettings> = Object.freeze({
  maxConcurrent: 8,
  requestsPerMinute: 50,
  minimumFactor: 0.05,
  recoveryStep: 0.05,
  defaultPauseMs: 1_000,
  decreaseCooldownMs: 1_000,
});

export const WINDOW_MS = 60_000;

export type RateDecision =
  /** Start now. */
  | { kind: 'go' }
  /** Wait until a call in flight ends. */
  | { kind: 'wait-for-release' }
  /** Wait this long (the window or a 429 pause), then ask again. */
  | { kind: 'wait'; ms: number };

export type CallOutcome = 'success' | 'rate-limited' | 'failure';

export function resolveRateLimitSettings(partial: Partial<RateLimitSettings> = {}): RateLimitSettings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  const settings: RateLimitSettings = { ...DEFAULT_RATE_LIMIT_SETTINGS, ...defined };
  if (!Number.isInteger(settings.maxConcurrent) || settings.maxConcurrent < 1) {
    throw invalidValue('maxConcurrent', 'an integer from 1 and up', settings.maxConcurrent);
  }
  if (!(settings.requestsPerMinute >= 1)) {
    throw invalidValue(
      'requestsPerMinute',
      'a number from 1 and up (Infinity for no limit)',
      settings.requestsPerMinute,
    );
  }
  if (!(settings.minimumFactor > 0 && settings.minimumFactor <= 1)) {
    throw invalidValue('minimumFactor', 'a number above 0, up to 1', settings.minimumFactor);
  }
  if (!(settings.recoveryStep > 0 && settings.recoveryStep <= 1)) {
    throw invalidValue('recoveryStep', 'a number above 0, up to 1', settings.recoveryStep);
  }
  for (const field of ['defaultPauseMs', 'decreaseCooldownMs'] as const) {
    if (!(Number.isFinite(settings[field]) && settings[field] >= 0)) {
      throw invalidValue(field, 'a finite number from 0 and up', settings[field]);
    }
  }
  return settings;
}

/** The limit state of one model. */
export class RateLimitPolicy {
  private readonly settings: RateLimitSettings;
  private readonly starts: number[] = [];
  private inFlightCount = 0;
  private factorValue = 1;
  private pausedUntilMs = 0;
  private lastDecreaseMs = Number.NEGATIVE_INFINITY;
  /** What the provider's last rate-limit headers leave room for, less the starts since. */
  private server: ServerHeadroom | undefined;
  /** Tokens per call, a running mean of what calls used (for the token headroom). */
  private tokensPerCallValue = 0;

  constructor(settings: Partial<RateLimitSettings> = {}) {
    this.settings = resolveRateLimitSettings(settings);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** The AIMD factor, from minimumFactor to 1. */
  get factor(): number {
    return this.factorValue;
  }

  get pausedUntil(): number {
    return this.pausedUntilMs;
  }

  /** Calls allowed in flight now. */
  concurrencyLimit(): number {
    return Math.max(1, Math.floor(this.settings.maxConcurrent * this.factorValue));
  }

  /** Call starts allowed per sliding minute now. */
  rateLimit(): number {
    const rate = this.settings.requestsPerMinute;
    return rate === Number.POSITIVE_INFINITY ? rate : Math.max(1, Math.floor(rate * this.factorValue));
  }

  /** The starts the provider's headers leave room for now, or undefined when unknown. */
  serverHeadroom(now: number): number | undefined {
    return this.server && now < this.server.until ? this.server.starts : undefined;
  }

  /**
   * Takes in the limits a response reported and the tokens that call used; call it before that
   * call's `finish` (the other calls in flight count against what is left). The next starts
   * are held once they would use up what the provider said is left, until its window refills.
   */
  observe(now: number, limits: ServerRateLimits, tokensUsed?: number): void {
    if (tokensUsed !== undefined && Number.isFinite(tokensUsed) && tokensUsed > 0) {
      this.tokensPerCallValue =
        this.tokensPerCallValue === 0 ? tokensUsed : this.tokensPerCallValue * 0.8 + tokensUsed * 0.2;
    }
    this.server = headroomOf(limits, now, this.tokensPerCallValue, Math.max(0, this.inFlightCount - 1));
  }

  /** Whether a call may start at `now`, and if not, what to wait for. */
  decide(now: number): RateDecision {
    if (now < this.pausedUntilMs) return { kind: 'wait', ms: this.pausedUntilMs - now };
    const headroom = this.serverHeadroom(now);
    if (headroom !== undefined && headroom <= 0) return { kind: 'wait', ms: this.server!.until - now };
    if (this.inFlightCount >= this.concurrencyLimit()) return { kind: 'wait-for-release' };
    this.prune(now);
    const allowed = this.rateLimit();
    if (this.starts.length >= allowed) {
      // The start that must leave the window before one more fits.
      const blocking = this.starts[this.starts.length - allowed]!;
      return { kind: 'wait', ms: Math.max(1, blocking + WINDOW_MS - now) };
    }
    return { kind: 'go' };
  }

  /** Records a call that starts at `now` (after `decide` said go). */
  start(now: number): void {
    this.inFlightCount += 1;
    if (this.server && now < this.server.until) this.server.starts -= 1;
    if (this.settings.requestsPerMinute !== Number.POSITIVE_INFINITY) this.starts.push(now);
  }

  /** Records the end of a call; a 429 halves the factor and pauses every caller. */
  finish(now: number, outcome: CallOutcome, retryAfterMs?: number): void {
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    if (outcome === 'success') {
      // Rounded so that repeated steps land on 1 exactly instead of drifting below it.
      this.factorValue = Math.min(1, Math.round((this.factorValue + this.settings.recoveryStep) * 1e6) / 1e6);
      return;
    }
    if (outcome !== 'rate-limited') return;
    if (now - this.lastDecreaseMs >= this.settings.decreaseCooldownMs) {
      this.factorValue = Math.max(this.settings.minimumFactor, this.factorValue / 2);
      this.lastDecreaseMs = now;
    }
    const pause =
      retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0
        ? retryAfterMs
        : this.settings.defaultPauseMs;
    this.pausedUntilMs = Math.max(this.pausedUntilMs, now + pause);
  }

  private prune(now: number): void {
    let expired = 0;
    while (expired < this.starts.length && this.starts[expired]! <= now - WINDOW_MS) expired += 1;
    if (expired > 0) this.starts.splice(0, expired);
  }
}
