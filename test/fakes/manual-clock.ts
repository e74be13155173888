// A Clock whose time moves only when a test moves it. Sleeps and timers wait in one queue,
// ordered by due time (ties: the order they were set); `advance` and `runNext` run them, and let
// the promise reactions each one starts run before the next one fires. No real timer is used:
// the only real waiting is `flush`, which yields to the event loop (setImmediate) so that
// batched store writes and promise chains can run.

import type { Clock, Timer, TimerOptions } from '../../src/ports/clock.js';

interface Pending {
  at: number;
  order: number;
  fire: () => void;
}

/** Lets the event loop run `turns` times (store batches, promise chains); no time passes. */
export async function flush(turns = 20): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private current: number;
  private pending: Pending[] = [];
  private order = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.remove(entry);
        reject(signal?.reason);
      };
      const entry = this.add(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimer(ms: number, callback: () => void, _options?: TimerOptions): Timer {
    const entry = this.add(ms, callback);
    return { cancel: () => this.remove(entry) };
  }

  /** Timers and sleeps not yet run. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** When the next timer is due, or undefined when none is pending. */
  nextDueAt(): number | undefined {
    return this.pending[0]?.at;
  }

  /** Moves to the next timer's time and runs it (then flushes); false when none is pending. */
  async runNext(): Promise<boolean> {
    const next = this.pending.shift();
    if (!next) return false;
    this.current = Math.max(this.current, next.at);
    next.fire();
    await flush();
    return true;
  }

  /**
   * Moves time forward by `ms`, running every timer due by then in due order, including timers
   * those set; time stands at each timer's due time while it runs.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flush();
    while (this.pending.length > 0 && this.pending[0]!.at <= target) await this.runNext();
    this.current = target;
    await flush();
  }

  private add(ms: number, fire: () => void): Pending {
    const entry: Pending = { at: this.current + Math.max(0, ms), order: this.order++, fire };
    let at = this.pending.length;
    while (at > 0 && this.pending[at - 1]!.at > entry.at) at--;
    this.pending.splice(at, 0, entry);
    return entry;
  }

  private remove(entry: Pending): void {
    const at = this.pending.indexOf(entry);
    if (at >= 0) this.pending.splice(at, 1);
  }
}

/**
 * Runs `work` to its end on the manual clock: flushes, and whenever the work has not settled,
 * fires the next timer. Throws when the work waits on nothing (no timer pending).
 */
export async function runOnClock<T>(clock: ManualClock, work: Promise<T>, maxSteps = 10_000): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let step = 0; step < maxSteps; step++) {
    await flush();
    if (settled) return watched;
    if (!(await clock.runNext())) {
      await flush(100);
      if (settled) return watched;
      throw new Error('stuck: no timer is pending and the work has not settled');
    }
  }
  throw new Error(`did not settle within ${maxSteps} timer steps`);
}
