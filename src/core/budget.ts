// Budget accounting for one task. A call reserves the most it can cost (call-reservation.ts:
// its prompt's token bound and the output cap chosen to fit) before it starts; when it returns
// the reservation is replaced by the real cost. Since every reservation is a real bound for a
// provider that honours the output cap and reports usage, spent + reserved never passes the
// limit and the final spend is at most the budget, exactly.

export interface Reservation {
  readonly estimate: number;
}

/** What a call that does not fit is told: it waits for calls in flight, or the budget is spent. */
export type Shortfall = { kind: 'wait' } | { kind: 'exhausted'; message: string };

export class Budget {
  private spentUsd: number;
  private reservedUsd = 0;
  private open = 0;
  private settles = 0;
  private readonly listeners = new Set<() => void>();

  /** `limit` null means unlimited. `alreadySpent` counts earlier work (a resumed task). */
  constructor(
    readonly limit: number | null,
    alreadySpent = 0,
  ) {
    this.spentUsd = alreadySpent;
  }

  get spent(): number {
    return this.spentUsd;
  }

  get reserved(): number {
    return this.reservedUsd;
  }

  /** Reservations not settled yet (calls in flight). */
  get inFlight(): number {
    return this.open;
  }

  /** How many reservations have settled so far: a wait lasts until this changes. */
  get settleCount(): number {
    return this.settles;
  }

  /** What a new reservation may take now; null when unlimited. */
  get available(): number | null {
    return this.limit === null ? null : this.limit - this.spentUsd - this.reservedUsd;
  }

  /** Reserves `estimate` if it fits; undefined when the call must not be made. */
  tryReserve(estimate: number): Reservation | undefined {
    if (this.limit !== null && this.spentUsd + this.reservedUsd + estimate > this.limit + 1e-12) {
      return undefined;
    }
    this.reservedUsd += estimate;
    this.open++;
    return { estimate };
  }

  /**
   * Why a call whose smallest reservation is `minimumUsd` cannot start now: it waits when it
   * would fit once the calls in flight settle (spent + minimum <= limit), else the budget is
   * exhausted, with the figures named.
   */
  shortfall(minimumUsd: number): Shortfall {
    const limit = this.limit ?? Number.POSITIVE_INFINITY;
    if (this.open > 0 && this.spentUsd + minimumUsd <= limit + 1e-12) return { kind: 'wait' };
    const left = Math.max(0, limit - this.spentUsd);
    return {
      kind: 'exhausted',
      message: `budget exhausted: next call needs up to ${usd(minimumUsd)}; ${usd(left)} of ${usd(limit)} left`,
    };
  }

  /** Replaces a reservation with what the call really cost, then tells whoever waits. */
  settle(reservation: Reservation, actual: number): void {
    this.reservedUsd = Math.max(0, this.reservedUsd - reservation.estimate);
    if (this.open > 0) this.open--;
    if (this.open === 0) this.reservedUsd = 0;
    this.spentUsd += actual;
    this.settles++;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every settle; returns the unsubscribe. */
  onSettle(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves at the next settle; rejects with the signal's reason when it aborts first. */
  nextSettle(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        unsubscribe();
        reject(signal.reason);
      };
      const unsubscribe = this.onSettle(() => {
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Dollars with enough digits to tell small reservations apart. */
export function usd(value: number): string {
  return `$${value.toFixed(Math.abs(value) < 0.01 ? 6 : 4)}`;
}
