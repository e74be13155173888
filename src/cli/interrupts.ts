// What Ctrl-C and SIGTERM mean to a command that runs a task in the foreground (`run`):
// the first SIGINT or a SIGTERM stops it and leaves the task resumable; a further SIGINT
// (while stopping, or within the cancel window after) cancels it. The listeners are in place
// from `listen()` to `dispose()`, so no signal in between kills the process half-way.

import { millisecondsFromEnv } from '../config/env-milliseconds.js';

/** How long after the first Ctrl-C a second one still cancels (SYMBIONT_CANCEL_WINDOW_MS). */
export const DEFAULT_CANCEL_WINDOW_MS = 1000;

export type StopSignal = 'SIGINT' | 'SIGTERM';

export class Interrupts {
  private readonly controller = new AbortController();
  private first: StopSignal | undefined;
  private cancelRequested = false;
  private onCancel: (() => void) | undefined;
  private readonly onInt = () => this.receive('SIGINT');
  private readonly onTerm = () => this.receive('SIGTERM');

  constructor(private readonly process: NodeJS.Process = globalThis.process) {}

  listen(): this {
    this.process.on('SIGINT', this.onInt);
    this.process.on('SIGTERM', this.onTerm);
    return this;
  }

  dispose(): void {
    this.process.removeListener('SIGINT', this.onInt);
    this.process.removeListener('SIGTERM', this.onTerm);
  }

  /** Aborts at the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first signal received, if any. */
  get stoppedBy(): StopSignal | undefined {
    return this.first;
  }

  /**
   * Whether a SIGINT after the first signal asks to cancel: at once if one came already, else
   * the first one within `windowMs` (a SIGTERM ends the wait with false).
   */
  cancelWithin(windowMs: number): Promise<boolean> {
    if (this.cancelRequested) return Promise.resolve(true);
    if (windowMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onCancel = undefined;
        resolve(false);
      }, windowMs);
      this.onCancel = () => {
        clearTimeout(timer);
        this.onCancel = undefined;
        resolve(this.cancelRequested);
      };
    });
  }

  private receive(signal: StopSignal): void {
    if (this.first === undefined) {
      this.first = signal;
      this.controller.abort();
      return;
    }
    if (signal === 'SIGINT') this.cancelRequested = true;
    this.onCancel?.();
  }
}

/** SYMBIONT_CANCEL_WINDOW_MS (whole milliseconds, 0 for none), else the default. */
export function cancelWindowFrom(env: NodeJS.ProcessEnv): number {
  return (
    millisecondsFromEnv('SYMBIONT_CANCEL_WINDOW_MS', env.SYMBIONT_CANCEL_WINDOW_MS, 0) ??
    DEFAULT_CANCEL_WINDOW_MS
  );
}
