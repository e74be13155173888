// Time, randomness and ids come into the core and the engine through this port, so that the
// core stays pure and tests drive time (test/fakes/manual-clock.ts). The engine never calls
// setTimeout, setInterval or Date.now itself.

/** A pending timer; `cancel` keeps its callback from running (a no-op once it ran). */
export interface Timer {
  cancel(): void;
}

export interface TimerOptions {
  /**
   * A background timer does not keep the process alive on its own (lease renewal, polls).
   * Default false.
   */
  background?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `callback` once after `ms`, unless cancelled first. Optional: a clock without it
   * gets timers built from `sleep` (engine/timers.ts), at the price of an AbortController each.
   */
  setTimer?(ms: number, callback: () => void, options?: TimerOptions): Timer;
}

export interface Entropy {
  /** Uniform in [0, 1). */
  random(): number;
  /** A new UUID v4. */
  uuid(): string;
}
