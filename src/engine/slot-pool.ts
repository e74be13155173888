// A counting semaphore for concurrency slots (the process-wide cap shared by all tasks).
// Waiters are served first come, first served; a waiter whose signal aborts leaves the queue.

import { invalidValue } from '../core/errors.js';

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class SlotPool {
  private used = 0;
  private readonly waiters: Waiter[] = [];
  private waiterHead = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw invalidValue('capacity', 'an integer from 1 and up', capacity);
    }
  }

  get inUse(): number {
    return this.used;
  }

  /** Takes a slot now if one is free. */
  tryAcquire(): Release | undefined {
    if (this.used >= this.capacity || this.waiterHead < this.waiters.length) return undefined;
    this.used++;
    return this.makeRelease();
  }

  /** Waits for a slot; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    const immediate = this.tryAcquire();
    if (immediate) return Promise.resolve(immediate);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        reject,
        signal,
        onAbort: () => {
          const position = this.waiters.indexOf(waiter, this.waiterHead);
          if (position >= 0) this.waiters.splice(position, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private makeRelease(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      this.grantNext();
    };
  }

  private grantNext(): void {
    while (this.used < this.capacity && this.waiterHead < this.waiters.length) {
      const waiter = this.waiters[this.waiterHead++]!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.used++;
      waiter.grant(this.makeRelease());
    }
    if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
      this.waiters.splice(0, this.waiterHead);
      this.waiterHead = 0;
    }
  }
}
