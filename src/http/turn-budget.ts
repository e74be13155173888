// Fair replay: every event stream of the server draws on one budget of bytes per turn of the
// event loop. When a turn's budget is spent, every stream waits for the next turn, so however
// many subscribers replay a long history at once, the loop comes back to other requests
// (/healthz among them) after about `bytesPerTurn` of work, or `msPerTurn` of time on a machine
// slow enough (or busy enough) that the bytes take longer. Store page reads are charged too.

import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TurnBudget {
  private spent = 0;
  private turnStart: number | undefined;
  private turnEnd: Promise<void> | undefined;

  constructor(
    private readonly bytesPerTurn: number,
    private readonly msPerTurn = REPLAY_MS_PER_TURN,
  ) {}

  /** Charges `bytes` of work; a promise of the next turn when this turn's budget is spent. */
  charge(bytes: number): Promise<void> | undefined {
    if (this.turnEnd) return this.turnEnd;
    this.spent += bytes;
    const now = performance.now();
    this.turnStart ??= now;
    if (this.spent < this.bytesPerTurn && now - this.turnStart < this.msPerTurn) return undefined;
    this.turnEnd = nextTurn().then(() => {
      this.spent = 0;
      this.turnStart = undefined;
      this.turnEnd = undefined;
    });
    return this.turnEnd;
  }
}

/** Milliseconds of replay work per turn of the event loop at most. */
export const REPLAY_MS_PER_TURN = 10;

/** Bytes of replay all streams write per turn of the event loop. */
export const REPLAY_BYTES_PER_TURN = 256 * 1024;
/** What one page read from the store is charged. */
export const PAGE_READ_COST = 32 * 1024;
