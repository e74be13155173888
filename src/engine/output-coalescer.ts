// Coalesces the text chunks of a streaming call into a few output events per second: chunks
// gather for OUTPUT_INTERVAL_MS after the first one, then go out as one piece. `flush` sends
// what is pending at once (the call ended), so that no chunk is lost or comes after it.

import type { Clock, Timer } from '../ports/clock.js';
import { startTimer } from './timers.js';

/** How long chunks gather before they go out as one output event. */
export const OUTPUT_INTERVAL_MS = 250;

export class OutputCoalescer {
  private pending: string[] = [];
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly send: (text: string) => void,
    private readonly intervalMs = OUTPUT_INTERVAL_MS,
  ) {}

  push(chunk: string): void {
    if (chunk === '') return;
    this.pending.push(chunk);
    this.timer ??= startTimer(this.clock, this.intervalMs, () => {
      this.timer = undefined;
      this.flush();
    });
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.send(text);
  }
}
