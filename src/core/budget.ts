// Budget accounting for one task. Before a call, the money already spent plus the pessimistic
// estimates of calls in flight plus this call's estimate must fit the budget; after the call
// the reservation is replaced by the real cost. So the final spend exceeds the budget only by
// how much real costs of calls in flight overran their estimates.

export interface Reservation {
  readonly estimate: number;
}

export class Budget {
  private spentUsd: number;
  private reservedUsd = 0;

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

  /** Reserves `estimate` if it fits; undefined when the call must not be made. */
  tryReserve(estimate: number): Reservation | undefined {
    if (this.limit !== null && this.spentUsd + this.reservedUsd + estimate > this.limit + 1e-12) {
      return undefined;
    }
    this.reservedUsd += estimate;
    return { estimate };
  }

  /** Replaces a reservation with what the call really cost. */
  settle(reservation: Reservation, actual: number): void {
    this.reservedUsd = Math.max(0, this.reservedUsd - reservation.estimate);
    this.spentUsd += actual;
  }
}
