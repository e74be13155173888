// Time, randomness and ids come into the core through this port so that the core stays pure
// and tests can drive time.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Entropy {
  /** Uniform in [0, 1). */
  random(): number;
  /** A new UUID v4. */
  uuid(): string;
}
