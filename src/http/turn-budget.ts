// Fair replay: every event stream of the server draws on one budget of bytes per turn of the
// event loop. When a turn's budget is spent, every stream waits for the next turn, so however
// many subscribers replay a long history at once, the loop comes back to other requests
// (/healthz among them) after about `bytesPerTurn` of work. Store page reads are charged too.

import { setImmediate as nextTurn } from 'node:timers/promises';

export class TurnBudget {
  private spent = 0;
  private turnEnd: Promise<void> | undefined;

  constructor(private readonly bytesPerTurn: number) {}

  /** Charges `bytes` of work; a promise of the next turn when this turn's budget is spent. */
  charge(bytes: number): Promise<void> | undefined {
    this.spent += bytes;
    if (this.spent < this.bytesPerTurn) return undefined;
    this.turnEnd ??= nextTurn().then(() => {
      this.spent = 0;
      this.turnEnd = undefined;
    });
    return this.turnEnd;
  }
}

/** Bytes of replay all streams write per turn of the event loop. */
export const REPLAY_BYTES_PER_TURN = 256 * 1024;
/** What one page read from the store is charged. */
export const PAGE_READ_COST = 32 * 1024;
